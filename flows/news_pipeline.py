"""The news pipeline flow: ingest -> clean -> entities -> numbers, a quality gate after each, then Parquet.

Deployable as `flows/news_pipeline.py:news_pipeline`. Tasks here are thin bindings of the pure
stage functions in `tasks/`; only the I/O tasks retry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from tasks import io
from tasks.canonical import (build_catalog, catalog_aggregates, link_entities, merge_catalog, with_alias_check,
                             with_canonical_names)
from tasks.clean import clean_documents
from tasks.defaults import (DEFAULT_LANGUAGES, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_FAILED_SHARE, DEFAULT_MODEL,
                            DEFAULT_NEAR_DUPLICATE_THRESHOLD, DEFAULT_SHARD_SIZE)
from tasks.ingest import ingest_file, ingested_frame, split_conflicting_ids
from tasks.language import extractable, with_language
from tasks.near_duplicates import near_duplicates_of, with_near_duplicates
from tasks.quarantine import quarantine_frame, quarantine_row
from tasks.schemas import (ENTITIES, NUMBERS, PARTITIONED_TABLES, REBUILT_TABLES, STAGE_COUNTS, frame,
                           with_published_month)
from tasks.validation import GateResult, QualityGateError, Validator, split_failures, with_span_check
from expectations.entity_catalog import MENTION_TOTAL
from flows.alerts import emit_gate_failed, emit_run_completed, emit_run_failed
from flows.progress import emit
from flows.shards import extract_shards, open_shard_runner, prepare_worker, report_progress, shards_of, stage_task
from flows.summary import markdown_summary, stage_table

# A document is left unextracted only when its language is this certain: a short or mixed text
# is better read by the English model than not at all.
MIN_LANGUAGE_SCORE = 0.9
# No task caches (see `flows.shards.stage_task`); only I/O tasks retry.
io_task = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 4])


# --- I/O tasks -------------------------------------------------------------------------------

@io_task(name="read-inputs")
def read_inputs(inputs: list[str], max_document_bytes: int) -> list[io.InputFile]:
    """The bytes of every input file under `inputs`, or why a file could not be read."""
    return io.read_inputs(inputs, max_document_bytes)


@io_task(name="read-known-documents")
def read_known_documents(output_dir: Path) -> pl.DataFrame:
    """Ids, publisher ids and text hashes of documents already written, so a rerun adds nothing twice."""
    return io.read_table(output_dir, "documents", ["doc_id", "text_hash", "source", "source_id", "record_index"])


@io_task(name="read-known-texts")
def read_known_texts(output_dir: Path) -> pl.DataFrame:
    """Ids and texts of documents already written, in the order they were written, for near-duplicates."""
    return io.read_table(output_dir, "documents", ["doc_id", "text"])


@io_task(name="read-known-entities")
def read_known_entities(output_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None]:
    """(entity catalog written by earlier runs; its mentions and their documents' dates only when
    the catalog predates its stored aggregates (schema 1.1) and must be recounted once)."""
    catalog = io.read_table(output_dir, "entity_catalog")
    if catalog["alias_counts"].null_count() == 0:
        return catalog, None, None
    mentions = io.read_table(output_dir, "entities", ["doc_id", "start_char", "end_char", "text", "label",
                                                      "entity_id", "external_id"])
    return catalog, mentions, io.read_table(output_dir, "documents", ["doc_id", "published_date"])


@io_task(name="write-tables")
def write_tables(output_dir: Path, run_id: str, tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Rows written per table. Every table's file is staged first and then all are published
    together (documents last, since its ids mark what a rerun may skip), so a run that dies
    leaves all of its rows in the tables or none."""
    io.recover_staged(output_dir)  # a retry of this task starts from a clean staging folder
    staging = io.staging_dir(output_dir, run_id)
    documents = tables.get("documents", pl.DataFrame(schema={"doc_id": pl.String, "published_date": pl.Date}))
    written = {}
    try:
        for name, rows in tables.items():
            if name in PARTITIONED_TABLES:
                rows = with_published_month(rows, documents)
            write = io.replace_table if name in REBUILT_TABLES else io.write_table
            written[name] = write(output_dir, name, rows, staging, run_id=run_id)[1]
        if staging.exists():
            # Stored before any file is published: a run that dies mid-publish leaves tables whose
            # contract is known, and `check_contract` has already found the dataset compatible with it.
            io.write_contract(output_dir)
            # So is the run's record: tables never appear without one, and when even this cannot be
            # written (a full disk) nothing is published. The full manifest replaces it once written.
            io.write_json(io.run_dir(output_dir, run_id) / "manifest.json",
                          {"run_id": run_id, "status": "publishing", "rows_written": written,
                           "note": "tables published; the run ended before its full record was written"})
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # frees what a full disk needs back; nothing was published
        raise
    if staging.exists():
        io.publish_staged(output_dir, staging, REBUILT_TABLES)
    return written


