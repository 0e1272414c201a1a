"""Expectations on what ingestion hands to cleaning."""

import datetime as dt

import great_expectations as gx

from expectations import schema_expectations
from tasks.schemas import INGESTED, SOURCE_FORMATS

DOC_ID_PATTERN = r"^[0-9a-f]{16}$"
# Valid publication dates; a date column reaches GE as pandas datetimes, so the bounds are datetimes.
DATE_RANGE = {"min_value": dt.datetime(1900, 1, 1), "max_value": dt.datetime(2100, 12, 31)}


def expectations() -> list:
    return schema_expectations(INGESTED) + [
        gx.expectations.ExpectColumnValuesToMatchRegex(column="doc_id", regex=DOC_ID_PATTERN),
        gx.expectations.ExpectColumnValueLengthsToBeBetween(column="body", min_value=1),
        gx.expectations.ExpectColumnValuesToBeBetween(column="published_date", **DATE_RANGE),
    ] + article_expectations()


def article_expectations() -> list:
    """What ingestion and documents both check of where an article came from."""
    return [
        gx.expectations.ExpectColumnValuesToBeInSet(column="source_format", value_set=list(SOURCE_FORMATS)),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="declared_language", regex=r"^[a-z]{2,3}$"),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="domain", regex=r"^[a-z0-9_.-]+$"),
    ]
