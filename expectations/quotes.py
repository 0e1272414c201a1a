"""Expectations on the `quotes` table."""

import great_expectations as gx

from expectations import key_expectations, schema_expectations, span_expectations
from tasks.schemas import QUOTES, SPEAKER_KINDS, SPEAKER_TYPES


def expectations() -> list:
    return schema_expectations(QUOTES) + span_expectations() + [
        *key_expectations("quotes"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="speaker_kind", value_set=list(SPEAKER_KINDS)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="speaker_type", value_set=list(SPEAKER_TYPES)),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="speaker_entity_id", regex=r"^[0-9a-f]{16}$"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="speaker_start", min_value=0),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="speaker_end", column_B="speaker_start",
                                                                ignore_row_if="either_value_is_missing"),
        gx.expectations.ExpectColumnValueLengthsToBeBetween(column="text", min_value=3),
    ]
