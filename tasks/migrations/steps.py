"""Carrying a dataset written under an older schema to this pipeline's: the step from each major
version to the next, and `migrate`, which reads every table (`tasks.io`), runs the steps the
stored contract needs and has the tables rewritten and published at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import polars as pl

from tasks import contract, io


@dataclass(frozen=True)
class MigrationContext:
    """What a migration step may need besides the rows: the spaCy model a step that extracts again
    uses (1 -> 2), and the inputs each run was given, by run id, from its record in `_runs/`."""

    model: str
    run_inputs: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _from_unversioned(tables: dict[str, pl.DataFrame], context: MigrationContext) -> dict[str, pl.DataFrame]:
    """0 -> 1: the columns were already those of 1.0; what changes is the layout (partitions,
    sort order, column descriptions and file metadata), which the rewrite itself applies."""
    return tables


def _to_places_and_dates(tables: dict[str, pl.DataFrame], context: MigrationContext) -> dict[str, pl.DataFrame]:
    """1 -> 2: places with coordinates, dates with calendar values, events (`tasks.migrations.schema_upgrade`)."""
    from tasks.migrations.schema_upgrade import upgrade

    return upgrade(tables, context.model)


def _to_source_names(tables: dict[str, pl.DataFrame], context: MigrationContext) -> dict[str, pl.DataFrame]:
    """2 -> 3: a file that is one article (and a file quarantined whole) is named by its path within
    its input (`bbc/business/001.txt`), no longer by its file name without extension (`001`), which
    two files of one dataset could share. The name is derived from `source_path` and the inputs of
    the run that wrote the row, as a run names it (`tasks.io.source_name`); without that run's
    record, from `source_path` itself. Rows whose id is not such a file name keep theirs."""
    def renamed(rows: pl.DataFrame) -> pl.DataFrame:
        if not rows.height:
            return rows
        ids = []
        for source_id, path, run_id, index in rows.select("source_id", "source_path", "run_id",
                                                           "record_index").iter_rows():
            old = index is None and path is not None and source_id == PurePath(path).stem
            inputs = context.run_inputs.get(run_id)
            ids.append((io.source_name(path, inputs) if inputs else path) if old else source_id)
        return rows.with_columns(pl.Series("source_id", ids, dtype=pl.String))

    return tables | {"documents": renamed(tables["documents"]), "quarantine": renamed(tables["quarantine"])}


#: Schema 3's quarantine stages -> the steps that quarantine such rows now, for the rows no gate
#: quarantined (a gate's rows say `failed_expectation`).
_STAGE_OF_RECORD = {"read": "ingest_documents", "ingest": "ingest_documents", "clean": "clean_documents",
                    "extract": "extract_mentions"}
_GATE_OF_STAGE = {"read": "validate_ingested", "ingest": "validate_ingested", "clean": "validate_documents",
                  "sentences": "validate_sentences", "numbers": "validate_numbers", "events": "validate_events",
                  "quotes": "validate_quotes", "entities": "validate_entities", "write": "validate_quarantine"}


def _to_step_names(tables: dict[str, pl.DataFrame], context: MigrationContext) -> dict[str, pl.DataFrame]:
    """3 -> 4: a quarantine row's stage is the pipeline step that quarantined it (`clean` ->
    `clean_documents`; a gate's rows: `validate_<suite>`), and its id, a hash of its stage, follows.
    Of schema 3's shared names, `entities` rows without a document are the catalog gate's, and
    `write` rows naming `unaccounted` the stage counts gate's."""
    from tasks.quarantine import KEY_COLUMNS, quarantine_id

    rows = tables["quarantine"]
    if not rows.height:
        return tables
    stages, ids = [], []
    for row in rows.iter_rows(named=True):
        old = row["stage"]
        if row["reason"] != "failed_expectation":
            new = _STAGE_OF_RECORD.get(old, old)
        elif old == "entities" and row["doc_id"] is None:
            new = "validate_entity_catalog"
        elif old == "write" and "unaccounted" in (row["detail"] or ""):
            new = "validate_stage_counts"
        else:
            new = _GATE_OF_STAGE.get(old, old)
        stages.append(new)
        ids.append(quarantine_id(new, *(row[k] for k in KEY_COLUMNS)) if new != old else row["quarantine_id"])
    return tables | {"quarantine": rows.with_columns(pl.Series("stage", stages, dtype=pl.String),
                                                     pl.Series("quarantine_id", ids, dtype=pl.String))}


#: Major version N -> the step that carries the dataset's rows from N to N + 1: (rows by table,
#: context) -> rows by table (a table a step does not change passes through).
Migration = Callable[[dict[str, pl.DataFrame], MigrationContext], dict[str, pl.DataFrame]]
MIGRATIONS: dict[int, Migration] = {0: _from_unversioned, 1: _to_places_and_dates, 2: _to_source_names,
                                    3: _to_step_names}


def migrations_from(stored: dict | None) -> list[Migration]:
    """The steps from `stored`'s major version to this pipeline's, in order."""
    major, new_major = contract.version(stored)[0], contract.version(contract.current())[0]
    missing = [m for m in range(major, new_major) if m not in MIGRATIONS]
    if missing:
        raise ValueError(f"no migration from schema major version {missing[0]}")
    return [MIGRATIONS[m] for m in range(major, new_major)]


def migrate(output_dir: Path, operation: str = "migrate", model: str | None = None) -> dict[str, int]:
    """Every file of every table rewritten to this pipeline's contract: the current partitioning,
    metadata and columns (`MIGRATIONS` carries a major version's rows to the next; a column added
    since is null), published all at once, then the new contract stored. Only call while holding
    the output lock. `model` is the spaCy pipeline a step that extracts again uses (1 -> 2).
    Returns table -> rows rewritten (empty when nothing to do)."""
    from tasks.defaults import DEFAULT_MODEL

    stored = io.read_contract(output_dir)
    if not contract.needs_migration(stored, contract.current()):
        return {}
    steps = migrations_from(stored)
    files, rows = io.read_every_table(output_dir)
    context = MigrationContext(model or DEFAULT_MODEL, io.run_inputs(output_dir, rows) if steps else {})
    for step in steps:
        rows = step(rows, context)
    entity_dates = None
    if steps and io.state_files(output_dir, "entity_dates"):
        # The timeline's counts, by entity: a step that gives mentions other ids counts them again.
        from tasks.report import entity_dates as count_entity_dates

        entity_dates = count_entity_dates(rows["entities"], rows["documents"], rows["sentences"])
    return io.rewrite_every_table(output_dir, files, rows, operation, entity_dates)
