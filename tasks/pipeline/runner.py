"""The one runner of the declared pipeline (`tasks.pipeline.declaration.PIPELINE`): any slice of
it on a batch's values, `Runner.run(steps, values)`.

It hands each stage the batch values and settings it declares, times it, counts its rows in,
out, quarantined and skipped, names the rows it quarantined after it, and runs the quality gates;
the batch's accounting is derived from those counts and validated by the `stage_counts` suite.
No stage counts or keeps anything itself. It needs no Prefect: the flow hands it `call`, which
runs each step as a Prefect task named after it, and `emit`, which reports progress.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tasks.config import RunConfig
from tasks.pipeline.declaration import ACCOUNTING_GATE, PIPELINE, QUARANTINE_GATE, RECORDS_STAGE, SKIPPING_STAGE
from tasks.pipeline.step import Gate, Out, Stage
from tasks.quarantine import quarantine_frame, with_stage
from tasks.schemas import STAGE_COUNTS, frame

#: (step name, function, retries, arguments) -> what the function returns: how a step is called.
Call = Callable[[str, Callable, int, dict], Any]

#: Units a stage passes on one for one, so that in = out + quarantined + skipped must hold.
ACCOUNTED_UNITS = ("files", "records", "documents")
#: Quarantined record kinds that are input records (not mentions or catalog rows).
RECORD_KINDS_IN = ("file", "record", "document")


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
    #: The process's peak RSS once the stage is done: where a run's peak memory is reached.
    peak_rss_mib: float = 0.0

    @property
    def accountable(self) -> bool:
        """Whether this stage passes every unit on (files, records, documents), rather than turning
        documents into mentions or rows, where in and out are different things."""
        return self.unit in ACCOUNTED_UNITS

    @property
    def unaccounted(self) -> int:
        return self.rows_in - self.rows_out - self.quarantined - self.skipped if self.accountable else 0

    def plus(self, other: StageCount) -> StageCount:
        return StageCount(self.stage, self.rows_in + other.rows_in, self.rows_out + other.rows_out,
                          self.quarantined + other.quarantined, self.skipped + other.skipped, self.unit,
                          self.seconds + other.seconds, max(self.peak_rss_mib, other.peak_rss_mib))

    def as_dict(self) -> dict:
        return {"stage": self.stage, "unit": self.unit, "in": self.rows_in, "out": self.rows_out,
                "quarantined": self.quarantined, "skipped": self.skipped, "conserved": self.unaccounted == 0,
                "seconds": round(self.seconds, 3), "peak_rss_mib": round(self.peak_rss_mib, 1)}


@dataclass
class BatchOutcome:
    """What one batch gave: its values (frames), counts, gate results and quarantine."""

    number: int
    values: dict[str, Any]
    counts: list[StageCount] = field(default_factory=list)
    gates: list = field(default_factory=list)
    quarantine: pl.DataFrame | None = None
    overall: StageCount | None = None
    held_back: int = 0
    already_written: int = 0
    seconds: float = 0.0
    #: Quarantined rows of the steps run so far, until `finish_batch` gathers them.
    held: list[pl.DataFrame] = field(default_factory=list)
    #: Great Expectations results of the gates a worker ran, for the flow's Data Docs.
    validation_results: list = field(default_factory=list)
    #: Run state the batch looked up, by kind (see `flows.batches`), to tell whether a batch
    #: committed since would have changed what it found.
    reads: dict[str, set] = field(default_factory=dict)
    #: Tables the process that ran the batch staged for its commit: table -> (rows staged, written).
    staged: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _size(value: Any) -> int:
    return value.height if isinstance(value, pl.DataFrame) else len(value)


def call_directly(name: str, fn: Callable, retries: int, arguments: dict) -> Any:
    """A step called in this process as a plain function (no Prefect)."""
    return fn(**arguments)


def _no_events(event: str, **data) -> None:
    """Progress reported to nobody."""


def validate(validator, gate: Gate, rows: pl.DataFrame, max_failed_share: float, parameters: dict | None):
    """(rows that passed, quarantine of the rows that failed, the gate's result) for one suite."""
    from tasks.validation import split_failures

    result, failures = validator.validate(gate.suite, rows, parameters)
    result.stage, result.max_failed_share = gate.name, max_failed_share
    kept, quarantined = split_failures(rows, failures, record_kind=gate.record_kind, excerpt_column=gate.excerpt)
    return kept, quarantined, result


class Runner:
    """Runs steps of PIPELINE on batches with one configuration, one validator and one run id:
    `run(steps, values)` for any slice; a run's batch goes `start_batch`, `run_steps` (the
    BATCH_STEPS in the process running the batch), `resume_batch` and `run_steps` (the RUN_STEPS in
    the flow), then `finish_batch`. Without a validator the gates are not run (nothing is checked,
    nothing quarantined by a suite)."""

    def __init__(self, config: RunConfig, validator=None, run_id: str = "", on_gate_failed=None, logger=None,
                 call: Call = call_directly, emit: Callable[..., None] = _no_events):
        self.config, self.validator, self.run_id = config, validator, run_id
        self.on_gate_failed, self.logger = on_gate_failed, logger
        self.call, self.emit = call, emit

    def run(self, steps: Sequence[Stage | Gate], values: dict[str, Any]) -> BatchOutcome:
        """The `steps` (a slice of PIPELINE, `steps_between`) on `values`: the outcome holds every
        value they gave, their counts and the rows they quarantined (`held`)."""
        return self.run_steps(self.start_batch(0, values), steps)

    def start_batch(self, number: int, values: dict[str, Any]) -> BatchOutcome:
        """A batch about to run its first step."""
        if self.validator is not None:
            self.validator.forget_results()  # the previous batch passed (or the run would have stopped)
        return BatchOutcome(number, dict(values))

    def resume_batch(self, outcome: BatchOutcome, values: dict[str, Any]) -> BatchOutcome:
        """A batch another runner started (in a worker), continued here with the run's `values`;
        the worker's gate results join this runner's Data Docs, and its failed gates are announced."""
        if outcome.validation_results is not None:  # else they are in this validator already
            self.validator.forget_results()
            self.validator.add_results(outcome.validation_results)
        outcome.validation_results = []
        outcome.values.update(values)
        if self.on_gate_failed is not None:  # announced by the flow, whose run the event names
            for gate in outcome.gates:
                if not gate.passed:
                    self.on_gate_failed(gate)
        return outcome

    def run_steps(self, outcome: BatchOutcome, steps: Sequence[Stage | Gate]) -> BatchOutcome:
        """The `steps` on the batch, stopping at a gate that fails it."""
        started = time.perf_counter()
        settings = self.config.as_parameters()
        for step in steps:
            if not outcome.passed:
                break
            if isinstance(step, Gate):
                if self.validator is not None:
                    self._gate(step, outcome, outcome.held)
                continue
            clock = time.perf_counter()
            arguments = {name: outcome.values[name] for name in step.takes} | {
                name: settings[name] for name in step.config}
            result: Out = self.call(step.name, step.fn, step.retries, arguments)
            quarantined = with_stage(result.quarantine if result.quarantine is not None else quarantine_frame([]),
                                     step.name)
            rows_out = _size(result.values[step.counts[1]])
            rows_in = (_size(outcome.values[step.counts[0]]) if step.counts[0] else
                       rows_out + quarantined.height + result.skipped)
            outcome.values.update(result.values)
            for name in DROPPED_AFTER.get(step.name, ()):  # a batch holds a frame only while a stage needs it
                outcome.values.pop(name, None)
            self._hold(step.name, quarantined, outcome.held)
            outcome.counts.append(StageCount(step.name, rows_in, rows_out, quarantined.height, result.skipped,
                                             step.unit, time.perf_counter() - clock, peak_rss_mib()))
        outcome.seconds += time.perf_counter() - started
        return outcome

    def finish_batch(self, outcome: BatchOutcome) -> BatchOutcome:
        """The quarantine and accounting gates, after the last step the batch ran."""
        started = time.perf_counter()
        self._finish(outcome, outcome.held)
        outcome.held = []
        outcome.seconds += time.perf_counter() - started
        return outcome

    def _hold(self, stage: str, rows: pl.DataFrame, held: list[pl.DataFrame]) -> None:
        """Quarantined rows kept for the batch's commit, and reported as they happen."""
        held.append(rows)
        if rows.height:
            self.emit("quarantined", stage=stage, reasons=dict(rows.group_by("reason").len().sort("reason").iter_rows()))

    def _gate(self, gate: Gate, outcome: BatchOutcome, held: list[pl.DataFrame], max_share: float | None = None):
        clock = time.perf_counter()
        rows = outcome.values[gate.value]
        checked = gate.prepare(rows, outcome.values) if gate.prepare else rows
        parameters = gate.parameters(outcome.values) if gate.parameters else None
        share = self.config.max_failed_share if max_share is None else max_share
        kept, bad, result = self.call(gate.name, validate, 0, {"validator": self.validator, "gate": gate,
                                                             "rows": checked, "max_failed_share": share,
                                                             "parameters": parameters})
        bad = with_stage(bad, gate.name)
        result.batch = outcome.number
        outcome.gates.append(result)
        outcome.values[gate.value] = kept
        self._hold(gate.name, bad, held)
        outcome.counts.append(StageCount(gate.name, rows.height, kept.height, bad.height, unit=gate.unit,
                                         seconds=time.perf_counter() - clock, peak_rss_mib=peak_rss_mib()))
        if self.logger is not None:
            self.logger.info("batch %d gate %s: %d rows, %d failed, %.1f%% (%s)", outcome.number, gate.suite,
                             result.rows, result.failed_rows, 100 * result.failed_share,
                             "passed" if result.passed else "FAILED")
        if not result.passed and self.on_gate_failed is not None:  # announced now, as the gate fails
            self.on_gate_failed(result)
        return bad

    def _finish(self, outcome: BatchOutcome, held: list[pl.DataFrame]) -> None:
        """The quarantine gate over everything held, then the accounting and its gate."""
        quarantine = pl.concat(held).unique("quarantine_id", keep="first", maintain_order=True) \
            .with_columns(run_id=pl.lit(self.run_id))
        in_quarantine = quarantine.filter(pl.col("record_kind").is_in(RECORD_KINDS_IN)).height
        outcome.values["quarantine"] = quarantine
        # Rows the quarantine suite fails are written as rows saying so, never dropped.
        failed_rows = self._gate(QUARANTINE_GATE, outcome, [])
        outcome.values["quarantine"] = pl.concat([outcome.values["quarantine"],
                                                  failed_rows.with_columns(run_id=pl.lit(self.run_id))])
        passed = outcome.passed
        counts = {c.stage: c for c in outcome.counts}
        records = counts[RECORDS_STAGE].rows_in if RECORDS_STAGE in counts else 0
        outcome.already_written = counts[SKIPPING_STAGE].skipped if SKIPPING_STAGE in counts else 0
        current = outcome.values.get("documents", outcome.values.get("ingested"))
        written = current.height if passed and current is not None else 0
        outcome.held_back = 0 if passed or current is None else current.height
        outcome.overall = StageCount("overall", records, written, in_quarantine,
                                     outcome.already_written + outcome.held_back, unit="records")
        outcome.values["stage_counts"] = accounting_frame([*outcome.counts, outcome.overall])
        self._gate(ACCOUNTING_GATE, outcome, [], max_share=0.0)
        outcome.quarantine = outcome.values["quarantine"]


def _last_readers() -> dict[str, tuple[str, ...]]:
    """A stage's name -> the batch values no later step reads (nor the commit, `KEPT`)."""
    last: dict[str, str] = {}
    for step in PIPELINE:
        for name in ([step.value] if isinstance(step, Gate) else step.takes):
            last[name] = step.name
    dropped: dict[str, list[str]] = {}
    for name, step in last.items():
        if name not in KEPT:
            dropped.setdefault(step, []).append(name)
    return {step: tuple(names) for step, names in dropped.items()}


#: What the commit reads of a batch, and the run's own values: never dropped.
KEPT = frozenset({"documents", "entities", "numbers", "events", "sentences", "quotes", "entity_catalog",
                  "signatures", "stories", "lsh_buckets", "read_errors",
                  "mention_total", "known", "near_duplicate_store", "extraction", "shard_extractor"})
DROPPED_AFTER = _last_readers()


def accounting_frame(counts: list[StageCount]) -> pl.DataFrame:
    """The stages that pass files, records or documents on, as rows of the `stage_counts` suite."""
    return frame([{"stage": c.stage, "unit": c.unit, "in": c.rows_in, "out": c.rows_out,
                   "quarantined": c.quarantined, "skipped": c.skipped, "unaccounted": c.unaccounted}
                  for c in counts if c.accountable], STAGE_COUNTS)
