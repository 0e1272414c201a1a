"""The news pipeline flow: inputs planned into batches as they are found, each batch through the
declared pipeline (`tasks.pipeline.declaration.PIPELINE`, run by `tasks.pipeline.runner` with each
step a Prefect task, `flows.steps`) and committed at once.

Deployable as `flows/news_pipeline.py:news_pipeline`; its parameters are the fields of
`tasks.config.RunConfig`. Memory depends on the batch size and the model, not on the input or on
what earlier runs wrote: a run reads key columns and stored state (`tasks.io.state`), never the
tables' history. A run that is stopped loses at most the batch it was working on; the next run
skips the files committed batches read, unread.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import itertools
import resource
import time
from dataclasses import dataclass, field
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

from flows.alerts import emit_gate_failed, emit_run_completed, emit_run_failed
from flows.progress import emit
from flows.steps import task_runner
from flows.summary import markdown_summary, stage_table
from tasks import io
from tasks.config import RunConfig, flow_docstring, flow_signature
from tasks.errors import BatchFailedError, QualityGateError
from tasks.io import state as stored
from tasks.io.inputs import SliceIndex
from tasks.pipeline.declaration import PIPELINE, RUN_STEPS
from tasks.pipeline.runner import BatchOutcome, StageCount, peak_rss_mib
from tasks.schemas import (
    PARTITIONED_TABLES,
    REBUILT_TABLES,
    TABLES,
    with_published_month,
)

# No task caches: stage outputs are in-memory frames, and hashing them buys nothing. Only I/O retries.
io_task = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 4])


# --- I/O tasks -------------------------------------------------------------------------------

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


@task(name="fetch_news", cache_policy=NO_CACHE)
def fetch_news(output: Path, run_id: str, urls: list[str], feeds: list[str], feed_files: list,
               settings) -> "FetchResult":  # noqa: F821 - imported when fetching
    """The URLs given as inputs, the feeds listed and the pages of feed items without their full
    content, fetched into the output's `_fetched/` WARCs (`tasks.io.fetch`)."""
    from tasks.ingest import feeds as feed_reader
    from tasks.io.fetch import fetch_news as fetch

    result = fetch(output, run_id, urls=urls, feeds=feeds, feed_files=feed_files, settings=settings,
                   feed_reader=feed_reader)
    get_run_logger().info("fetched %s", ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in result.counts.items()))
    return result


def fetch_inputs(config: RunConfig, output: Path, run_id: str):
    """(what the run reads, how many entries that is, what was fetched): the inputs that are not
    URLs to fetch, and every WARC a fetch wrote into the output (this run's and earlier ones',
    whose committed slices the input ledger skips). The inputs are walked once here, for their
    count (progress) and their feed files (whose teaser items' pages are fetched)."""
    from tasks.ingest.feeds import is_feed_file
    from tasks.io.fetch import (
        FetchResult,
        FetchSettings,
        fetched_warcs,
        is_http,
        read_feed_list,
    )

    local = [path for path in config.inputs if not is_http(path)]
    urls = [path for path in config.inputs if is_http(path)]
    feeds = read_feed_list(config.feeds) if config.feeds else []
    walked, feed_files = 0, []
    for entry in io.iter_inputs(local, [output]):
        walked += 1
        if isinstance(entry, (Path, io.StoredObject)) and is_feed_file(io.display_path(entry)):
            feed_files.append(entry)
    result = FetchResult()
    if urls or feeds or feed_files:
        settings = FetchSettings(timeout=config.fetch_timeout, host_delay=config.fetch_delay,
                                 max_pages=config.max_pages)
        result = fetch_news(output, run_id, urls, feeds, feed_files, settings)
    warcs = [io.location(path) for path in fetched_warcs(output)]
    return local + warcs, walked + len(warcs) + len(result.failures), result


@io_task(name="write_run_records")
def write_run_records(directory: Path, manifest: dict, validator) -> Path:
    """The run's manifest and its Data Docs (every gate of every batch)."""
    if validator is not None:
        validator.build_docs()
        if io.is_remote(directory):  # Great Expectations builds them in a local folder
            io.upload_tree(validator.docs_dir, directory / "data_docs")
    return io.write_json(directory / "manifest.json", manifest)


