"""Expectations on the `numbers` table."""

import great_expectations as gx

from expectations import key_expectations, schema_expectations, span_expectations
from tasks.schemas import CHANGES, COUNT_TYPES, DATE_GRANULARITIES, NUMBER_KINDS, NUMBERS, QUALIFIERS
from tasks.units import per_unit_vocabulary, unit_vocabulary

# Beyond any amount news reports; also what rejects inf (an amount's NaN fails `value_fits_kind`).
MAX_ABS_VALUE = 1e18


def expectations() -> list:
    bounds = {"min_value": -MAX_ABS_VALUE, "max_value": MAX_ABS_VALUE}
    return schema_expectations(NUMBERS) + span_expectations() + [
        gx.expectations.ExpectColumnValuesToBeBetween(column="value", **bounds),
        gx.expectations.ExpectColumnValuesToBeBetween(column="value_low", **bounds),
        gx.expectations.ExpectColumnValuesToBeBetween(column="value_high", **bounds),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="value_high", column_B="value_low", or_equal=True, ignore_row_if="either_value_is_missing"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="kind", value_set=list(NUMBER_KINDS)),
        # One unit vocabulary (`tasks.units`): pint's names, ISO 4217 codes, time units.
        gx.expectations.ExpectColumnValuesToBeInSet(column="unit", value_set=sorted(unit_vocabulary())),
        gx.expectations.ExpectColumnValuesToBeInSet(column="per_unit", value_set=sorted(per_unit_vocabulary())),
        gx.expectations.ExpectColumnValuesToBeInSet(column="qualifier", value_set=list(QUALIFIERS)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="change", value_set=list(CHANGES)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="count_type", value_set=list(COUNT_TYPES)),
        *key_expectations("numbers"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="date_granularity", value_set=list(DATE_GRANULARITIES)),
        # An amount has a value, a date or time a calendar value written as its granularity says.
        gx.expectations.ExpectColumnValuesToBeInSet(column="value_fits_kind", value_set=[True]),
    ]
