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

import contextlib
import datetime as dt
import itertools
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.runtime import flow_run

from flows.alerts import emit_gate_failed, emit_run_completed, emit_run_failed
from flows.commits import commit
from flows.fetching import fetch_inputs
from flows.progress import emit
from flows.resources import release_memory
from flows.run_records import (
    publish_artifacts,
    report_progress,
    write_run_records,
    write_run_report,
    write_validation_results,
)
from flows.run_state import build_run_state, clear_dataset, needs_state_built, read_run_state
from flows.steps import task_runner
from flows.tally import RunTally, run_manifest
from tasks import io
from tasks.config import RunConfig, flow_docstring, flow_signature
from tasks.errors import BatchFailedError, QualityGateError
from tasks.io import state as stored
from tasks.io.inputs import SliceIndex
from tasks.pipeline.declaration import RUN_STEPS


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
            from flows.batches import ProcessedBatches, announce

            state, validator, runner, batch_runner, window = _start(config, run_id, records, scope, first)
            processed = ProcessedBatches(config, run_id, state, batch_runner, window, logger)
            for batch, outcome in processed.run(itertools.chain([first], batches)):
                emit("batch", number=batch.number, files=len(batch.entries), records=batch.records)
                if isinstance(outcome, str):
                    tally.add_failure(batch, outcome)
                    break
                if batch_runner is not None:
                    announce(outcome)
                outcome.values.pop("extraction", None)  # kept for a batch processed again, no longer
                runner.resume_batch(outcome, {"entity_catalog": state.catalog})
                runner.run_steps(outcome, RUN_STEPS)
                runner.finish_batch(outcome)
                record = commit(config, run_id, state, batch, outcome)
                processed.committed(record["sequence"], outcome)
                aggregates = record["aggregates"]
                tally.add(outcome, record)
                write_validation_results(records, outcome)
                report_progress(progress, tally, plan.entries, total)
                if not outcome.passed:
                    break
                del outcome, record  # the next batch must not find this one's frames still held
                release_memory(freeze=window == 1)
            tally.reprocessed = processed.reprocessed
    manifest = run_manifest(config, run_id, started, plan, tally, state, records, validator) | {"fetch": fetched.counts}
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