@io_task(name="write_run_report")
def write_run_report(output_dir: Path, manifest: dict, catalog: pl.DataFrame, aggregates: dict) -> Path:
    """The run report (`_runs/<run_id>/report.html`), and a copy as `report.html` beside the tables
    for whoever opens the output folder: the latest run's. Built from stored aggregates only."""
    from tasks.report import render_reports, timeline_entities

    columns = catalog.select("entity_id", "canonical_name", "label", "mention_count", "feature_class", "latitude",
                             "longitude")
    dates = stored.read_entity_dates(output_dir, timeline_entities(columns)["entity_id"].to_list())
    page = io.run_dir(output_dir, manifest["run_id"]) / "report.html"
    pages = render_reports(manifest, columns, dates, aggregates,
                           ["data_docs/index.html", f"{io.RUNS_DIR}/{manifest['run_id']}/data_docs/index.html"])
    io.write_text(page, pages[0])
    io.write_text(output_dir / "report.html", pages[1])
    return page


@io_task(name="clear_dataset")
def clear_dataset(output_dir: Path) -> list[str]:
    """Every table and all run state removed (the per-run records in `_runs/` stay), for a full refresh."""
    return io.clear_dataset(output_dir)


@io_task(name="publish_artifacts")
def publish_artifacts(manifest: dict) -> None:
    """The run's summary, per-stage table and Data Docs link in the Prefect UI, under stable keys
    so the UI shows each one's history across runs."""
    create_markdown_artifact(markdown_summary(manifest), key="news-pipeline-summary",
                             description="Documents, rows per table, quarantine reasons and quality gates")
    create_table_artifact(stage_table(manifest), key="news-pipeline-stages",
                          description="Rows in, out, quarantined and skipped per stage, with seconds")
    if manifest.get("data_docs"):
        create_link_artifact(_link(manifest["data_docs"]), link_text="Great Expectations Data Docs",
                             key="news-pipeline-data-docs", description=f"Data Docs of run {manifest['run_id']}")
    if manifest.get("report_written"):
        create_link_artifact(_link(manifest["report"]), link_text="Run report",
                             key="news-pipeline-report",
                             description=f"Run {manifest['run_id']}: counts, entities, numbers and charts")


def _link(path: str) -> str:
    """A manifest's path as a link: `file://...` for a local file, the object store's URL as it is."""
    return path if io.is_url(path) else Path(path).resolve().as_uri()


# --- the flow --------------------------------------------------------------------------------

def _run_name() -> str:
    feeds = flow_run.parameters.get("feeds")
    inputs = flow_run.parameters.get("inputs") or ([feeds] if feeds else ["seeds"])
    label = Path(str(inputs[0])).name or "input"
    if len(inputs) > 1:
        label += f"+{len(inputs) - 1}"
    return f"news-pipeline/{label}/{dt.datetime.now(dt.UTC):%Y-%m-%d}"


def _run_id() -> str:
    flow_run_id = str(flow_run.id or "local")
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{flow_run_id[:8]}"


def news_pipeline(**parameters) -> dict:
    config = RunConfig.of(**parameters)
    run_id = _run_id()
    try:
        with io.output_lock(io.output_root(config.output_dir), run_id):
            if not config.full_refresh:  # a full refresh rebuilds the tables under the current contract
                io.check_contract(io.output_root(config.output_dir))
            manifest = _run(config, run_id)
    except Exception as exc:
        emit_run_failed(run_id, config.output_dir, exc)
        raise
    emit_run_completed(manifest)
    return manifest


# The flow's parameters are RunConfig's fields: signature, types, defaults and the descriptions
# the Prefect UI shows are all derived from it.
news_pipeline.__signature__ = flow_signature()
news_pipeline.__doc__ = flow_docstring(
    "Extract documents, entities and numbers from news articles into validated Parquet tables, in batches.",
    "Returns the run manifest: counts per stage and batch, rows written per table, gate results, paths.\n"
    "Emits `newsfacts.gate.failed` per failed gate and `newsfacts.run.failed` or `newsfacts.run.completed`\n"
    "(Prefect events, resource `newsfacts.dataset.<output path>`). Raises OutputLockedError when another\n"
    "run is writing to `output_dir`, SchemaVersionError when its tables were written under a schema this\n"
    "pipeline cannot append to (`newsfacts migrate`), QualityGateError when a batch fails a gate.")
news_pipeline = flow(name="news-pipeline", flow_run_name=_run_name, log_prints=False)(news_pipeline)


