"""Expectations on the `quarantine` table."""

import great_expectations as gx

from expectations import key_expectations, schema_expectations
from tasks.pipeline.declaration import STAGES
from tasks.schemas import QUARANTINE, QUARANTINE_REASONS, RECORD_KINDS


def expectations() -> list:
    return schema_expectations(QUARANTINE) + [
        *key_expectations("quarantine"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="stage", value_set=list(STAGES)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="record_kind", value_set=list(RECORD_KINDS)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="reason", value_set=list(QUARANTINE_REASONS)),
    ]
