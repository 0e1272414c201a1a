"""Quality gates: a table's Great Expectations suite run on a stage's output.

Rows that fail a row-level expectation leave the table for the quarantine; a gate fails when
more than a configured share of rows fail.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tasks.errors import QualityGateError  # noqa: F401 - raised by the flow, caught by the command
from tasks.quarantine import quarantine_frame, quarantine_row

#: Checks computed on the frame before validation (compute, then validate), never written.
COMPUTED_COLUMNS = ("span_matches_document", "alias_shared", "value_fits_kind")
#: Suite parameter of `entity_catalog`: how many mentions the catalog was built from.
MENTION_TOTAL = "mention_total"
DOCS_SITE = "run"


@dataclass
class GateResult:
    """What one gate found: counts, the failing expectations, and GE's result as JSON."""

    suite: str
    stage: str
    rows: int
    failed_rows: int
    max_failed_share: float
    failed_expectations: dict[str, int] = field(default_factory=dict)
    result: dict = field(default_factory=dict)
    # For tables of documents or their mentions: documents with rows, and with a failing row.
    documents: int | None = None
    failed_documents: int | None = None

    @property
    def failed_share(self) -> float:
        """The share the threshold applies to: of documents where the rows belong to documents, so
        one document flooding a table with bad rows weighs as one document; else of rows."""
        if self.documents is not None:
            return self.failed_documents / self.documents if self.documents else 0.0
        return self.failed_rows / self.rows if self.rows else 0.0

    @property
    def passed(self) -> bool:
        return self.failed_share <= self.max_failed_share

    def summary(self) -> dict:
        return {
            "suite": self.suite,
            "stage": self.stage,
            "passed": self.passed,
            "rows": self.rows,
            "failed_rows": self.failed_rows,
            "documents": self.documents,
            "failed_documents": self.failed_documents,
            "failed_share": round(self.failed_share, 6),
            "max_failed_share": self.max_failed_share,
            "failed_expectations": self.failed_expectations,
        }

    def message(self) -> str:
        reasons = ", ".join(f"{name} ({count} rows)" for name, count in self.failed_expectations.items())
        rows = f"{self.failed_rows} of {self.rows} rows"
        failed = rows if self.documents is None else f"{self.failed_documents} of {self.documents} documents ({rows})"
        return (f"quality gate '{self.suite}' ({self.stage}) failed: {failed} "
                f"({self.failed_share:.1%}) failed expectations, more than the allowed "
                f"{self.max_failed_share:.1%}: {reasons}")


def expectation_label(config, result: dict | None = None) -> str:
    """`expect_column_values_to_be_in_set(label)`: the expectation and the columns it checks (of
    the table's columns, those missing)."""
    kwargs = config.kwargs
    missing = ((result or {}).get("details") or {}).get("mismatched", {}).get("missing") or []
    columns = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or ",".join(
        c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c) or ",".join(missing)
    return f"{config.type}({columns})"


def with_span_check(mentions: pl.DataFrame, documents: pl.DataFrame, surface: str) -> pl.DataFrame:
    """Mentions with `span_matches_document`: their offsets lie in the document and slice out `surface`.

    Checked mention by mention against each document's text, never by joining the text onto every
    mention row: that join held a copy of an article per mention (a batch's peak memory)."""
    texts = dict(documents.select("doc_id", "text").iter_rows())
    matches = [
        text is not None and start is not None and end is not None and 0 <= start <= end <= len(text)
        and text[start:end] == written
        for doc_id, start, end, written in mentions.select("doc_id", "start_char", "end_char", surface).iter_rows()
        for text in (texts.get(doc_id),)
    ]
    return mentions.with_columns(span_matches_document=pl.Series(matches, dtype=pl.Boolean))


