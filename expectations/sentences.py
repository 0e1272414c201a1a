"""Expectations on the `sentences` table."""

import great_expectations as gx

from expectations import key_expectations, schema_expectations
from tasks.schemas import SENTENCES


def tone_expectations() -> list:
    """Tone columns (`tasks.schemas.tone_columns`): shares are percentages, the sentiment in [-1, 1]."""
    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column="word_count", min_value=0),
        gx.expectations.ExpectColumnValuesToBeBetween(column="positive", min_value=0, max_value=100),
        gx.expectations.ExpectColumnValuesToBeBetween(column="negative", min_value=0, max_value=100),
        gx.expectations.ExpectColumnValuesToBeBetween(column="tone", min_value=-100, max_value=100),
        gx.expectations.ExpectColumnValuesToBeBetween(column="polarity", min_value=0, max_value=100),
        gx.expectations.ExpectColumnValuesToBeBetween(column="sentiment", min_value=-1, max_value=1),
    ]


def expectations() -> list:
    return schema_expectations(SENTENCES) + tone_expectations() + [
        gx.expectations.ExpectColumnValuesToBeBetween(column="start_char", min_value=0),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_char", column_B="start_char",
                                                                or_equal=True),
        gx.expectations.ExpectColumnValuesToBeBetween(column="sentence_index", min_value=0),
        *key_expectations("sentences"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="word_count"),
    ]