@dataclass
class RunTally:
    """The run's counts, added up batch by batch (nothing of a batch is kept once it is committed)."""

    stages: dict[str, StageCount] = field(default_factory=dict)
    overall: StageCount = field(default_factory=lambda: StageCount("overall", 0, 0, unit="records"))
    held_back: int = 0
    already_written: int = 0
    rows_written: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    gates: dict[str, dict] = field(default_factory=dict)
    batches: list[dict] = field(default_factory=list)
    failed: list = field(default_factory=list)
    failed_batches: list[dict] = field(default_factory=list)
    #: Batches processed again because a batch committed after they read the run state changed it.
    reprocessed: int = 0

    def add_failure(self, batch: io.Batch, error: str) -> None:
        """A batch that could not be processed: nothing of it is written, its files are read again
        next run."""
        entry = {"batch": batch.number, "status": "failed", "files": len(batch.entries), "records": batch.records,
                 "documents_written": 0, "quarantined": 0, "error": error}
        self.batches.append(entry)
        self.failed_batches.append(entry)
        # Held back, like a batch that fails a gate: read again by the next run.
        self.overall = self.overall.plus(StageCount("overall", batch.records, 0, skipped=batch.records,
                                                    unit="records"))
        self.held_back += batch.records

    def add(self, outcome: BatchOutcome, record: dict) -> None:
        for count in outcome.counts:
            self.stages[count.stage] = self.stages[count.stage].plus(count) if count.stage in self.stages else count
        self.overall = self.overall.plus(outcome.overall)
        self.held_back += outcome.held_back
        self.already_written += outcome.already_written
        for table, rows in record["rows_written"].items():
            # A rebuilt table (the catalog) is written whole: its rows are the last write's.
            self.rows_written[table] = rows if table in REBUILT_TABLES else self.rows_written.get(table, 0) + rows
        for reason, rows in outcome.quarantine.group_by("reason").len().iter_rows():
            self.reasons[reason] = self.reasons.get(reason, 0) + rows
        documents = outcome.values.get("documents")
        if outcome.passed and documents is not None and documents.height:
            for flag, rows in documents.select(pl.col("flags").explode().drop_nulls()).to_series() \
                    .value_counts().iter_rows():
                self.flags[flag] = self.flags.get(flag, 0) + rows
        for gate in outcome.gates:
            self._add_gate(gate)
        self.failed += [g for g in outcome.gates if not g.passed]
        self.batches.append({
            "batch": outcome.number, "status": "written" if outcome.passed else "failed",
            "files": outcome.counts[0].rows_in if outcome.counts else 0, "records": outcome.overall.rows_in,
            "documents_written": outcome.overall.rows_out,
            "quarantined": record["rows_written"].get("quarantine", 0), "seconds": round(outcome.seconds, 3),
            "rss_mib": round(_rss_mib(), 1), "peak_rss_mib": round(peak_rss_mib(), 1)})

    def _add_gate(self, gate) -> None:
        total = self.gates.setdefault(gate.suite, {
            "suite": gate.suite, "stage": gate.stage, "passed": True, "rows": 0, "failed_rows": 0,
            "documents": None, "failed_documents": None, "max_failed_share": gate.max_failed_share,
            "failed_expectations": {}, "batches": 0, "failed_batches": []})
        total["rows"] += gate.rows
        total["failed_rows"] += gate.failed_rows
        if gate.documents is not None:
            total["documents"] = (total["documents"] or 0) + gate.documents
            total["failed_documents"] = (total["failed_documents"] or 0) + gate.failed_documents
        for name, rows in gate.failed_expectations.items():
            total["failed_expectations"][name] = total["failed_expectations"].get(name, 0) + rows
        total["batches"] += 1
        if not gate.passed:
            total["passed"] = False
            total["failed_batches"].append(gate.batch)
        failing = total["failed_documents"] if total["documents"] is not None else total["failed_rows"]
        basis = total["documents"] if total["documents"] is not None else total["rows"]
        total["failed_share"] = round(failing / basis, 6) if basis else 0.0


def load_libraries() -> None:
    """Import now what a run with something to read imports on its way (Great Expectations, spaCy,
    the gazetteer, the near-duplicate and chart libraries): `newsfacts run` does it while the local
    Prefect server starts, instead of after."""
    import great_expectations  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")  # as the report draws: no display
    import matplotlib.pyplot  # noqa: F401

    import tasks.documents.near_duplicates  # noqa: F401
    import tasks.entities.canonical  # noqa: F401
    import tasks.report  # noqa: F401
    from tasks.entities.gazetteer import place_index

    place_index()


def release_memory() -> None:
    """What the finished batch freed, handed back to the operating system: collected, then the C
    heap trimmed (glibc keeps freed pages otherwise, and the next batch's peak would start above
    this one's)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _rss_mib() -> float:
    """This process's resident set size now (where /proc is; else its peak)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return peak_rss_mib()


