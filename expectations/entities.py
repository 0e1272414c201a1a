"""Expectations on the `entities` table."""

import great_expectations as gx

from expectations import key_expectations, place_expectations, schema_expectations, span_expectations
from tasks.schemas import ENTITIES, ENTITY_LABELS


def expectations() -> list:
    return schema_expectations(ENTITIES) + place_expectations() + span_expectations() + [
        gx.expectations.ExpectColumnValuesToBeInSet(column="label", value_set=list(ENTITY_LABELS)),
        *key_expectations("entities"),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="entity_id", regex=r"^[0-9a-f]{16}$"),
        gx.expectations.ExpectColumnValueLengthsToBeBetween(column="canonical_name", min_value=1),
    ]