#: A date value as TIMEX3 writes it at each granularity.
DATE_VALUE_PATTERNS = {
    "day": r"\d{4}-\d{2}-\d{2}", "week": r"\d{4}-W\d{2}", "month": r"\d{4}-\d{2}", "quarter": r"\d{4}-Q[1-4]",
    "half": r"\d{4}-H[12]", "season": r"\d{4}-(?:SP|SU|FA|WI)", "year": r"\d{4}", "decade": r"\d{3}",
    "century": r"\d{2}", "time": r"\d{4}-\d{2}-\d{2}T(?:\d{2}:\d{2}|MO|AF|EV|NI)",
    "reference": r"(?:PRESENT|PAST|FUTURE)_REF", "duration": r"P(?:\d+(?:\.\d+)?[YMWD]|T\d+(?:\.\d+)?[HMS])",
}


def with_date_check(numbers: pl.DataFrame) -> pl.DataFrame:
    """Numbers with `value_fits_kind`: an amount has a value and no date value (a duration may have
    its TIMEX3 value, `P3D`); a date or time has no amount, and a date value (if any) written as its
    granularity says."""
    import re

    fits = []
    for kind, value, date_value, granularity in numbers.select(
            "kind", "value", "date_value", "date_granularity").iter_rows():
        if kind in ("date", "time"):
            fits.append(value is None and (date_value is None) == (granularity is None) and (
                date_value is None or (granularity in DATE_VALUE_PATTERNS and granularity != "duration"
                                       and re.fullmatch(DATE_VALUE_PATTERNS[granularity], date_value) is not None)))
        elif kind == "duration":  # an amount of time, with its TIMEX3 value where its unit has one
            fits.append(value is not None and (date_value is None) == (granularity is None) and (
                date_value is None or (granularity == "duration"
                                       and re.fullmatch(DATE_VALUE_PATTERNS["duration"], date_value) is not None)))
        else:
            fits.append(value is not None and date_value is None and granularity is None)
    return numbers.with_columns(value_fits_kind=pl.Series(fits, dtype=pl.Boolean))


