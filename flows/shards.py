"""Extraction in shards: NER, entity and number mentions for a slice of documents, as Prefect tasks
run by the process that runs the batch (see `flows.batches`), or by the run's extraction
processes when it has them (`extraction_processes`)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from spacy.tokens import Doc

from flows.progress import emit
from tasks.entities import mentions as entity_mentions
from tasks.entities.gazetteer import place_index
from tasks.nlp.extraction import annotate, numbers_of
from tasks.nlp.extraction import extract_sentences as sentence_rows
from tasks.nlp.model import load_model
from tasks.schemas import ENTITIES, NUMBERS, SENTENCES, frame

# Stage outputs are in-memory frames and spaCy docs: hashing them for a cache key costs time and
# buys nothing, so no task caches.
stage_task = task(cache_policy=NO_CACHE)
FAILURES = {"doc_id": pl.String, "detail": pl.String}

# The shard's entity mentions, number mentions, sentences and failures, or why it failed.
ShardOutcome = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame] | str


def load_resources(model: str) -> None:
    """Load what extraction reads (the model, the gazetteer) in this process, once."""
    load_model(model)
    place_index()


@stage_task(name="annotate-text")
def annotate_text(texts: list[str], model: str) -> list[Doc]:
    """spaCy docs with entities and sentences, running only NER and the sentence splitter."""
    return annotate(load_model(model), texts)


@stage_task(name="extract-entities")
def extract_entities(doc_ids: list[str], docs: list[Doc]) -> pl.DataFrame:
    """Entity mentions of one shard, before linking."""
    return entity_mentions.extract_entities(doc_ids, docs)


@stage_task(name="extract-numbers")
def extract_numbers(doc_ids: list[str], texts: list[str], docs: list[Doc], model: str) -> pl.DataFrame:
    """Number mentions; the parser runs only on a few words around each amount."""
    return numbers_of(load_model(model), doc_ids, texts, docs)


@stage_task(name="extract-sentences")
def extract_sentences(doc_ids: list[str], texts: list[str], docs: list[Doc]) -> pl.DataFrame:
    """Where the sentences are: the ones `sentence_index` counts."""
    return sentence_rows(doc_ids, texts, docs)


@stage_task(name="extract-shard")
def extract_shard(doc_ids: list[str], texts: list[str], model: str
                  ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(entity mentions, number mentions, sentences, documents that failed with why) of one
    shard: NER, then the extractions, in whichever process runs the shard (the model stays loaded
    in the process between shards).
    When the shard fails, each document is retried alone, so one bad document costs only itself."""
    try:
        entities, numbers, sentences = _extract(doc_ids, texts, model)
        return entities, numbers, sentences, pl.DataFrame(schema=FAILURES)
    except Exception:
        get_run_logger().warning("shard of %d documents failed; extracting them one by one", len(doc_ids))
    parts, failed = [], []
    for doc_id, text in zip(doc_ids, texts, strict=True):
        try:
            parts.append(_extract([doc_id], [text], model))
        except Exception as exc:
            failed.append({"doc_id": doc_id, "detail": f"{type(exc).__name__}: {exc}"[:500]})
    entities = pl.concat([e for e, _, _ in parts]) if parts else frame([], ENTITIES)
    numbers = pl.concat([n for _, n, _ in parts]) if parts else frame([], NUMBERS)
    sentences = pl.concat([s for _, _, s in parts]) if parts else frame([], SENTENCES)
    return entities, numbers, sentences, pl.DataFrame(failed, schema=FAILURES)


# A process runs one shard at a time on its pipeline (spaCy is not thread-safe), and loads the
# pipeline afresh once it has read RELOAD_DOCUMENTS documents: a pipeline's vocabulary keeps every
# word it has seen, so without this a long run's memory grew with its input. A fresh load costs
# little against the documents read between loads. Chosen over spaCy's `memory_zone`, which bounds
# the vocabulary as well but turns off the tokenizer's cache inside the zone, so every word is
# split by the affix rules again each time it occurs (docs/benchmarks.md has what that cost).
RELOAD_DOCUMENTS = 5_000
_PIPELINE = threading.Lock()
_read = {"documents": 0}  # documents this process has read since it last loaded the pipeline


def _count_documents(documents: int) -> None:
    """Count `documents` about to be read, dropping the loaded pipelines first if they have read
    their RELOAD_DOCUMENTS (the next `load_model` loads them again, without the words seen)."""
    if _read["documents"] >= RELOAD_DOCUMENTS:
        load_model.cache_clear()
        _read["documents"] = 0
    _read["documents"] += documents


def _extract(doc_ids: list[str], texts: list[str], model: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    # `tasks.nlp.extraction.extract_mentions`, with each step a task the UI shows. The frames it
    # returns hold copies of the docs' strings; the docs are not used after the shard.
    with _PIPELINE:
        _count_documents(len(texts))
        docs = annotate_text(texts, model)
        return (extract_entities(doc_ids, docs), extract_numbers(doc_ids, texts, docs, model),
                extract_sentences(doc_ids, texts, docs))


def shards_of(doc_ids: list[str], texts: list[str], size: int) -> list[tuple[list[str], list[str]]]:
    """Documents in consecutive shards of `size`, in input order (so outputs never depend on workers)."""
    return [(doc_ids[i:i + size], texts[i:i + size]) for i in range(0, len(doc_ids), size)]


def extract_shards(shards: list[tuple[list[str], list[str]]], model: str) -> list[ShardOutcome]:
    """Every shard through `extract-shard`, outcomes in shard order: spread over this run's
    extraction processes when it has them (`extraction_processes`) and there is more than one
    shard, else in this process. A failing shard is reported, not raised, so the others still write."""
    emit("extract", shards=len(shards), documents=sum(len(ids) for ids, _ in shards))
    pool = _POOLS[-1].runner() if _POOLS and len(shards) > 1 else None
    if pool is None:
        pending = [(ids, lambda ids=ids, texts=texts: extract_shard(ids, texts, model)) for ids, texts in shards]
    else:
        futures = [pool.submit(extract_shard, {"doc_ids": ids, "texts": texts, "model": model}) for ids, texts in shards]
        pending = [(ids, future.result) for (ids, _), future in zip(shards, futures, strict=True)]
    outcomes: list[ShardOutcome] = []
    for ids, outcome in pending:
        try:
            outcomes.append(outcome())
        except Exception as exc:  # noqa: BLE001 - one shard's failure must not cost the batch
            outcomes.append(f"{type(exc).__name__}: {exc}"[:500])
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
