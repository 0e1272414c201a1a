"""What a run reports while it goes, for whoever watches it in this process: the `newsfacts run`
progress bar subscribes; the flow and the shard loop emit. No listener, no cost."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator

Listener = Callable[[str, dict], None]
#: Prefect reads its console handler's level from this (its logging.yml leaves it to the environment).
CONSOLE_LEVEL = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"
_listeners: list[Listener] = []


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """`listener(event, data)` called for every event emitted while the block runs."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def emit(event: str, **data) -> None:
    """Events: `plan` (input files found), `batch` (its number, files, records), `stage` (share
    0..1 of the run's files done), `extract` (a batch's shards and documents to extract), `shard`
    (documents in it, failed), `quarantined` (stage, reasons -> rows)."""
    for listener in list(_listeners):
        listener(event, data)


class TerminalProgress:
    """A live rich progress bar over the run, documents and shards (with documents/s and time
    left) on a terminal; quarantined records printed as they happen, above the bar. Off a
    terminal only the quarantine lines are printed; `quiet` prints nothing."""

    def __init__(self, bar: bool, quiet: bool = False):
        self.bar, self.quiet = bar and not quiet, quiet
        self._progress, self._muted, self._console_level = None, [], None

    def __enter__(self):
        if self.bar:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>12}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=Console(stderr=True), redirect_stderr=True, redirect_stdout=False)
            self._progress.__enter__()
            self._run = self._progress.add_task("run", total=100, rate="")
            self._documents = self._progress.add_task("documents", total=None, rate="", visible=False)
            self._shards = self._progress.add_task("shards", total=None, rate="", visible=False)
        self._quiet_console_logs()
        self._scope = listening(self.on_event)
        self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        self._scope.__exit__(*exc)
        if self._progress is not None:
            self._progress.__exit__(*exc)
        for handler, level in self._muted:
            handler.setLevel(level)
        if self._console_level is not None:
            os.environ[CONSOLE_LEVEL] = self._console_level
        else:
            os.environ.pop(CONSOLE_LEVEL, None)

    def _quiet_console_logs(self) -> None:
        """Prefect's console log lines (INFO) would tear through the bar, or bury the quarantine
        lines off a terminal: only warnings and errors reach the console while the run goes; every
        line still goes to the Prefect API and UI. The processes the run starts (extraction and
        batch workers) configure Prefect's logging themselves, from the environment they inherit."""
        import logging

        self._console_level = os.environ.get(CONSOLE_LEVEL)
        os.environ[CONSOLE_LEVEL] = "WARNING"

        loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                                           if name.startswith("prefect")]
        handlers = {h for lg in loggers for h in lg.handlers
                    if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)}
        self._muted = [(h, h.level) for h in handlers]
        for handler in handlers:
            handler.setLevel(max(handler.level, logging.WARNING))

    def say(self, line: str) -> None:
        if self.quiet:
            return
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            print(line, file=sys.stderr, flush=True)

    def on_event(self, event: str, data: dict) -> None:
        if event == "quarantined":
            reasons = ", ".join(f"{reason} {rows}" for reason, rows in data["reasons"].items())
            self.say(f"quarantined at {data['stage']}: {sum(data['reasons'].values())} ({reasons})")
        if self._progress is None:
            return
        if event == "stage":
            self._progress.update(self._run, completed=round(100 * data["share"]))
        elif event == "batch":
            self._progress.update(self._run, description=f"batch {data['number']}")
        elif event == "extract":
            if not hasattr(self, "_started"):
                self._started = time.perf_counter()
            documents = self._progress.tasks[self._documents]
            self._progress.update(self._documents, total=(documents.total or 0) + data["documents"], visible=True)
            self._progress.update(self._shards, total=data["shards"], completed=0, visible=True)
        elif event == "shard":
            self._progress.advance(self._documents, data["documents"])
            self._progress.advance(self._shards, 1)
            done = self._progress.tasks[self._documents].completed
            rate = f"{done / max(time.perf_counter() - self._started, 1e-9):.1f} docs/s"
            self._progress.update(self._documents, rate=rate)
            if data["failed"]:
                self.say(f"shard of {data['documents']} documents failed: {data['failed']}")