@io_task(name="write-run-records")
def write_run_records(directory: Path, manifest: dict, gates: list[GateResult], validator: Validator) -> Path:
    """The run's manifest, each gate's Great Expectations result as JSON, and the Data Docs."""
    validator.build_docs()
    for gate in gates:
        io.write_json(directory / "validation" / f"{gate.suite}.json", gate.result)
    return io.write_json(directory / "manifest.json", manifest)


@io_task(name="write-run-report")
def write_run_report(output_dir: Path, manifest: dict) -> Path:
    """The run report (`_runs/<run_id>/report.html`), and a copy as `report.html` beside the tables
    for whoever opens the output folder: the latest run's."""
    from tasks.report import largest_count_rows, render_report

    documents = io.read_table(output_dir, "documents", ["doc_id", "published_date"])
    mentions = io.read_table(output_dir, "entities", ["doc_id", "entity_id"])
    catalog = io.read_table(output_dir, "entity_catalog", ["entity_id", "canonical_name", "label"])
    numbers = io.read_table(output_dir, "numbers", ["doc_id", "start_char", "end_char", "surface", "value", "kind",
                                                    "unit", "object", "count_type"])
    # Texts only of the documents whose sentences the report quotes, not of the whole corpus.
    texts = io.read_table(output_dir, "documents", ["doc_id", "text"],
                          doc_ids=largest_count_rows(numbers)["doc_id"].unique().to_list())
    page = Path(manifest["report"])
    io.write_text(page, render_report(manifest, documents, mentions, catalog, numbers, texts, "data_docs/index.html"))
    latest = render_report(manifest, documents, mentions, catalog, numbers, texts,
                           f"{io.RUNS_DIR}/{manifest['run_id']}/data_docs/index.html")
    io.write_text(output_dir / "report.html", latest)
    return page


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
    if manifest.get("report_written"):
        create_link_artifact(Path(manifest["report"]).resolve().as_uri(), link_text="Run report",
                             key="news-pipeline-report",
                             description=f"Run {manifest['run_id']}: counts, entities, numbers and charts")


# --- stage tasks -----------------------------------------------------------------------------