def _run(config: RunConfig, run_id: str) -> dict:
    """The run, while holding the output directory's lock: batches until the inputs are done or
    one fails a gate, then the run's records."""
    logger = get_run_logger()
    output = io.output_root(config.output_dir)
    records = io.run_dir(output, run_id)
    started = dt.datetime.now(dt.UTC)
    if config.full_refresh:
        logger.info("full refresh: removed %s", clear_dataset(output))
    # Written first: tables never appear without their run's record; when even this cannot be
    # written (a full disk) nothing is published. The full manifest replaces it.
    io.write_json(records / "manifest.json", {"run_id": run_id, "status": "running", "started_at": started.isoformat(),
                                              **config.as_parameters()})
    inputs, total, fetched = fetch_inputs(config, output, run_id)
    plan = io.BatchPlan(inputs, stored.read_ledger(output), config.batch_size, fetched.failures,
                        SliceIndex(output), outputs=[output])
    emit("plan", files=total)
    progress = create_progress_artifact(0.0, key="news-pipeline-progress",
                                        description="Share of the run's input files done")
    tally, state, validator, aggregates = RunTally(), None, None, None
    with contextlib.ExitStack() as scope:
        batches = iter(plan)
        first = next(batches, None)
        if first is not None:  # a run with nothing new loads no model, validator or worker
            state, validator, runner, batch_runner, window = _start(config, run_id, records, scope, first)
            processed = ProcessedBatches(config, run_id, state, batch_runner, window, logger)
            for batch, outcome in processed.run(itertools.chain([first], batches)):
                emit("batch", number=batch.number, files=len(batch.entries), records=batch.records)
                if isinstance(outcome, str):
                    tally.add_failure(batch, outcome)
                    break
                if batch_runner is not None:
                    _announce(outcome)
                outcome.values.pop("extraction", None)  # kept for a batch processed again, no longer
                runner.resume_batch(outcome, {"entity_catalog": state.catalog})
                runner.run_steps(outcome, RUN_STEPS)
                runner.finish_batch(outcome)
                clock = time.perf_counter()
                record = _commit(config, run_id, state, batch, outcome)
                processed.committed(record["sequence"], outcome)
                staged, written = sum(record["rows_staged"].values()), sum(record["rows_written"].values())
                # Rows staged but not written: quarantine rows an earlier run already holds.
                outcome.counts.append(StageCount("commit_batch", staged, written, skipped=staged - written,
                                                 unit="rows", seconds=time.perf_counter() - clock,
                                                 peak_rss_mib=peak_rss_mib()))
                aggregates = record["aggregates"]
                tally.add(outcome, record)
                _write_validation_results(records, outcome)
                _report_batch(progress, tally, plan.entries, total)
                if not outcome.passed:
                    break
                del outcome, record  # the next batch must not find this one's frames still held
                release_memory()
            tally.reprocessed = processed.reprocessed
    manifest = _manifest(config, run_id, started, plan, tally, state, records, validator) | {"fetch": fetched.counts}
    if state is not None:
        try:
            write_run_report(output, manifest, state.catalog, aggregates or {})  # {}: no batch passed
            manifest["report_written"] = True
        except Exception as exc:  # noqa: BLE001 - the tables are written; a chart must not fail the run
            logger.error("the run report could not be written: %s", exc)
            manifest["report_written"] = False
    write_run_records(records, manifest, validator)
    publish_artifacts(manifest)
    update_progress_artifact(progress, 100.0)
    emit("stage", share=1.0)
    if tally.failed:
        raise QualityGateError("; ".join(g.message() for g in tally.failed) + f" (details: {records})")
    if tally.failed_batches:
        raise BatchFailedError("; ".join(f"batch {b['batch']} failed: {b['error']}" for b in tally.failed_batches)
                               + "; the batches before it are committed, and a rerun goes on from there"
                               + f" (details: {records})")
    return manifest


