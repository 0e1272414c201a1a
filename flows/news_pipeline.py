"""The news pipeline flow: ingest -> clean -> entities -> numbers, a quality gate after each, then Parquet.

Deployable as `flows/news_pipeline.py:news_pipeline`. Tasks here are thin bindings of the pure
stage functions in `tasks/`; only the I/O tasks retry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from spacy.tokens import Doc

from tasks import io
from tasks.canonical import build_catalog, link_entities, with_alias_check, with_canonical_names
from tasks.clean import clean_documents
from tasks.entities import extract_entities
from tasks.ingest import ingest_file, ingested_frame
from tasks.entity_rules import COMPONENT as ENTITY_RULES
from tasks.nlp import DEFAULT_MODEL, annotate_texts, components_for, load_model, sentence_component, window_parser
from tasks.numbers import extract_numbers
from tasks.quarantine import quarantine_frame, quarantine_row
from tasks.schemas import ENTITIES, NUMBERS, REBUILT_TABLES, frame
from tasks.validation import GateResult, QualityGateError, Validator, split_failures, with_span_check
from expectations.entity_catalog import MENTION_TOTAL
from flows.summary import markdown_summary, stage_table

DEFAULT_MAX_FAILED_SHARE = 0.05
DEFAULT_SHARD_SIZE = 64
# Bump when extraction changes, so checkpoints left by a failed run of older code are not reused.
CHECKPOINT_VERSION = "1"
# Stage outputs are in-memory frames and spaCy docs: hashing them for a cache key costs time and
# buys nothing, so no task caches.
stage_task = task(cache_policy=NO_CACHE)
io_task = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 4])


# --- I/O tasks -------------------------------------------------------------------------------

@io_task(name="read-inputs")
def read_inputs(inputs: list[str]) -> list[io.InputFile]:
    """The bytes of every input file under `inputs`."""
    return io.read_inputs(io.discover_inputs(inputs))


@io_task(name="read-known-documents")
def read_known_documents(output_dir: Path) -> tuple[frozenset[str], dict[str, str]]:
    """Ids and text hashes of documents already written, so a rerun adds nothing twice."""
    known = io.read_table(output_dir, "documents", ["doc_id", "text_hash"])
    return frozenset(known["doc_id"].to_list()), dict(zip(known["text_hash"], known["doc_id"], strict=True))


@io_task(name="read-known-entities")
def read_known_entities(output_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(entity catalog, mentions, document dates) written by earlier runs, for linking and the catalog."""
    catalog = io.read_table(output_dir, "entity_catalog")
    mentions = io.read_table(output_dir, "entities", ["doc_id", "start_char", "end_char", "text", "label",
                                                      "entity_id", "external_id"])
    return catalog, mentions, io.read_table(output_dir, "documents", ["doc_id", "published_date"])


