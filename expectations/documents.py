"""Expectations on the clean `documents` table."""

import great_expectations as gx

from expectations import key_expectations, schema_expectations
from expectations.ingested import DATE_RANGE, DOC_ID_PATTERN, article_expectations
from tasks.schemas import DOCUMENTS


def expectations() -> list:
    return schema_expectations(DOCUMENTS) + [
        *key_expectations("documents"),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="doc_id", regex=DOC_ID_PATTERN),
        gx.expectations.ExpectColumnValuesToBeUnique(column="text_hash"),
        gx.expectations.ExpectColumnValueLengthsToBeBetween(column="text", min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(column="char_count", min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(column="published_date", **DATE_RANGE),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="language", regex=r"^[a-z]{2,3}$"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="language_score", min_value=0, max_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(column="near_duplicate_similarity", min_value=0, max_value=1),
    ] + article_expectations()
