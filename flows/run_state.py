"""What a run reads of the dataset before its first batch, and builds once for a dataset written before
run state existed: the entity catalog, the near-duplicate store, the last commit. (The documents'
keys are read by the process that runs each batch, see `flows.batches`.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.steps import io_task
from tasks import io
from tasks.io import state as stored


@dataclass
class RunState:
    """What the flow reads of earlier batches, loaded before the first batch and extended by each
    commit: the entity catalog, the near-duplicate store, the last commit. (The documents' keys
    are read by the process that runs each batch, see `flows.batches`.)"""

    catalog: pl.DataFrame
    store: io.NearDuplicateStore
    last: dict | None
    catalog_written: bool
    sequence: int = 0


@io_task(name="read_run_state")
def read_run_state(output_dir: Path, threshold: float) -> RunState:
    """The entity catalog (recounted once if written before it stored its aggregates), the
    near-duplicate store and the last commit record."""
    from tasks.documents.near_duplicates import banding_name
    from tasks.entities.canonical import recount_catalog

    catalog, mentions, dates = stored.read_entity_catalog(output_dir)
    if mentions is not None:
        catalog = recount_catalog(catalog, mentions, dates)
    last = io.last_commit(output_dir)
    return RunState(catalog, io.NearDuplicateStore(output_dir, banding_name(threshold)), last,
                    io.table_exists(output_dir, "entity_catalog"), sequence=(last or {}).get("sequence", 0))


def needs_state_built(output_dir: Path, state: RunState) -> bool:
    """Whether the dataset has documents but no run state (written before it existed), or
    signatures but no buckets for this threshold's banding."""
    if state.last is None:
        return io.table_exists(output_dir, "documents")
    return not state.store.has_buckets() and bool(io.state_files(output_dir, "signatures"))


@io_task(name="build_run_state")
def build_run_state(output_dir: Path, store: io.NearDuplicateStore, threshold: float, last: dict | None) -> dict:
    """State built once from the tables and committed on its own, for a dataset written before
    run state existed (signatures and buckets, mentions per entity and date, totals, the report's
    aggregates), or buckets for a new threshold's banding from the stored signatures. Returns
    its commit record."""
    from tasks.documents.near_duplicates import buckets_frame, signatures_frame
    from tasks.report import batch_aggregates, entity_dates

    name = f"state-{store.banding}"
    staging = io.staging_dir(output_dir, name)
    io.discard_staged(staging)
    signatures = store.all_signatures() if last is not None else signatures_frame(
        stored.read_documents_for_signatures(output_dir))
    if last is None:
        io.write_state(staging, "signatures", signatures)
        documents = io.read_table(output_dir, "documents", ["doc_id", "published_date", "text"])
        mentions = io.read_table(output_dir, "entities", ["doc_id", "entity_id", "sentence_index"])
        sentences = io.read_table(output_dir, "sentences", ["doc_id", "sentence_index", "tone"])
        io.write_state(staging, "entity_dates", entity_dates(mentions, documents, sentences))
        last = {"sequence": 0, "rows_total": stored.rows_total(output_dir),
                "aggregates": batch_aggregates(documents, io.read_table(output_dir, "numbers"),
                                               io.read_table(output_dir, "events"))}
    io.write_state(staging, "lsh_buckets", buckets_frame(signatures, threshold), store.folder)
    record = last | {"sequence": last["sequence"] + 1, "run_id": name, "batch": 0, "status": "state built",
                     "committed_at": dt.datetime.now(dt.UTC).isoformat(), "rows_written": {}}
    io.write_json(io.commit_record_path(staging, record["sequence"]), record)
    io.publish_staged(output_dir, staging)
    return record


@io_task(name="clear_dataset")
def clear_dataset(output_dir: Path) -> list[str]:
    """Every table and all run state removed (the per-run records in `_runs/` stay), for a full refresh."""
    return io.clear_dataset(output_dir)
