"""The two kinds of step of the declared pipeline (`tasks.pipeline.declaration`): a stage, a
function of batch values, and a gate, a Great Expectations suite on one value. A step's name is
its function's (`clean_documents`) or `validate_<suite>`, and is the name everything that reports
on the step uses: the Prefect task, the quarantine's `stage`, the run manifest and progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass
class Out:
    """What a stage gives: batch values by name, the records it quarantined, and how many it left
    out on purpose (already written)."""

    values: dict[str, Any]
    quarantine: pl.DataFrame | None = None
    skipped: int = 0


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    `counts` = (value whose length is the rows in, or None for a stage that creates its rows:
    then in = out + quarantined + skipped; value whose length is the rows out), in `unit`.
    """

    fn: Callable[..., Out]
    takes: tuple[str, ...]
    gives: tuple[str, ...]
    counts: tuple[str | None, str]
    unit: str
    config: tuple[str, ...] = ()
    #: An I/O task (retried).
    retries: int = 0

    @property
    def name(self) -> str:
        return self.fn.__name__


@dataclass(frozen=True)
class Gate:
    """A Great Expectations suite on a batch value: failing rows leave it for the quarantine (as
    `record_kind`, with `excerpt`); the batch fails when too many documents (or rows, for values
    not of documents) fail. `prepare` adds computed check columns, `parameters` gives the suite's
    parameters; both read the batch values."""

    suite: str
    value: str
    record_kind: str
    excerpt: str
    unit: str
    prepare: Callable[[pl.DataFrame, dict], pl.DataFrame] | None = None
    parameters: Callable[[dict], dict] | None = None

    @property
    def name(self) -> str:
        return f"validate_{self.suite}"