def _start(config: RunConfig, run_id: str, records: Path, scope: contextlib.ExitStack, first: io.Batch):
    """What the first batch needs: the run state, the validator, the runner, and the task runner
    batches go to (worker processes start and load the model while the run state is read) with
    how many batches run at once. When batches run here and the `first` has shards enough, its
    extraction processes start now too, loading the model while this process gets ready."""
    from flows.batches import open_batch_runner
    from tasks.validation import Validator

    batch_runner, window = scope.enter_context(open_batch_runner(config.workers, config.dask_address, config.model))
    if batch_runner is None:  # batches run here: their shards may go to extraction processes
        from flows.shards import default_processes, extraction_processes

        pool = scope.enter_context(extraction_processes(config.extract_processes or default_processes(),
                                                        config.model))
        if pool is not None:
            pool.warm(-(-first.records // config.shard_size))
    output = io.output_root(config.output_dir)
    state = read_run_state(output, config.near_duplicate_threshold)
    if needs_state_built(output, state):
        state.last = build_run_state(output, state.store, config.near_duplicate_threshold, state.last)
        state.sequence = state.last["sequence"]
    # On an object store, Data Docs are built in a local folder and uploaded with the run's records.
    validator = Validator(docs_dir=io.local_folder("newsfacts-data-docs-") if io.is_remote(records)
                          else records / "data_docs")
    if batch_runner is None:
        from flows.batches import share_validator

        scope.enter_context(share_validator(validator))
    runner = task_runner(config, validator, run_id, logger=get_run_logger(),
                    on_gate_failed=lambda gate: emit_gate_failed(gate, run_id, config.output_dir, records))
    return state, validator, runner, batch_runner, window


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
        from flows.batches import written_keys

        if self.window > 1:  # one batch at a time never reads the state before the last commit
            self.history.append((sequence, written_keys(outcome)))

    def _submit(self, batch: io.Batch, extracted=None):
        from flows.batches import process_batch

        if self.batch_runner is None:
            return batch, None, None  # processed here when its turn comes
        future = self.batch_runner.submit(process_batch, {"number": batch.number, "entries": batch.entries,
                                                          "config": self.config, "run_id": self.run_id,
                                                          "extracted": extracted})
        return batch, self.state.sequence, future

    def _resolve(self, batch: io.Batch, snapshot: int | None, future):
        from flows.batches import conflict, process_batch

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


def _announce(outcome: BatchOutcome) -> None:
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


def _commit(config: RunConfig, run_id: str, state: RunState, batch: io.Batch, outcome: BatchOutcome) -> dict:
    """The batch committed (its quarantine only, when it failed a gate), and the run state extended."""
    from flows.batches import batch_staging_name
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
        aggregates = merge_aggregates(aggregates, batch_aggregates(documents, values["numbers"], values["events"]))
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


def _write_validation_results(records: Path, outcome: BatchOutcome) -> None:
    """Each gate's Great Expectations result of the batch, as JSON in the run's records; then
    dropped from memory."""
    for gate in outcome.gates:
        io.write_json(records / "validation" / f"batch-{outcome.number:05d}" / f"{gate.suite}.json", gate.result)
        gate.result = {}


def _report_batch(progress, tally: RunTally, done: int, total: int) -> None:
    """Progress and the batch table in the Prefect UI after each commit."""
    share = min(done / total, 1.0) if total else 1.0
    update_progress_artifact(progress, round(100 * share, 1))
    emit("stage", share=share)
    create_table_artifact(tally.batches, key="news-pipeline-batches",
                          description="Batches of the latest run: files, records, documents written, seconds, peak RSS")


def _manifest(config: RunConfig, run_id: str, started: dt.datetime, plan: io.BatchPlan, tally: RunTally,
              state: RunState | None, records: Path, validator) -> dict:
    """The run's record, from its tally and the last commit's running totals."""
    order = [step.name for step in PIPELINE]
    stages = sorted(tally.stages.values(), key=lambda c: (order.index(c.stage) if c.stage in order else len(order)))
    overall = tally.overall
    accounting = {k: v for k, v in overall.as_dict().items() if k != "peak_rss_mib"} | {
        "held_back": tally.held_back, "already_written": tally.already_written}
    totals = (state.last or {}).get("rows_total") if state is not None else None
    return {
        "run_id": run_id,
        "flow_run_id": str(flow_run.id) if flow_run.id else None,
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        **config.as_parameters(),
        "files": plan.entries,
        "files_unchanged": plan.unchanged,
        "skipped_folders": plan.skipped_folders,
        "batches": tally.batches,
        "stages": [c.as_dict() for c in stages],
        "accounting": accounting,
        "rows_written": {t: tally.rows_written.get(t, 0) for t in TABLES},
        "rows_total": totals or stored.rows_total(io.output_root(config.output_dir)),
        "quarantine_reasons": dict(sorted(tally.reasons.items(), key=lambda kv: -kv[1])),
        "flags": dict(sorted(tally.flags.items(), key=lambda kv: -kv[1])),
        "gates": list(tally.gates.values()),
        "data_docs": str(records / "data_docs" / "index.html") if validator is not None else None,
        "report": str(records / "report.html"),
        "run_dir": str(records),
        "status": "failed" if tally.failed or tally.failed_batches else "completed",
        "reprocessed_batches": tally.reprocessed,
        "conserved": all(s.unaccounted == 0 for s in stages) and overall.unaccounted == 0,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
