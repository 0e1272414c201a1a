"""The run's counts, added up batch by batch, and the run's record (its manifest) made from them."""

from __future__ import annotations

import datetime as dt
import resource
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from prefect.runtime import flow_run

from flows.run_state import RunState
from tasks import io
from tasks.config import RunConfig
from tasks.io import state as stored
from tasks.pipeline.declaration import PIPELINE
from tasks.pipeline.runner import BatchOutcome, StageCount, peak_rss_mib
from tasks.schemas import REBUILT_TABLES, TABLES


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
            "rss_mib": round(rss_mib(), 1), "peak_rss_mib": round(peak_rss_mib(), 1)})

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


def rss_mib() -> float:
    """This process's resident set size now (where /proc is; else its peak)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return peak_rss_mib()


def run_manifest(config: RunConfig, run_id: str, started: dt.datetime, plan: io.BatchPlan, tally: RunTally,
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