class Validator:
    """One Great Expectations context for one flow run: suites, results and that run's Data Docs."""

    def __init__(self, docs_dir: Path | None = None):
        # Imported here: a run with nothing new never validates, and never waits for GE's import.
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.source = self.context.data_sources.add_pandas("stage_outputs")
        self.docs_dir = docs_dir
        self.suites: dict = {}
        self.shared = False  # validating the batches of the flow's own process too (`flows.batches`)
        if docs_dir is not None:
            self.context.add_data_docs_site(site_name=DOCS_SITE, site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(Path(docs_dir).resolve())},
            })

    def _use(self) -> None:
        """This validator's context made GE's current one. GE keeps one context per process and
        checks a checkpoint's suite and assets against it; with the flow's validator and a
        worker's in one process, GE 1.7 (this project's lower bound) looked in the one made last and failed
        ("BatchDefinition 'run' has changed", "Could not find asset")."""
        from great_expectations.data_context.data_context.context_factory import project_manager

        project_manager.set_project(self.context)

    def _suite(self, suite_name: str):
        """(the suite, the batch definition of its frames), registered with the context once."""
        self._use()
        if suite_name not in self.suites:
            module = importlib.import_module(f"expectations.{suite_name}")
            # Built whole, then added: adding expectations one by one to a stored suite saves it
            # again each time (1.1 s for the seven suites, against 0.06 s).
            gx = self.gx
            suite = self.context.suites.add(
                gx.ExpectationSuite(name=suite_name, expectations=list(module.expectations())))
            batch = self.source.add_dataframe_asset(name=suite_name).add_batch_definition_whole_dataframe("run")
            self.suites[suite_name] = (suite, batch)
        return self.suites[suite_name]

    def _result_key(self, suite_name: str, batch_id: str):
        """Where a result is kept: under its suite and the time it was validated, as a
        checkpoint's run keeps it."""
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        return ValidationResultIdentifier(expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
                                          run_id=RunIdentifier(run_name=suite_name), batch_identifier=batch_id)

    def forget_results(self) -> None:
        """Drop the results validated so far from the context (each batch's are kept as JSON in the
        run's records): the Data Docs then render the latest batch, and building them costs the
        same after the hundredth batch as after the first."""
        store = self.context.validation_results_store
        for key in store.list_keys():
            store.remove_key(key)

    def results(self) -> list[tuple]:
        """(key, result) of each gate validated since `forget_results`, for `add_results` of the
        validator whose Data Docs show them (a worker's gates in the flow's docs)."""
        store = self.context.validation_results_store
        return [(key, store.get(key)) for key in store.list_keys()]

    def add_results(self, results: list[tuple]) -> None:
        """Results another validator gave (`results`), rendered by this one's Data Docs too."""
        store = self.context.validation_results_store
        for key, result in results:
            store.set(key, result)

    def build_docs(self) -> Path | None:
        """The run's Data Docs (the gates validated since `forget_results`), or None without a docs folder."""
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=[DOCS_SITE])
        return Path(self.docs_dir) / "index.html"

    def validate(
        self, suite_name: str, df: pl.DataFrame, parameters: dict | None = None
    ) -> tuple[GateResult, dict[int, list[str]]]:
        """The suite's result on `df` (with suite `parameters`), and for each failing row (by
        position) the expectations it failed."""
        # The batch validated on its own, not through a Checkpoint: a checkpoint's run checks that
        # its definitions are stored unchanged and stores each result, a third of a gate's time.
        # The result is stored once, for the Data Docs (`build_docs`).
        suite, definition = self._suite(suite_name)
        parameters = parameters or {}
        batch = definition.get_batch(batch_parameters={"dataframe": df.to_pandas()})
        # BASIC (counts, observed values, the first failing values) for the whole suite, then
        # COMPLETE (every failing row's index, for the quarantine) for the expectations that
        # failed: COMPLETE for all costs GE about two thirds more, and most gates pass.
        validation = batch.validate(suite, result_format={"result_format": "BASIC"},
                                    expectation_parameters=parameters)
        for at, outcome in enumerate(validation.results):
            if not outcome.success:
                validation.results[at] = batch.validate(
                    outcome.expectation_config.to_domain_obj(), result_format={"result_format": "COMPLETE"},
                    expectation_parameters=parameters)
        self.context.validation_results_store.set(self._result_key(suite_name, batch.id), validation)
        failures: dict[int, list[str]] = {}
        counts: dict[str, int] = {}
        for outcome in validation.results:
            if outcome.success:
                continue
            label = expectation_label(outcome.expectation_config, outcome.result)
            indexes = outcome.result.get("unexpected_index_list")
            if indexes is None:  # a table-level expectation: every row is suspect
                indexes = range(df.height)
            counts[label] = len(indexes)
            for index in indexes:
                failures.setdefault(int(index), []).append(label)
        result = validation.to_json_dict()
        gate = GateResult(suite=suite_name, stage="", rows=df.height, failed_rows=len(failures),
                          max_failed_share=0.0, failed_expectations=counts, result=result)
        if "doc_id" in df.columns:
            doc_ids = df["doc_id"]
            gate.documents = doc_ids.n_unique()
            gate.failed_documents = doc_ids.gather(sorted(failures)).n_unique() if failures else 0
        return gate, failures


def split_failures(
    df: pl.DataFrame, failures: dict[int, list[str]], *, record_kind: str, excerpt_column: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows that passed, quarantine rows naming the expectations each failed row broke)."""
    if not failures:
        return df.drop(COMPUTED_COLUMNS, strict=False), quarantine_frame([])
    failed_at = sorted(failures)
    rows = []
    for index in failed_at:
        row = df.row(index, named=True)
        where = ", ".join(f"{k}={row[k]}" for k in ("start_char", "end_char") if k in row)
        rows.append(quarantine_row(
            record_kind=record_kind, reason="failed_expectation",
            detail="; ".join(failures[index]) + (f" [{where}]" if where else ""),
            source_path=row.get("source_path"), source_id=row.get("source_id"),
            record_index=row.get("record_index"), doc_id=row.get("doc_id"),
            excerpt=row.get(excerpt_column),
        ))
    kept = df.with_row_index("_i").filter(~pl.col("_i").is_in(failed_at)).drop("_i")
    return kept.drop(COMPUTED_COLUMNS, strict=False), quarantine_frame(rows)