@io_task(name="write-tables")
def write_tables(output_dir: Path, tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Rows written per table; `documents` last, since its ids mark what a rerun may skip."""
    order = [name for name in tables if name != "documents"] + ["documents"]
    return {
        name: (io.replace_table if name in REBUILT_TABLES else io.write_table)(output_dir, name, tables[name])[1]
        for name in order if name in tables
    }


@io_task(name="write-run-records")
def write_run_records(directory: Path, manifest: dict, gates: list[GateResult]) -> Path:
    """The run's manifest and each gate's Great Expectations result, as JSON."""
    for gate in gates:
        io.write_json(directory / "validation" / f"{gate.suite}.json", gate.result)
    return io.write_json(directory / "manifest.json", manifest)


@io_task(name="clear-tables")
def clear_tables(output_dir: Path) -> list[str]:
    """Every table removed (the per-run records in `_runs/` stay), for a full refresh."""
    removed = []
    for table in io.TABLES:
        if (output_dir / table).exists():
            shutil.rmtree(output_dir / table)
            removed.append(table)
    return removed


@io_task(name="publish-artifacts")
def publish_artifacts(manifest: dict) -> None:
    """The run's summary, per-stage table and Data Docs link in the Prefect UI, under stable keys
    so the UI shows each one's history across runs."""
    create_markdown_artifact(markdown_summary(manifest), key="news-pipeline-summary",
                             description="Documents, rows per table, quarantine reasons and quality gates")
    create_table_artifact(stage_table(manifest), key="news-pipeline-stages",
                          description="Rows in, out, quarantined and skipped per stage, with seconds")
    create_link_artifact(Path(manifest["data_docs"]).resolve().as_uri(), link_text="Great Expectations Data Docs",
                         key="news-pipeline-data-docs", description=f"Data Docs of run {manifest['run_id']}")


# --- stage tasks -----------------------------------------------------------------------------

@stage_task(name="ingest-documents")
def ingest_documents(files: list[io.InputFile]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(one row per article, quarantine) from the input files' bytes."""
    results = [ingest_file(f.path, f.data, f.error) for f in files]
    return (ingested_frame([row for r in results for row in r.rows]),
            quarantine_frame([row for r in results for row in r.quarantine]))


@stage_task(name="clean-documents")
def clean(ingested: pl.DataFrame, known: tuple[frozenset[str], dict[str, str]]):
    """(clean new documents, quarantine, count already written)."""
    return clean_documents(ingested, *known)


@stage_task(name="annotate-text")
def annotate_text(texts: list[str], model: str) -> list[Doc]:
    """spaCy docs with entities and sentences, running only NER and the sentence splitter."""
    nlp = load_model(model)
    return annotate_texts(nlp, texts, components_for(nlp, ["ner", ENTITY_RULES, sentence_component(nlp)]))


@stage_task(name="extract-entities")
def entities_stage(doc_ids: list[str], docs: list[Doc]) -> pl.DataFrame:
    """Entity mentions of one shard, before linking."""
    return extract_entities(doc_ids, docs)


@stage_task(name="extract-shard")
def extract_shard(
    doc_ids: list[str], texts: list[str], model: str, checkpoints: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(entity mentions, number mentions) of one shard of documents: NER, then both extractions,
    in whichever process runs the shard (the model is loaded once per process). With a
    `checkpoints` folder, a shard finished by an earlier, failed run is read back, not redone."""
    checkpoint = io.checkpoint_dir(Path(checkpoints), shard_key(doc_ids, model)) if checkpoints else None
    if checkpoint is not None and (saved := io.read_checkpoint(checkpoint)) is not None:
        get_run_logger().info("shard of %d documents reused from its checkpoint", len(doc_ids))
        return saved["entities"], saved["numbers"]
    docs = annotate_text(texts, model)
    entities, numbers = entities_stage(doc_ids, docs), numbers_stage(doc_ids, docs, model)
    if checkpoint is not None:
        io.write_checkpoint(checkpoint, {"entities": entities, "numbers": numbers})
    return entities, numbers


def shard_key(doc_ids: list[str], model: str) -> str:
    """A shard's checkpoint name: its documents, the model, and the code version that extracted them."""
    text = "\n".join([CHECKPOINT_VERSION, model, *doc_ids])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@stage_task(name="link-entities")
def link_stage(entities: pl.DataFrame, known_catalog: pl.DataFrame) -> pl.DataFrame:
    """Entity mentions with their entity ids (canonical names are set from the catalog later)."""
    linked = link_entities(entities, set(known_catalog["entity_key"].to_list()))
    return linked.with_columns(canonical_name=pl.coalesce("gazetteer_name", "text"))


def shards_of(doc_ids: list[str], texts: list[str], size: int) -> list[tuple[list[str], list[str]]]:
    """Documents in consecutive shards of `size`, in input order (so outputs never depend on workers)."""
    return [(doc_ids[i:i + size], texts[i:i + size]) for i in range(0, len(doc_ids), size)]


ShardOutcome = tuple[pl.DataFrame, pl.DataFrame] | str  # the shard's mentions, or why it failed


def _progress(progress_id, share: float) -> None:
    if progress_id is not None:
        update_progress_artifact(progress_id, round(100 * share, 1))


@flow(name="extract-shards", flow_run_name="extract-shards/{model}")
def extract_shards(shards: list[tuple[list[str], list[str]]], model: str, checkpoints: str | None = None,
                   progress_id=None, share: tuple[float, float] = (0.0, 1.0)) -> list[ShardOutcome]:
    """Every shard through `extract-shard` on this flow's task runner (one thread, worker processes
    or Dask), outcomes in shard order; a failing shard is reported, not raised, so the others
    still write."""
    futures = [extract_shard.submit(ids, texts, model, checkpoints) for ids, texts in shards]
    outcomes: list[ShardOutcome] = []
    for done, future in enumerate(futures, start=1):
        future.wait()
        if future.state.is_completed():
            outcomes.append(future.result())
        else:
            outcomes.append(str(future.state.message or "shard failed")[:500])
        _progress(progress_id, share[0] + (share[1] - share[0]) * done / len(futures))
    return outcomes


@stage_task(name="build-entity-catalog")
def catalog_stage(
    entities: pl.DataFrame, documents: pl.DataFrame, known: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(entity catalog over earlier and new mentions, new mentions with canonical names, mentions counted)."""
    known_catalog, known_mentions, known_dates = known
    keys = known_catalog.select("entity_id", "entity_key",
                                pl.when(pl.col("external_id").is_not_null()).then("canonical_name")
                                .alias("gazetteer_name"))
    columns = ["doc_id", "start_char", "end_char", "text", "label", "entity_id", "external_id",
               "entity_key", "gazetteer_name"]
    earlier = known_mentions.join(keys, on="entity_id", how="left").with_columns(
        entity_key=pl.coalesce("entity_key", "entity_id"))
    mentions = pl.concat([earlier.select(columns), entities.select(columns)], how="vertical_relaxed") \
        .unique(["doc_id", "start_char", "end_char", "label"], keep="first", maintain_order=True)
    dates = pl.concat([known_dates, documents.select("doc_id", "published_date")]).unique("doc_id")
    catalog = build_catalog(mentions, dates)
    return catalog, with_canonical_names(entities, catalog), mentions.height

@stage_task(name="extract-numbers")
def numbers_stage(doc_ids: list[str], docs: list[Doc], model: str) -> pl.DataFrame:
    """Number mentions; the parser runs only on sentences that hold an amount."""
    nlp = load_model(model)
    return extract_numbers(doc_ids, docs, window_parser(nlp))


@stage_task(name="quality-gate")
def quality_gate(
    validator: Validator, suite: str, stage: str, rows: pl.DataFrame, max_failed_share: float,
    record_kind: str, excerpt_column: str, parameters: dict | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, GateResult]:
    """(rows that passed, quarantine of rows that failed, the gate's result) for one suite."""
    gate, failures = validator.validate(suite, rows, parameters)
    gate.stage, gate.max_failed_share = stage, max_failed_share
    kept, quarantined = split_failures(rows, failures, stage=stage, record_kind=record_kind,
                                       excerpt_column=excerpt_column)
    return kept, quarantined, gate


# --- the flow --------------------------------------------------------------------------------

@dataclass
class StageCount:
    """Rows into and out of a stage; in = out + quarantined + skipped must hold for each."""

    stage: str
    rows_in: int
    rows_out: int
    quarantined: int = 0
    skipped: int = 0
    unit: str = "documents"
    seconds: float = 0.0

    def as_dict(self) -> dict:
        conserved = self.unit != "documents" or self.rows_in == self.rows_out + self.quarantined + self.skipped
        return {"stage": self.stage, "unit": self.unit, "in": self.rows_in, "out": self.rows_out,
                "quarantined": self.quarantined, "skipped": self.skipped, "conserved": conserved,
                "seconds": round(self.seconds, 3)}


class Stopwatch:
    """Seconds since the previous lap: each stage's own time, in flow order."""

    def __init__(self):
        self.last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        spent, self.last = now - self.last, now
        return spent


def shard_runner(workers: int, dask_address: str | None):
    """The task runner for shards: an existing Dask cluster, `workers` local processes, or for one
    worker a single thread here (one spaCy pipeline must not run in two threads at once)."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    if workers > 1:
        return ProcessPoolTaskRunner(max_workers=workers)
    return ThreadPoolTaskRunner(max_workers=1)


def _run_name() -> str:
    inputs = flow_run.parameters.get("inputs") or ["seeds"]
    label = Path(str(inputs[0])).name or "input"
    if len(inputs) > 1:
        label += f"+{len(inputs) - 1}"
    return f"news-pipeline/{label}/{dt.datetime.now(dt.UTC):%Y-%m-%d}"


def _run_id() -> str:
    flow_run_id = str(flow_run.id or "local")
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{flow_run_id[:8]}"


@flow(name="news-pipeline", flow_run_name=_run_name, log_prints=False)
def news_pipeline(
    inputs: list[str] | None = None,
    output_dir: str = "data",
    model: str = DEFAULT_MODEL,
    max_failed_share: float = DEFAULT_MAX_FAILED_SHARE,
    full_refresh: bool = False,
    workers: int = 1,
    shard_size: int = DEFAULT_SHARD_SIZE,
    dask_address: str | None = None,
) -> dict:
    """Extract documents, entities and numbers from news articles into validated Parquet tables.

    Args:
        inputs: files or directories (walked recursively) of `.txt` articles and `.jsonl` records.
        output_dir: where the tables (`documents/`, `entities/`, `numbers/`, `quarantine/`) and
            per-run records (`_runs/<run_id>/`) are written.
        model: name of an installed spaCy pipeline.
        max_failed_share: a quality gate fails the run when more than this share of a stage's
            rows fail its expectations (failing rows are quarantined either way).
        full_refresh: remove every table first and rebuild from the inputs; otherwise only
            documents not written before (by content) are processed and appended.
        workers: local processes that extract shards in parallel (1: in this process).
        shard_size: documents per shard; outputs are the same whatever the shard size or workers.
        dask_address: a Dask scheduler (`tcp://host:8786`) to run the shards on instead.

    Returns the run manifest: counts per stage, rows written per table, gate results, paths.
    """
    logger = get_run_logger()
    inputs = inputs or ["seeds"]
    output = Path(output_dir)
    run_id = _run_id()
    records = io.run_dir(output, run_id)
    validator = Validator(docs_dir=records / "data_docs")
    started = dt.datetime.now(dt.UTC)
    counts: list[StageCount] = []
    gates: list[GateResult] = []
    quarantined: list[pl.DataFrame] = []
    clock = Stopwatch()
    progress = create_progress_artifact(0.0, key="news-pipeline-progress",
                                        description="Share of the run's stages done")

    def done(share: float) -> None:
        _progress(progress, share)

    def gate(suite: str, stage: str, rows: pl.DataFrame, record_kind: str, excerpt: str, unit: str,
             parameters: dict | None = None):
        kept, bad, result = quality_gate.with_options(name=f"validate-{suite.replace('_', '-')}")(
            validator, suite, stage, rows, max_failed_share, record_kind, excerpt, parameters)
        gates.append(result)
        quarantined.append(bad)
        counts.append(StageCount(f"validate-{suite}", rows.height, kept.height, bad.height, unit=unit,
                                 seconds=clock.lap()))
        logger.info("gate %s: %d rows, %d failed (%s)", suite, result.rows, result.failed_rows,
                    "passed" if result.passed else "FAILED")
        return kept

    if full_refresh:
        logger.info("full refresh: removed tables %s", clear_tables(output))
        io.clear_checkpoints(output)
    files = read_inputs(inputs)
    ingested, bad = ingest_documents(files)
    quarantined.append(bad)
    counts.append(StageCount("ingest", ingested.height + bad.height, ingested.height, bad.height, unit="records",
                             seconds=clock.lap()))
    ingested = gate("ingested", "ingest", ingested, "record", "body", "documents")
    done(0.1)

    documents, bad, already_written = clean(ingested, read_known_documents(output))
    quarantined.append(bad)
    counts.append(StageCount("clean", ingested.height, documents.height, bad.height, already_written,
                             seconds=clock.lap()))
    documents = gate("documents", "clean", documents, "document", "text", "documents")
    done(0.2)

    if all(g.passed for g in gates):
        shards = shards_of(documents["doc_id"].to_list(), documents["text"].to_list(), shard_size)
        outcomes = extract_shards.with_options(task_runner=shard_runner(workers, dask_address))(
            shards, model, str(output.resolve()), progress, (0.2, 0.6))
        failed_docs = [quarantine_row(stage="extract", record_kind="document", reason="shard_failed",
                                      detail=outcome, doc_id=doc_id)
                       for (ids, _), outcome in zip(shards, outcomes, strict=True) if isinstance(outcome, str)
                       for doc_id in ids]
        extracted = [outcome for outcome in outcomes if not isinstance(outcome, str)]
        entities = pl.concat([e for e, _ in extracted]) if extracted else frame([], ENTITIES)
        numbers = pl.concat([n for _, n in extracted]) if extracted else frame([], NUMBERS)
        if failed_docs:
            logger.error("%d of %d shards failed; their %d documents are quarantined", len(outcomes) - len(extracted),
                         len(outcomes), len(failed_docs))
            quarantined.append(quarantine_frame(failed_docs))
            documents = documents.filter(~pl.col("doc_id").is_in([q["doc_id"] for q in failed_docs]))
        counts.append(StageCount("extract", documents.height + len(failed_docs), documents.height, len(failed_docs),
                                 seconds=clock.lap()))
        known_entities = read_known_entities(output)
        entities = link_stage(entities, known_entities[0])
        counts.append(StageCount("entities", documents.height, entities.height, unit="mentions",
                                 seconds=clock.lap()))
        entities = gate("entities", "entities", with_span_check(entities, documents, "text"),
                        "entity", "text", "mentions")
        catalog, entities, mention_total = catalog_stage(entities, documents, known_entities)
        catalog = gate("entity_catalog", "entities", with_alias_check(catalog), "entity", "canonical_name",
                       "entities", {MENTION_TOTAL: mention_total})
        done(0.7)
        counts.append(StageCount("numbers", documents.height, numbers.height, unit="mentions", seconds=clock.lap()))
        numbers = gate("numbers", "numbers", with_span_check(numbers, documents, "surface"),
                       "number", "surface", "mentions")
        done(0.85)
    else:
        entities = numbers = catalog = None

    quarantine = pl.concat(quarantined).unique("quarantine_id", keep="first", maintain_order=True)
    quarantine = gate("quarantine", "write", quarantine.with_columns(run_id=pl.lit(run_id)),
                      "record", "excerpt", "rows")
    failed = [g for g in gates if not g.passed]
    tables = {"quarantine": quarantine}
    if not failed:
        tables |= {"entities": entities, "numbers": numbers,
                   "documents": documents.with_columns(run_id=pl.lit(run_id))}
    if not failed and (entities.height or not io.table_exists(output, "entity_catalog")):
        tables["entity_catalog"] = catalog  # rebuilt from every mention; unchanged when none is new
    written = write_tables(output, tables)
    counts.append(StageCount("write", sum(t.height for t in tables.values()), sum(written.values()),
                             skipped=sum(t.height for t in tables.values()) - sum(written.values()),
                             unit="rows", seconds=clock.lap()))

    manifest = {
        "run_id": run_id,
        "flow_run_id": str(flow_run.id) if flow_run.id else None,
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "inputs": [str(p) for p in inputs],
        "files": len(files),
        "output_dir": str(output),
        "model": model,
        "max_failed_share": max_failed_share,
        "full_refresh": full_refresh,
        "workers": workers,
        "shard_size": shard_size,
        "dask_address": dask_address,
        "stages": [c.as_dict() for c in counts],
        "rows_written": written,
        "rows_total": {name: io.read_table(output, name, [io.PRIMARY_KEYS[name][0]]).height for name in io.TABLES},
        "quarantine_reasons": dict(sorted(
            quarantine.group_by("reason").len().iter_rows(), key=lambda kv: -kv[1])),
        "gates": [g.summary() for g in gates],
        "data_docs": str(records / "data_docs" / "index.html"),
        "run_dir": str(records),
        "status": "failed" if failed else "completed",
    }
    manifest["conserved"] = all(stage["conserved"] for stage in manifest["stages"])
    write_run_records(records, manifest, gates)
    if not failed:
        io.clear_checkpoints(output)  # every shard's mentions are in the tables now
    publish_artifacts(manifest)
    done(1.0)
    if failed:
        raise QualityGateError("; ".join(g.message() for g in failed) + f" (details: {records})")
    if not manifest["conserved"]:
        raise RuntimeError(f"rows went missing between stages: {manifest['stages']}")
    return manifest
