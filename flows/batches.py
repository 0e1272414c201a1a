"""A batch's per-document chain as one task, `process_batch`, run wherever the run's batch runner
puts it: in the flow's process, in local worker processes (`--workers N`) or on a Dask cluster
(`--dask-address`). Its stage tasks show under it in the Prefect UI.

The task reads the run state it needs from the output directory itself (the documents' keys, the
near-duplicate store), as the batches committed so far left it, and records every key it looked
up. The flow commits batches in input order; before committing one it checks that no batch
committed after the task read the state wrote one of those keys (`conflict`). If one did, the
batch is processed again on the state it must see, so its rows are exactly those a single
process would write, however many workers run and however their batches interleave.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.commits import stage_batch_files
from flows.progress import emit
from flows.run_state import RunState
from flows.shards import extract_shards
from flows.steps import task_runner
from tasks import io
from tasks.config import RunConfig
from tasks.io import state as stored
from tasks.pipeline.declaration import BATCH_STEPS
from tasks.pipeline.known import KnownDocuments
from tasks.pipeline.runner import BatchOutcome
from tasks.pipeline.stages import Extraction

#: Run values a batch reads but does not return: they belong to the process that ran it.
LOCAL_VALUES = ("known", "near_duplicate_store", "extracted", "shard_extractor")


class RecordedLookup:
    """A lookup (a mapping or a set) that remembers the keys it was asked for."""

    def __init__(self, lookup):
        self.lookup, self.asked = lookup, set()

    def get(self, key, default=None):
        self.asked.add(key)
        return self.lookup.get(key, default)

    def __contains__(self, key) -> bool:
        self.asked.add(key)
        return key in self.lookup


@dataclass
class RecordedKnownDocuments:
    """KnownDocuments whose text-hash and publisher-id lookups are recorded. Document ids are not:
    they hold earlier runs' documents only, which no batch of this run changes."""

    doc_ids: Any
    text_hashes: RecordedLookup
    publisher_ids: RecordedLookup


class RecordedStore:
    """A near-duplicate store that remembers the buckets looked up."""

    def __init__(self, store: io.NearDuplicateStore):
        self.store, self.buckets = store, set()
        self.folder, self.banding = store.folder, store.banding

    def lookup(self, buckets):
        self.buckets.update(buckets)
        return self.store.lookup(buckets)


# --- what a process keeps between the batches it runs ----------------------------------------

_LOCK = threading.Lock()
#: (output directory, run id) -> (the documents' keys read so far, the files they came from)
_KNOWN: dict[tuple[str, str], tuple[KnownDocuments, set[str]]] = {}
_VALIDATORS: list = []


def known_documents(output_dir: Path, run_id: str) -> KnownDocuments:
    """The keys of every document written to `output_dir`, kept by this process and extended by
    the files published since it last looked (data files are never rewritten under their name;
    when one is gone, compacted away, the keys are read again). Documents of `run_id` are not
    known as written by an earlier run, only by their texts and publisher ids."""
    files = {str(path) for path in io.table_files(output_dir, "documents")}
    key = (str(output_dir), run_id)
    held = _KNOWN.get(key)
    if held is None or not held[1] <= files:
        _KNOWN.clear()  # one dataset at a time: a long-lived Dask worker must not keep every one
        held = _KNOWN[key] = (KnownDocuments(), set())
    new = sorted(files - held[1])
    if new:
        keys = stored.read_document_keys(new)
        earlier = pl.col("run_id").is_null() | (pl.col("run_id") != run_id)
        held[0].add(keys.filter(earlier), earlier_run=True)
        held[0].add(keys.filter(~earlier), earlier_run=False)
        held[1].update(new)
    return held[0]


def _validator():
    """This process's Great Expectations context, made once (results are dropped per batch): the
    flow's own when batches run in the flow's process (`share_validator`)."""
    from tasks.validation import Validator

    if not _VALIDATORS:
        _VALIDATORS.append(Validator())
    return _VALIDATORS[0]


