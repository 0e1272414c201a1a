"""A batch's commit, in one place: the process that ran the batch stages its documents and numbers
(`stage_batch_files`), the flow adds the other tables and the run state and publishes them all at
once (`commit`), or discards what was staged."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import polars as pl

from flows.run_state import RunState
from flows.steps import io_task
from tasks import io
from tasks.config import RunConfig
from tasks.io import state as stored
from tasks.pipeline.runner import BatchOutcome, StageCount, peak_rss_mib
from tasks.schemas import PARTITIONED_TABLES, REBUILT_TABLES, TABLES, with_published_month


@io_task(name="commit_batch")
def commit_batch(output_dir: Path, name: str, run_id: str, tables: dict[str, pl.DataFrame],
                 state: dict[tuple[str, str | None], pl.DataFrame], record: dict,
                 staged: dict[str, tuple[int, int]] | None = None) -> dict:
    """A batch's table rows, state rows and commit record (with its running totals), staged
    beside what the batch's process `staged` (table -> rows staged, written), then published at
    once: a run that dies leaves all of the batch or none of it. Returns the commit record."""
    staging = io.staging_dir(output_dir, name)
    if not staged:
        io.discard_staged(staging)  # a retry starts over; a failed batch's staged tables go
    # (A retry after the batch's process staged rewrites the same files under the same names.)
    try:
        written = {table: rows for table, (_, rows) in (staged or {}).items()}
        for table, rows in tables.items():
            if table in REBUILT_TABLES:
                written[table] = io.replace_table(output_dir, table, rows, staging, run_id=run_id)[1]
            else:
                written[table] = io.write_table(output_dir, table, rows, staging, run_id=run_id,
                                                new_documents=table in PARTITIONED_TABLES)[1]
        for (state_table, folder), rows in state.items():
            io.write_state(staging, state_table, rows, folder)
        before = record.get("rows_total") or {}
        # A rebuilt table (the catalog) holds what was last written; the others add up.
        total = {t: (written[t] if t in REBUILT_TABLES and t in written else before.get(t, 0) + written.get(t, 0))
                 for t in TABLES}
        record = record | {"rows_staged": {t: rows.height for t, rows in tables.items()}
                           | {t: rows for t, (rows, _) in (staged or {}).items()}, "rows_written": written,
                           "rows_total": total}
        io.write_json(io.commit_record_path(staging, record["sequence"]), record)
        # Stored before any file is published: a run that dies mid-publish leaves tables whose
        # contract is known, and `check_contract` has already found the dataset compatible with it.
        io.write_contract(output_dir)
    except BaseException:
        if not staged:  # what the batch's process staged stays for a retry (the next run clears it)
            io.discard_staged(staging)  # frees what a full disk needs back; nothing was published
        raise
    io.publish_staged(output_dir, staging)
    io.crash_point("commit")
    return record


def commit(config: RunConfig, run_id: str, state: RunState, batch: io.Batch, outcome: BatchOutcome) -> dict:
    """The batch committed (its quarantine only, when it failed a gate), the run state extended, and
    the commit counted as the batch's last step. Returns the commit record."""
    clock = time.perf_counter()
    record = _commit(config, run_id, state, batch, outcome)
    staged, written = sum(record["rows_staged"].values()), sum(record["rows_written"].values())
    # Rows staged but not written: quarantine rows an earlier run already holds.
    outcome.counts.append(StageCount("commit_batch", staged, written, skipped=staged - written, unit="rows",
                                     seconds=time.perf_counter() - clock, peak_rss_mib=peak_rss_mib()))
    return record


