"""Schema 3 -> 4: a quarantine row's stage becomes the step that quarantined it, and its id follows."""

import polars as pl

from tasks.migrations.steps import MIGRATIONS, MigrationContext
from tasks.pipeline.declaration import STAGES
from tasks.quarantine import quarantine_frame, quarantine_row, with_stage


def test_schema_3_stages_become_the_steps_with_the_ids_a_run_now_gives():
    rows = [  # (schema 3's stage, reason, doc_id, detail) -> the step a run now names
        (("ingest", "empty_file", None, "0 bytes"), "ingest_documents"),
        (("ingest", "failed_expectation", None, "body: too short"), "validate_ingested"),
        (("clean", "duplicate_document", "d1", "same text as d0"), "clean_documents"),
        (("clean", "failed_expectation", "d2", "text: empty"), "validate_documents"),
        (("extract", "extraction_error", "d3", "ValueError"), "extract_mentions"),
        (("entities", "failed_expectation", "d4", "label: not in set"), "validate_entities"),
        (("entities", "failed_expectation", None, "alias_check"), "validate_entity_catalog"),
        (("numbers", "failed_expectation", "d5", "unit"), "validate_numbers"),
        (("write", "failed_expectation", None, "unaccounted: between 0 and 0"), "validate_stage_counts"),
        (("write", "failed_expectation", None, "reason: in set"), "validate_quarantine"),
    ]
    old = pl.concat([with_stage(quarantine_frame([quarantine_row(record_kind="record", reason=reason, detail=detail,
                                                                 doc_id=doc_id)]), stage)
                     for (stage, reason, doc_id, detail), _ in rows])
    migrated = MIGRATIONS[3]({"quarantine": old}, MigrationContext(model=""))["quarantine"]
    expected = pl.concat([with_stage(old[i:i + 1], step) for i, (_, step) in enumerate(rows)])
    assert migrated["stage"].to_list() == [step for _, step in rows]
    assert set(migrated["stage"]) <= set(STAGES)
    assert migrated["quarantine_id"].to_list() == expected["quarantine_id"].to_list()
    assert not set(migrated["quarantine_id"]) & set(old["quarantine_id"])