@contextlib.contextmanager
def share_validator(validator) -> Iterator[None]:
    """Batches this process runs while the block runs validate with the flow's `validator`: one
    Great Expectations context and one registration of each suite, and the batch's results already
    where the flow's Data Docs read them."""
    saved = list(_VALIDATORS)
    _VALIDATORS[:] = [validator]
    validator.shared = True
    try:
        yield
    finally:
        validator.shared = False
        _VALIDATORS[:] = saved


def run_batch_steps(number: int, entries: list, config: RunConfig, run_id: str,
                    extracted: Extraction | None = None) -> BatchOutcome:
    """One batch's read, ingest, clean, language, near-duplicate, extraction and their gates, on
    the run state as the batches committed so far left it (reusing `extracted`, mentions an
    earlier pass over the batch extracted). Returns the outcome with its frames, counts and gate
    results, and `reads`: the state keys it looked up."""
    from tasks.documents.near_duplicates import banding_name

    output = io.output_root(config.output_dir)
    with _LOCK:  # a process runs one batch at a time: one spaCy pipeline, one GE context
        known = known_documents(output, run_id)
        recorded = RecordedKnownDocuments(known.doc_ids, RecordedLookup(known.text_hashes),
                                          RecordedLookup(known.publisher_ids))
        store = RecordedStore(io.NearDuplicateStore(output, banding_name(config.near_duplicate_threshold)))
        validator = _validator()
        runner = task_runner(config, validator, run_id, logger=get_run_logger())
        outcome = runner.start_batch(number, {"entries": entries, "known": recorded, "near_duplicate_store": store,
                                              "extracted": extracted, "shard_extractor": extract_shards})
        runner.run_steps(outcome, BATCH_STEPS)
        io.crash_point("process-batch")
        outcome.staged = stage_batch_files(output, run_id, outcome, store.folder)
        for name in LOCAL_VALUES:
            outcome.values.pop(name, None)
        # None: the results are in the validator the flow's runner goes on with (a shared one).
        outcome.validation_results = None if validator.shared else validator.results()
        outcome.reads = {"text_hashes": recorded.text_hashes.asked, "publisher_ids": recorded.publisher_ids.asked,
                         "buckets": store.buckets}
        return outcome






# The task wraps a function this module names, so that cloudpickle sends workers a reference to
# it rather than its code and globals (the lock above cannot be pickled).
process_batch = task(run_batch_steps, name="process_batch", cache_policy=NO_CACHE,
                     task_run_name="process_batch-{number}")


# --- the flow's side ---------------------------------------------------------------------------

def written_keys(outcome: BatchOutcome) -> dict[str, set]:
    """The state keys a committed batch wrote: what a batch processed before it was committed may
    have looked up and found missing."""
    documents = outcome.values.get("documents")
    if not outcome.passed or documents is None:
        return {}
    published = documents.filter(pl.col("record_index").is_not_null())
    buckets = outcome.values["lsh_buckets"].filter(pl.col("doc_id").is_in(documents["doc_id"].implode()))
    return {"text_hashes": set(documents["text_hash"].to_list()),
            "publisher_ids": {(source or "", source_id)
                              for source, source_id in published.select("source", "source_id").iter_rows()},
            "buckets": set(buckets["bucket"].to_list())}


def conflict(reads: dict[str, set], written_since: list[dict[str, set]]) -> str | None:
    """Which kind of key a batch looked up that a batch committed since it read the state wrote
    (so its outcome may differ from the one a single process gives), or None."""
    for written in written_since:
        for kind, keys in written.items():
            if keys & reads.get(kind, set()):
                return kind
    return None


