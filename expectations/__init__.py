"""Great Expectations 1.x suites, one per table, derived from the table schemas in `tasks.schemas`.

Each module exposes `expectations()`: the suite's expectations. Columns named in
`COMPUTED_COLUMNS` are checks computed before validation (see `tasks.validation`), not stored.
"""

from __future__ import annotations

import great_expectations as gx
import pyarrow as pa

Expectation = gx.expectations.Expectation


def schema_expectations(schema: pa.Schema) -> list[Expectation]:
    """Every declared column exists, the non-nullable ones hold no nulls, and every confidence
    (`tasks.schemas.confidence_column`) is a share, 0 to 1.

    The columns' presence is one expectation over the table, not one per column: GE's cost is
    mostly per expectation, and a missing column fails every row either way (its result names
    the columns missing)."""
    from tasks.schemas import confidence_columns

    return [gx.expectations.ExpectTableColumnsToMatchSet(column_set=list(schema.names), exact_match=False)] + [
        gx.expectations.ExpectColumnValuesToNotBeNull(column=field.name) for field in schema if not field.nullable
    ] + [
        gx.expectations.ExpectColumnValuesToBeBetween(column=name, min_value=0, max_value=1)
        for name in confidence_columns(schema)
    ]


def key_expectations(table: str) -> list[Expectation]:
    """The table's primary key (`tasks.schemas.PRIMARY_KEYS`) unique within the batch."""
    from tasks.schemas import PRIMARY_KEYS

    keys = list(PRIMARY_KEYS[table])
    if len(keys) == 1:
        return [gx.expectations.ExpectColumnValuesToBeUnique(column=keys[0])]
    return [gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=keys)]


def span_expectations() -> list[Expectation]:
    """Offsets of a mention: non-negative, non-empty, inside its document and matching its text."""
    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="start_char", min_value=0),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="span_matches_document", value_set=[True]),
        gx.expectations.ExpectColumnValuesToBeBetween(column="sentence_index", min_value=0),
    ]


def place_expectations() -> list[Expectation]:
    """Where a resolved place is: on the globe, in a known country, of a known feature class."""
    from tasks.schemas import FEATURE_CLASSES

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
        gx.expectations.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="country_code", regex=r"^[A-Z]{2}$"),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="admin1_code", regex=r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="feature_class", value_set=list(FEATURE_CLASSES)),
        gx.expectations.ExpectColumnValuesToBeBetween(column="population", min_value=0),
    ]