def _commit(config: RunConfig, run_id: str, state: RunState, batch: io.Batch, outcome: BatchOutcome) -> dict:
    """The batch committed (its quarantine only, when it failed a gate), and the run state extended."""
    from tasks.report import batch_aggregates, entity_dates, merge_aggregates

    values = outcome.values
    tables: dict[str, pl.DataFrame] = {"quarantine": outcome.quarantine}
    state_rows: dict[tuple[str, str | None], pl.DataFrame] = {}
    aggregates = (state.last or {}).get("aggregates")
    if outcome.passed:
        # The batch's process staged documents, numbers, signatures and buckets (`stage_batch_files`).
        documents = values["documents"].with_columns(run_id=pl.lit(run_id))
        tables["entities"] = with_published_month(values["entities"], documents)
        tables["events"] = with_published_month(values["events"], documents)
        tables["sentences"] = with_published_month(values["sentences"], documents)
        tables["quotes"] = with_published_month(values["quotes"], documents)
        if values["entities"].height or not state.catalog_written:
            tables["entity_catalog"] = values["entity_catalog"]
        unreadable = {io.ledger_key(entry) for entry in values["read_errors"] if not isinstance(entry, io.InputFile)}
        state_rows = {
            ("entity_dates", None): entity_dates(values["entities"], documents, values["sentences"]),
            # Files that could not be read are tried again next time (a permission fixed, a limit raised).
            ("inputs", None): stored.ledger_rows({k: v for k, v in batch.fingerprints.items() if k not in unreadable},
                                                 run_id),
        }
        aggregates = merge_aggregates(aggregates, batch_aggregates(documents, values["numbers"], values["events"],
                                                                   values.get("entities"), values.get("quotes")))
    state.sequence += 1
    record = {"sequence": state.sequence, "run_id": run_id, "batch": batch.number,
              "status": "written" if outcome.passed else "failed",
              "committed_at": dt.datetime.now(dt.UTC).isoformat(), "files": len(batch.entries),
              "records": outcome.overall.rows_in, "rows_total": (state.last or {}).get("rows_total"),
              "aggregates": aggregates}
    output, name = io.output_root(config.output_dir), batch_staging_name(run_id, batch.number)
    try:
        staged = outcome.staged if outcome.passed else {}
        record = commit_batch(output, name, run_id, tables, state_rows, record, staged)
    except BaseException:
        # Its retries kept what the batch's process staged; given up, it goes (unless publishing
        # began: the next run finishes that).
        staging = io.staging_dir(output, name)
        if not (staging / io.COMMIT_MARKER).exists():
            io.discard_staged(staging)
        raise
    state.last = record
    if outcome.passed:
        state.catalog = values["entity_catalog"]
        state.catalog_written = state.catalog_written or "entity_catalog" in tables
    return record


def batch_staging_name(run_id: str, number: int) -> str:
    """The staging folder of a run's batch (see `tasks.io.staging_dir`)."""
    return f"{run_id}-b{number:05d}"


def stage_batch_files(output_dir: Path, run_id: str, outcome: BatchOutcome, bucket_folder: str
                      ) -> dict[str, tuple[int, int]]:
    """The batch's `documents` and `numbers` files, and its documents' signatures and buckets,
    written by the process that ran it to the batch's staging folder, where the flow's commit adds
    the rest and publishes them all (or discards them: a later gate failed). Final once the
    `numbers` gate passed: linking changes neither. Returns table -> (rows staged, rows written)."""
    staging = io.staging_dir(output_dir, batch_staging_name(run_id, outcome.number))
    io.discard_staged(staging)  # a batch processed again starts over
    if not outcome.passed:
        return {}
    values = outcome.values
    documents = values["documents"].with_columns(run_id=pl.lit(run_id))
    written = documents["doc_id"].implode()
    staged = {}
    try:
        for table, rows in (("documents", documents), ("numbers", values["numbers"])):
            rows = with_published_month(rows, documents)
            staged[table] = (rows.height, io.write_table(output_dir, table, rows, staging, run_id=run_id,
                                                         new_documents=True)[1])
        io.write_state(staging, "signatures", values["signatures"].filter(pl.col("doc_id").is_in(written)))
        io.write_state(staging, "stories", values["stories"].filter(pl.col("doc_id").is_in(written)))
        io.write_state(staging, "lsh_buckets", values["lsh_buckets"].filter(pl.col("doc_id").is_in(written)),
                       bucket_folder)
    except BaseException:
        io.discard_staged(staging)  # frees what a full disk needs back
        raise
    return staged
