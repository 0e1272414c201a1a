"""Expectations on the `entity_catalog` table."""

import great_expectations as gx

from expectations import key_expectations, place_expectations, schema_expectations
from tasks.schemas import ENTITY_CATALOG, ENTITY_LABELS
from tasks.validation import MENTION_TOTAL


def expectations() -> list:
    total = {"$PARAMETER": MENTION_TOTAL}
    return schema_expectations(ENTITY_CATALOG) + place_expectations() + [
        *key_expectations("entity_catalog"),
        gx.expectations.ExpectColumnValuesToBeUnique(column="entity_key"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="label", value_set=list(ENTITY_LABELS)),
        gx.expectations.ExpectColumnValuesToBeBetween(column="mention_count", min_value=1),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="mention_count", column_B="document_count", or_equal=True),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="last_seen", column_B="first_seen", or_equal=True, ignore_row_if="either_value_is_missing"),
        # Every mention is counted by exactly one catalog row.
        gx.expectations.ExpectColumnSumToBeBetween(column="mention_count", min_value=total, max_value=total),
        # No alias names two entities of one label.
        gx.expectations.ExpectColumnValuesToBeInSet(column="alias_shared", value_set=[False]),
    ]