@stage_task(name="ingest-documents")
def ingest_documents(
    files: list[io.InputFile], known: pl.DataFrame, max_document_bytes: int
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """(one row per article, quarantine, files by outcome) from the input files' bytes; a record
    reusing a publisher id with different text is quarantined (see `split_conflicting_ids`)."""
    results = [ingest_file(f.path, f.data, f.error, f.reason, max_document_bytes) for f in files]
    published = known.filter(pl.col("record_index").is_not_null())
    checked = split_conflicting_ids(
        [row for r in results for row in r.rows],
        {(source or "", source_id): doc_id for doc_id, source, source_id in
         published.select("doc_id", "source", "source_id").iter_rows()})
    outcome = {"with_articles": sum(1 for r in results if r.rows),
               "quarantined": sum(1 for r in results if r.quarantine and not r.rows)}
    return (ingested_frame(checked.rows),
            quarantine_frame([row for r in results for row in r.quarantine] + checked.quarantine), outcome)


@stage_task(name="clean-documents")
def clean(ingested: pl.DataFrame, known: pl.DataFrame):
    """(clean new documents, quarantine, count already written)."""
    return clean_documents(ingested, frozenset(known["doc_id"].to_list()),
                           dict(zip(known["text_hash"], known["doc_id"], strict=True)))


@stage_task(name="detect-language")
def language_stage(documents: pl.DataFrame, languages: list[str]) -> pl.DataFrame:
    """Documents with their detected language; those confidently in another language than
    `languages` are flagged `not_extracted_language`."""
    documents = with_language(documents)
    return documents.with_columns(
        flags=pl.when(extractable(languages, MIN_LANGUAGE_SCORE)).then(pl.col("flags"))
        .otherwise(pl.col("flags").list.concat(pl.lit(["not_extracted_language"]))))


@stage_task(name="find-near-duplicates")
def near_duplicates_stage(documents: pl.DataFrame, earlier: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Documents with `near_duplicate_of` set where one repeats an earlier one with small edits."""
    found = near_duplicates_of(documents, earlier, threshold)
    return with_near_duplicates(documents, found)


@stage_task(name="link-entities")
def link_stage(entities: pl.DataFrame, known_catalog: pl.DataFrame) -> pl.DataFrame:
    """Entity mentions with their entity ids (canonical names are set from the catalog later)."""
    linked = link_entities(entities, dict(zip(known_catalog["entity_key"], known_catalog["mention_count"],
                                              strict=True)))
    return linked.with_columns(canonical_name=pl.coalesce("gazetteer_name", "text"))


@stage_task(name="build-entity-catalog")
def catalog_stage(
    entities: pl.DataFrame, documents: pl.DataFrame,
    known: tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None],
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(entity catalog: the stored one with the new mentions' aggregates merged in, new mentions
    with canonical names, mentions counted). A catalog written before its aggregates were stored
    is rebuilt once from every mention."""
    known_catalog, known_mentions, known_dates = known
    if known_mentions is not None:
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
        catalog, total = build_catalog(mentions, dates), mentions.height
    else:
        catalog = merge_catalog(known_catalog, catalog_aggregates(entities, documents))
        # What the merged catalog must count: what it counted before, and each new mention once.
        total = int(known_catalog["mention_count"].sum()) + entities.height
    return catalog, with_canonical_names(entities, catalog), total


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

    @property
    def accountable(self) -> bool:
        """Whether this stage passes every unit on (files, records, documents), rather than turning
        documents into mentions or rows, where in and out are different things."""
        return self.unit in ACCOUNTED_UNITS

    @property
    def unaccounted(self) -> int:
        return self.rows_in - self.rows_out - self.quarantined - self.skipped if self.accountable else 0

    def as_dict(self) -> dict:
        return {"stage": self.stage, "unit": self.unit, "in": self.rows_in, "out": self.rows_out,
                "quarantined": self.quarantined, "skipped": self.skipped, "conserved": self.unaccounted == 0,
                "seconds": round(self.seconds, 3)}


ACCOUNTED_UNITS = ("files", "records", "documents")


class Stopwatch:
    """Seconds since the previous lap: each stage's own time, in flow order."""

    def __init__(self):
        self.last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        spent, self.last = now - self.last, now
        return spent


def _run_name() -> str:
    inputs = flow_run.parameters.get("inputs") or ["seeds"]
    label = Path(str(inputs[0])).name or "input"
    if len(inputs) > 1:
        label += f"+{len(inputs) - 1}"
    return f"news-pipeline/{label}/{dt.datetime.now(dt.UTC):%Y-%m-%d}"


def _run_id() -> str:
    flow_run_id = str(flow_run.id or "local")
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{flow_run_id[:8]}"


@dataclass
class RunParameters:
    """The flow's parameters, as one value the run passes around and records in its manifest."""

    inputs: list[str]
    output_dir: str
    model: str
    max_failed_share: float
    full_refresh: bool
    workers: int
    shard_size: int
    dask_address: str | None
    max_document_bytes: int
    languages: list[str]
    near_duplicate_threshold: float


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
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    languages: list[str] | None = None,
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD,
) -> dict:
    """Extract documents, entities and numbers from news articles into validated Parquet tables.

    Args:
        inputs: files or directories (walked recursively) of `.txt` articles and `.jsonl` records.
        output_dir: where the tables (`documents/`, `entities/`, `numbers/`, `quarantine/`) and
            per-run records (`_runs/<run_id>/`) are written. One run at a time may write there.
        model: name of an installed spaCy pipeline.
        max_failed_share: a quality gate fails the run when more than this share of a stage's
            documents have rows failing its expectations (of rows, for the entity catalog and the
            quarantine); failing rows are quarantined either way.
        full_refresh: remove every table first and rebuild from the inputs; otherwise only
            documents not written before (by content) are processed and appended.
        workers: local processes that extract shards in parallel (1: in this process).
        shard_size: documents per shard; outputs are the same whatever the shard size or workers.
        dask_address: a Dask scheduler (`tcp://host:8786`) to run the shards on instead.
        max_document_bytes: larger articles are quarantined as `too_large`, unread.
        languages: ISO 639-1 codes of the languages the model reads (default `["en"]`); documents
            detected with confidence as another language are written, flagged
            `not_extracted_language`, and get no entities or numbers.
        near_duplicate_threshold: estimated Jaccard similarity of word 3-grams from which a
            document is recorded as a near-duplicate (`near_duplicate_of`) of an earlier one.

    Returns the run manifest: counts per stage, rows written per table, gate results, paths.
    Emits `newsfacts.gate.failed` per failed gate and `newsfacts.run.failed` or
    `newsfacts.run.completed` (Prefect events, resource `newsfacts.dataset.<output path>`).
    Raises OutputLockedError when another run is writing to `output_dir`, SchemaVersionError when
    its tables were written under a schema this pipeline cannot append to (`newsfacts migrate`).
    """
    params = RunParameters(
        inputs=[str(p) for p in inputs or ["seeds"]], output_dir=output_dir, model=model,
        max_failed_share=max_failed_share, full_refresh=full_refresh, workers=workers, shard_size=shard_size,
        dask_address=dask_address, max_document_bytes=max_document_bytes,
        languages=list(languages or DEFAULT_LANGUAGES), near_duplicate_threshold=near_duplicate_threshold)
    run_id = _run_id()
    try:
        with io.output_lock(Path(output_dir), run_id):
            if not params.full_refresh:  # a full refresh rebuilds the tables under the current contract
                io.check_contract(Path(output_dir))
            manifest = _run_pipeline(params, run_id)
    except Exception as exc:
        emit_run_failed(run_id, output_dir, exc)
        raise
    emit_run_completed(manifest)
    return manifest


def _run_pipeline(p: RunParameters, run_id: str) -> dict:
    """The flow's body, run while holding the output directory's lock."""
    with contextlib.ExitStack() as runner_scope:
        return _run_stages(p, run_id, runner_scope)


def _run_stages(p: RunParameters, run_id: str, runner_scope: contextlib.ExitStack) -> dict:
    """The stages, with the shard runner entered on `runner_scope` (closed after extraction, or
    when the run ends, whichever comes first)."""
    logger = get_run_logger()
    output = Path(p.output_dir)
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
        report_progress(progress, share)
        emit("stage", share=share)

    def hold(stage: str, bad: pl.DataFrame) -> None:
        """Quarantined rows kept for the table, and reported as they happen."""
        quarantined.append(bad)
        if bad.height:
            emit("quarantined", stage=stage, reasons=dict(bad.group_by("reason").len().sort("reason").iter_rows()))

    def gate(suite: str, stage: str, rows: pl.DataFrame, record_kind: str, excerpt: str, unit: str,
             parameters: dict | None = None):
        kept, bad, result = quality_gate.with_options(name=f"validate-{suite.replace('_', '-')}")(
            validator, suite, stage, rows, p.max_failed_share, record_kind, excerpt, parameters)
        gates.append(result)
        if not result.passed:  # announced now; the run fails once every gate has run
            emit_gate_failed(result, run_id, p.output_dir, records)
        hold(f"validate-{suite}", bad)
        counts.append(StageCount(f"validate-{suite}", rows.height, kept.height, bad.height, unit=unit,
                                 seconds=clock.lap()))
        logger.info("gate %s: %d rows, %d failed, %.1f%% (%s)", suite, result.rows, result.failed_rows,
                    100 * result.failed_share,
                    "passed" if result.passed else "FAILED")
        return kept

    # The shard runner is entered first, so worker processes start and load the model while this
    # process ingests and cleans, and left right after extraction, so they do not hold their
    # models through the rest of the run.
    runner = runner_scope.enter_context(open_shard_runner(p.workers, p.dask_address, p.model))
    warm_ups = []
    if p.full_refresh:
        logger.info("full refresh: removed tables %s", clear_tables(output))
        io.clear_checkpoints(output)
    files = read_inputs(p.inputs, p.max_document_bytes)
    known = read_known_documents(output)
    read_seconds = clock.lap()
    ingested, bad, file_outcomes = ingest_documents(files, known, p.max_document_bytes)
    hold("ingest", bad)
    counts.append(StageCount("read", len(files), file_outcomes["with_articles"], file_outcomes["quarantined"],
                             unit="files", seconds=read_seconds))
    counts.append(StageCount("ingest", ingested.height + bad.height, ingested.height, bad.height, unit="records",
                             seconds=clock.lap()))
    records_in = ingested.height + bad.height
    ingested = gate("ingested", "ingest", ingested, "record", "body", "documents")
    if (p.workers > 1 or p.dask_address) and not ingested["doc_id"].is_in(known["doc_id"]).all():
        # One per worker: each submit starts a process of the pool.
        warm_ups = [runner.submit(prepare_worker, {"model": p.model}) for _ in range(p.workers)]
    done(0.1)

    documents, bad, already_written = clean(ingested, known)
    hold("clean", bad)
    counts.append(StageCount("clean", ingested.height, documents.height, bad.height, already_written,
                             seconds=clock.lap()))
    io.crash_point("after:clean")
    documents = language_stage(documents, p.languages)
    counts.append(StageCount("language", documents.height, documents.height, seconds=clock.lap()))
    # Only new documents are compared with earlier ones: with none, nothing is read or hashed.
    earlier = read_known_texts(output) if documents.height and known.height else \
        pl.DataFrame(schema={"doc_id": pl.String, "text": pl.String})
    documents = near_duplicates_stage(documents, earlier, p.near_duplicate_threshold)
    counts.append(StageCount("near-duplicates", documents.height, documents.height, seconds=clock.lap()))
    documents = gate("documents", "clean", documents, "document", "text", "documents")
    done(0.2)

    if all(g.passed for g in gates):
        unread = pl.col("flags").list.contains("not_extracted_language")
        to_extract = documents.filter(~unread)
        shards = shards_of(to_extract["doc_id"].to_list(), to_extract["text"].to_list(), p.shard_size)
        outcomes = extract_shards(shards, p.model, runner, str(output.resolve()),
                                  progress, (0.2, 0.6))
        for warm_up in warm_ups:  # finished long ago; a worker that failed to start fails its shards
            warm_up.wait()
        runner_scope.close()
        failed_docs = [quarantine_row(stage="extract", record_kind="document", reason="shard_failed",
                                      detail=outcome, doc_id=doc_id)
                       for (ids, _), outcome in zip(shards, outcomes, strict=True) if isinstance(outcome, str)
                       for doc_id in ids]
        extracted = [outcome for outcome in outcomes if not isinstance(outcome, str)]
        failed_docs += [quarantine_row(stage="extract", record_kind="document", reason="extraction_error",
                                       detail=detail, doc_id=doc_id)
                        for _, _, failures in extracted for doc_id, detail in failures.iter_rows()]
        entities = pl.concat([e for e, _, _ in extracted]) if extracted else frame([], ENTITIES)
        numbers = pl.concat([n for _, n, _ in extracted]) if extracted else frame([], NUMBERS)
        if failed_docs:
            logger.error("%d documents failed extraction and are quarantined", len(failed_docs))
            hold("extract", quarantine_frame(failed_docs))
            documents = documents.filter(~pl.col("doc_id").is_in([q["doc_id"] for q in failed_docs]))
        counts.append(StageCount("extract", documents.height + len(failed_docs), to_extract.height - len(failed_docs),
                                 len(failed_docs), documents.height + len(failed_docs) - to_extract.height,
                                 seconds=clock.lap()))
        known_entities = read_known_entities(output)
        entities = link_stage(entities, known_entities[0])
        counts.append(StageCount("entities", documents.height, entities.height, unit="mentions",
                                 seconds=clock.lap()))
        entities = gate("entities", "entities", with_span_check(entities, documents, "text"),
                        "entity", "text", "mentions")
        catalog, entities, mention_total = catalog_stage(entities, documents, known_entities)
        counts.append(StageCount("entity-catalog", mention_total, catalog.height, unit="entities", seconds=clock.lap()))
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
    # The rows the quarantine suite failed (the gate held them last) are written as rows that say
    # so, never dropped.
    quarantine = pl.concat([quarantine, quarantined[-1].with_columns(run_id=pl.lit(run_id))])
    held_back = documents.height if any(not g.passed for g in gates) else 0
    overall = StageCount("overall", records_in, documents.height - held_back,
                         quarantine.filter(pl.col("record_kind").is_in(["file", "record", "document"])).height,
                         already_written + held_back, unit="records")
    accounting = accounting_frame([*counts, overall])
    _, _, accounting_gate = quality_gate.with_options(name="validate-run-manifest")(
        validator, "run_manifest", "write", accounting, 0.0, "record", "stage")
    gates.append(accounting_gate)
    if not accounting_gate.passed:
        emit_gate_failed(accounting_gate, run_id, p.output_dir, records)
    counts.append(StageCount("validate-run_manifest", accounting.height, accounting.height, unit="rows",
                             seconds=clock.lap()))
    failed = [g for g in gates if not g.passed]
    tables = {"quarantine": quarantine}
    if not failed:
        tables |= {"entities": entities, "numbers": numbers,
                   "documents": documents.with_columns(run_id=pl.lit(run_id))}
    if not failed and (entities.height or not io.table_exists(output, "entity_catalog")):
        tables["entity_catalog"] = catalog  # rebuilt from every mention; unchanged when none is new
    written = write_tables(output, run_id, tables)
    counts.append(StageCount("write", sum(t.height for t in tables.values()), sum(written.values()),
                             skipped=sum(t.height for t in tables.values()) - sum(written.values()),
                             unit="rows", seconds=clock.lap()))

    manifest = {
        "run_id": run_id,
        "flow_run_id": str(flow_run.id) if flow_run.id else None,
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        **asdict(p),
        "files": len(files),
        "stages": [c.as_dict() for c in counts],
        "accounting": overall.as_dict() | {"held_back": held_back, "already_written": already_written},
        "rows_written": written,
        "rows_total": {name: io.read_table(output, name, [io.PRIMARY_KEYS[name][0]]).height for name in io.TABLES},
        "quarantine_reasons": dict(sorted(
            quarantine.group_by("reason").len().iter_rows(), key=lambda kv: -kv[1])),
        "flags": dict(sorted(documents.select(pl.col("flags").explode().drop_nulls()).to_series()
                             .value_counts().iter_rows(), key=lambda kv: -kv[1])) if documents.height else {},
        "gates": [g.summary() for g in gates],
        "data_docs": str(records / "data_docs" / "index.html"),
        "report": str(records / "report.html"),
        "run_dir": str(records),
        "status": "failed" if failed else "completed",
    }
    manifest["conserved"] = accounting_gate.passed
    try:
        write_run_report(output, manifest)
        manifest["report_written"] = True
    except Exception as exc:  # noqa: BLE001 - the tables are written; a chart must not fail the run
        logger.error("the run report could not be written: %s", exc)
        manifest["report_written"] = False
    write_run_records(records, manifest, gates, validator)
    if not failed:
        io.clear_checkpoints(output)  # every shard's mentions are in the tables now
    publish_artifacts(manifest)
    done(1.0)
    if failed:
        raise QualityGateError("; ".join(g.message() for g in failed) + f" (details: {records})")
    return manifest


def accounting_frame(counts: list[StageCount]) -> pl.DataFrame:
    """The stages that pass files, records or documents on, as rows of the `run_manifest` suite."""
    return frame([{"stage": c.stage, "unit": c.unit, "in": c.rows_in, "out": c.rows_out,
                   "quarantined": c.quarantined, "skipped": c.skipped, "unaccounted": c.unaccounted}
                  for c in counts if c.accountable], STAGE_COUNTS)