@contextlib.contextmanager
def open_batch_runner(workers: int, dask_address: str | None, model: str) -> Iterator[tuple[Any, int]]:
    """(the task runner batches are submitted to, entered, and how many run at once), or
    (None, 1) when the flow's process runs them itself.

    Local worker processes report to this flow's Prefect API even when it is the temporary server
    Prefect starts without PREFECT_API_URL: left to themselves, they each started a temporary
    server of their own and recorded their task runs there, out of the flow run's sight."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        with DaskTaskRunner(address=dask_address) as runner:
            yield runner, max(workers, len(runner.client.scheduler_info().get("workers", {})), 1)
        return
    if workers <= 1:
        yield None, 1
        return
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.task_runners import ProcessPoolTaskRunner

    from flows.shards import load_resources

    with contextlib.ExitStack() as stack:
        if not PREFECT_API_URL.value():
            api_url = str(get_client(sync_client=True).api_url)
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
        yield stack.enter_context(ProcessPoolTaskRunner(max_workers=workers, initializer=load_resources,
                                                        initargs=(model,))), workers


class ProcessedBatches:
    """Batches processed `window` at a time (by `batch_runner`, or by this process when it is None)
    and handed back in input order, each checked against the batches committed after it read the
    run state: one that looked up a key such a batch wrote is processed again (see
    `flows.batches`). Failed batches come back as the reason they failed."""

    def __init__(self, config: RunConfig, run_id: str, state: RunState, batch_runner, window: int, logger):
        self.config, self.run_id, self.state = config, run_id, state
        self.batch_runner, self.window, self.logger = batch_runner, window, logger
        self.history: list[tuple[int, dict]] = []  # (sequence, keys written) of this run's commits
        self.reprocessed = 0

    def run(self, batches):
        pending: collections.deque = collections.deque()
        for batch in batches:
            pending.append(self._submit(batch))
            if len(pending) >= self.window:
                yield self._resolve(*pending.popleft())
        while pending:
            yield self._resolve(*pending.popleft())

    def committed(self, sequence: int, outcome: BatchOutcome) -> None:
        if self.window > 1:  # one batch at a time never reads the state before the last commit
            self.history.append((sequence, written_keys(outcome)))

    def _submit(self, batch: io.Batch, extracted=None):
        if self.batch_runner is None:
            return batch, None, None  # processed here when its turn comes
        future = self.batch_runner.submit(process_batch, {"number": batch.number, "entries": batch.entries,
                                                          "config": self.config, "run_id": self.run_id,
                                                          "extracted": extracted})
        return batch, self.state.sequence, future

    def _resolve(self, batch: io.Batch, snapshot: int | None, future):
        if future is None:
            return batch, process_batch(batch.number, batch.entries, self.config, self.run_id)
        outcome = self._wait(future)
        if isinstance(outcome, str):
            return batch, outcome
        kind = conflict(outcome.reads, [keys for sequence, keys in self.history if sequence > snapshot])
        self.history = [(sequence, keys) for sequence, keys in self.history if sequence > snapshot]
        if kind is not None:
            self.logger.info("batch %d looked up %s that a batch committed after it started wrote: "
                             "processing it again on the state it must see", batch.number, kind.replace("_", " "))
            self.reprocessed += 1
            # Only the steps that read the state cost again: the mentions extracted are reused.
            _, _, future = self._submit(batch, outcome.values.get("extraction"))
            outcome = self._wait(future)
        return batch, outcome

    @staticmethod
    def _wait(future) -> BatchOutcome | str:
        future.wait()
        if future.state.is_completed():
            return future.result()
        return str(future.state.message or "the batch failed on its worker")[:1000]


def announce(outcome: BatchOutcome) -> None:
    """Progress and quarantined records of a batch another process ran, for this process's listeners."""
    extracted = next((c for c in outcome.counts if c.stage == "extract_mentions"), None)
    if extracted is not None:
        emit("extract", shards=1, documents=extracted.rows_in)
        emit("shard", documents=extracted.rows_in, failed=None)
    for rows in outcome.held:
        if rows.height:
            for stage, part in rows.partition_by("stage", as_dict=True, maintain_order=True).items():
                emit("quarantined", stage=stage[0],
                     reasons=dict(part.group_by("reason").len().sort("reason").iter_rows()))
