"""Great Expectations 1.x suites, one per table, derived from the table schemas in `tasks.schemas`.

Each module exposes `expectations()`: the suite's expectations. Columns named in
`COMPUTED_COLUMNS` are checks computed before validation (see `tasks.validation`), not stored.
"""

from __future__ import annotations

import great_expectations as gx
import pyarrow as pa

Expectation = gx.expectations.Expectation


def schema_expectations(schema: pa.Schema) -> list[Expectation]:
    """Every declared column exists, and the non-nullable ones hold no nulls."""
    return [gx.expectations.ExpectColumnToExist(column=name) for name in schema.names] + [
        gx.expectations.ExpectColumnValuesToNotBeNull(column=field.name) for field in schema if not field.nullable
    ]


def span_expectations() -> list[Expectation]:
    """Offsets of a mention: non-negative, non-empty, inside its document and matching its text."""
    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="start_char", min_value=0),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="span_matches_document", value_set=[True]),
        gx.expectations.ExpectColumnValuesToBeBetween(column="sentence_index", min_value=0),
    ]
