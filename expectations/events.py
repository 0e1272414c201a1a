"""Expectations on the `events` table."""

import great_expectations as gx

from expectations import key_expectations, schema_expectations
from expectations.numbers import MAX_ABS_VALUE
from tasks.schemas import COUNT_TYPES, EVENTS, QUALIFIERS


def expectations() -> list:
    return schema_expectations(EVENTS) + [
        gx.expectations.ExpectColumnValuesToBeBetween(column="start_char", min_value=0),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char"),
        *key_expectations("events"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="count_type", value_set=[t for t in COUNT_TYPES if t]),
        gx.expectations.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=MAX_ABS_VALUE),
        gx.expectations.ExpectColumnValuesToBeInSet(column="qualifier", value_set=list(QUALIFIERS)),
        gx.expectations.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
        gx.expectations.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="country_code", regex=r"^[A-Z]{2}$"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="place_source", value_set=["sentence", "paragraph",
                                                                                      "document"]),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="place_entity_id", regex=r"^[0-9a-f]{16}$"),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="actor_entity_id", regex=r"^[0-9a-f]{16}$"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="event_date_source", value_set=["sentence", "document"]),
    ]
