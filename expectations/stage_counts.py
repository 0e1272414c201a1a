"""Expectations on a run's accounting: every file, record and document that came in went somewhere."""

import great_expectations as gx

from expectations import schema_expectations
from tasks.schemas import STAGE_COUNTS


def expectations() -> list:
    return schema_expectations(STAGE_COUNTS) + [
        gx.expectations.ExpectColumnValuesToBeUnique(column="stage"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="in", min_value=0),
        # in = out + quarantined + skipped, for each stage and for the run as a whole.
        gx.expectations.ExpectColumnValuesToBeBetween(column="unaccounted", min_value=0, max_value=0),
    ]
