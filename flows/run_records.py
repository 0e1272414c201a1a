"""What a run leaves beside its tables and in the Prefect UI: its manifest and Data Docs, each gate's
result, the run report, the artifacts and progress."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from flows.progress import emit
from flows.steps import io_task
from flows.summary import markdown_summary, stage_table
from flows.tally import RunTally
from tasks import io
from tasks.io import state as stored
from tasks.pipeline.runner import BatchOutcome


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


def write_validation_results(records: Path, outcome: BatchOutcome) -> None:
    """Each gate's Great Expectations result of the batch, as JSON in the run's records; then
    dropped from memory."""
    for gate in outcome.gates:
        io.write_json(records / "validation" / f"batch-{outcome.number:05d}" / f"{gate.suite}.json", gate.result)
        gate.result = {}


def report_progress(progress, tally: RunTally, done: int, total: int) -> None:
    """Progress and the batch table in the Prefect UI after each commit."""
    share = min(done / total, 1.0) if total else 1.0
    update_progress_artifact(progress, round(100 * share, 1))
    emit("stage", share=share)
    create_table_artifact(tally.batches, key="news-pipeline-batches",
                          description="Batches of the latest run: files, records, documents written, seconds, peak RSS")
