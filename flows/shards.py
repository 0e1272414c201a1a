"""Extraction in shards as a run does it: `tasks.nlp.extraction.extract_shard` as the Prefect task
`extract_shard`, run by the process that runs the batch (see `flows.batches`), or by the run's
extraction processes when it has them (`extraction_processes`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.progress import emit
from tasks.entities.gazetteer import place_index
from tasks.nlp import extraction
from tasks.nlp.model import load_model


def load_resources(model: str) -> None:
    """Load what extraction reads (the model, the gazetteer) in this process, once."""
    load_model(model)
    place_index()


# A shard's frames are in memory: hashing them for a cache key costs time and buys nothing.
extract_shard = task(extraction.extract_shard, name="extract_shard", cache_policy=NO_CACHE)


def extract_shards(shards: list[tuple[list[str], list[str]]], model: str) -> list[extraction.ShardOutcome]:
    """Every shard through the `extract_shard` task, outcomes in shard order: spread over this
    run's extraction processes when it has them (`extraction_processes`) and there is more than one
    shard, else in this process. A failing shard is reported, not raised, so the others still write."""
    emit("extract", shards=len(shards), documents=sum(len(ids) for ids, _ in shards))
    pool = _POOLS[-1].runner() if _POOLS and len(shards) > 1 else None
    if pool is None:
        pending = [(ids, lambda ids=ids, texts=texts: extract_shard(ids, texts, model)) for ids, texts in shards]
    else:
        futures = [pool.submit(extract_shard, {"doc_ids": ids, "texts": texts, "model": model}) for ids, texts in shards]
        pending = [(ids, future.result) for (ids, _), future in zip(shards, futures, strict=True)]
    outcomes: list[extraction.ShardOutcome] = []
    for ids, outcome in pending:
        outcomes.append(extraction.shard_outcome(outcome))
        emit("shard", documents=len(ids), failed=outcomes[-1] if isinstance(outcomes[-1], str) else None)
    return outcomes


class ExtractionPool:
    """Processes that extract a batch's shards at once, each with the model loaded: Prefect's
    process pool task runner (shard tasks show in the UI as ever), started the first time a batch
    has more than one shard, so a run of a few articles never pays for them."""

    def __init__(self, processes: int, model: str):
        self.processes, self.model = processes, model
        self._runner, self._scope = None, contextlib.ExitStack()

    def runner(self):
        if self._runner is None:
            from prefect.client.orchestration import get_client
            from prefect.settings import PREFECT_API_URL, temporary_settings
            from prefect.task_runners import ProcessPoolTaskRunner

            # The workers report to this run's API, even the temporary server Prefect starts for a
            # process without one (see `flows.batches.open_batch_runner`).
            if not PREFECT_API_URL.value():
                api_url = str(get_client(sync_client=True).api_url)
                self._scope.enter_context(temporary_settings(updates={PREFECT_API_URL: api_url}))
            self._runner = self._scope.enter_context(ProcessPoolTaskRunner(
                max_workers=self.processes, initializer=load_resources, initargs=(self.model,)))
        return self._runner

    def warm(self, shards: int) -> None:
        """The processes `shards` shards will keep busy started now, each loading the model, when
        there is more than one shard (else the run extracts in its own process)."""
        if shards < 2:
            return
        # ProcessPoolExecutor starts a process per task submitted while none is idle, up to its
        # maximum: a trivial call each starts them (Prefect's runner keeps its executor private).
        executor = getattr(self.runner(), "_executor", None)
        for _ in range(min(shards, self.processes) if executor is not None else 0):
            executor.submit(int)

    def close(self) -> None:
        self._scope.close()
        self._runner = None


_POOLS: list[ExtractionPool] = []


@contextlib.contextmanager
def extraction_processes(processes: int, model: str) -> Iterator[ExtractionPool | None]:
    """While the block runs, batches this process runs extract their shards `processes` at a time
    in worker processes (1 or less: in this process, and the block gets None)."""
    if processes <= 1:
        yield None
        return
    pool = ExtractionPool(processes, model)
    _POOLS.append(pool)
    try:
        yield pool
    finally:
        _POOLS.remove(pool)
        pool.close()


def default_processes() -> int:
    """Extraction processes when none are configured: one per CPU core this process may use, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 4))
