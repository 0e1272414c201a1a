"""`newsfacts run`: its paths checked, the flow run with the run's progress on the console, and the
flow run recorded as stopped when a signal ends it."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def mark_run_stopped() -> None:
    """The flow run in progress recorded as Crashed (stopped by a signal), as Prefect records a
    run whose process died, within a second or two; nothing when no flow run has started."""
    if "prefect" not in sys.modules:
        return
    import threading

    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    flow_run_id = context.flow_run.id

    def report():
        from prefect.client.orchestration import get_client
        from prefect.states import Crashed

        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run_id, Crashed(message="stopped by a signal to `newsfacts run`"),
                                      force=True)

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    reporter.join(timeout=2.0)


def check_paths(inputs: Sequence[str], output: str, feeds: str | None = None) -> None:
    """Fail before anything starts on a missing input or an output directory that cannot be written."""
    import os

    from tasks.errors import UsageError
    from tasks.io.files import check_writable_directory
    from tasks.io.inputs import DATASET_MARKER, input_exists
    from tasks.io.storage import inside, is_url, output_root

    root = output_root(output)
    for path in inputs:
        if path.lower().startswith(("http://", "https://")):
            continue
        if not input_exists(path):
            raise UsageError(f"input path does not exist: {path}")
        if is_url(path) != is_url(output):
            continue
        # An output folder inside an input is left out as the run walks it; the other way round,
        # the run would read its own tables.
        if inside(root, output_root(path)):
            raise UsageError(f"input {path} lies inside the output folder {output}: give an input outside it")
        if not is_url(path) and os.path.isfile(os.path.join(path, DATASET_MARKER)):
            raise UsageError(f"input {path} is a newsfacts output folder (it holds {DATASET_MARKER}), not news")
    if feeds is not None and not os.path.isfile(feeds):
        raise UsageError(f"feed list does not exist: {feeds}")
    check_writable_directory(output_root(output))


def hide_tracebacks_on_console() -> None:
    """Prefect's log lines on the terminal without the tracebacks it logs with failures (a failure
    is one `newsfacts:` line; `--debug` keeps them); the Prefect UI still gets them."""
    import logging

    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler

    class WithoutTraceback(logging.Formatter):
        def __init__(self, inner: logging.Formatter):
            super().__init__()
            self.inner = inner

        def format(self, record):
            # A copy, so that the other handlers (the API's) still see the traceback.
            line = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None})
            # Libraries also put tracebacks in messages (Great Expectations: `... Traceback: "..."`).
            return self.inner.format(line).split("\n", 1)[0].split(' Traceback: "', 1)[0]

    ensure_logging_setup()
    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    for handler in {h for logger in loggers for h in logger.handlers if isinstance(h, PrefectConsoleHandler)}:
        if not isinstance(handler.formatter, WithoutTraceback):
            handler.setFormatter(WithoutTraceback(handler.formatter or logging.Formatter()))


def run_pipeline(args) -> int:
    import os

    from tasks.config import check_model_installed, from_arguments

    config = from_arguments(args)
    check_paths(config.inputs, config.output_dir, config.feeds)
    # Fail before any flow run exists when the model is missing or the output directory was
    # written under another schema (the flow checks again, for runs started elsewhere).
    check_model_installed(config.model)
    from flows import local_server
    from flows.nothing_new import nothing_new
    from tasks.io import check_contract, output_root

    if not config.full_refresh:
        check_contract(output_root(config.output_dir))
    said = nothing_new(config)
    if said is not None:
        print(said)
        return 0
    server = None
    if local_server.configured_api_url() is None:
        # Started now, so that it comes up while this process loads Prefect, GE and spaCy.
        server = local_server.start()
        os.environ["PREFECT_API_URL"] = server.url
    from flows.news_pipeline import news_pipeline
    from flows.progress import TerminalProgress
    from flows.resources import load_libraries

    if server is not None:
        if not local_server.is_up(server):  # still starting (a new database takes longest):
            load_libraries()                # load now what the run would load after it
        local_server.wait_until_up(server)
    if not args.debug:
        hide_tracebacks_on_console()
    with TerminalProgress(bar=sys.stderr.isatty(), quiet=args.quiet):
        manifest = news_pipeline(**config.as_parameters())
    from flows.summary import format_summary

    print(format_summary(manifest))
    return 0
