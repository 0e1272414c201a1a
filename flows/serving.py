"""`newsfacts serve`: the flow as a deployment on a schedule, executed by Prefect's `Runner` in this
process until SIGTERM or SIGINT, which end it within `STOP_SECONDS` whether the server answers or not.

Prefect's own `Flow.serve` answers SIGTERM by calling the runner's `stop()` from inside the running
event loop (Prefect 3.8 leaves that coroutine unawaited and warns) and then pauses the schedule with
a client that retries for as long as the server is away. Here the signals only set an event; the
runner is stopped with its async `astop()` and every step of the shutdown has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import sys
from typing import Any
from uuid import UUID

import psutil

#: Time from SIGTERM/SIGINT to the end of `newsfacts serve`, whatever the server does.
STOP_SECONDS = 3.5
#: The same once the server refuses connections: only the runs' processes are left to end.
GONE_STOP_SECONDS = 1.5
#: From SIGTERM to a run in progress to SIGKILL to what is left of it.
KILL_AFTER = 1.0
#: Before the deadline: a last look for runs that started while the runner was stopping.
LATE_SWEEP_BEFORE = 1.5
SIGNAL_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}
#: What `serve` prints once its runner has started: from then on it polls for the schedule's runs.
STARTED = "the runner is polling for scheduled runs"


def serve(flow, *, name: str, cron: str | None, interval: float | None, parameters: dict[str, Any],
          concurrency_limit, description: str) -> int:
    """Serve `flow` as deployment `name` on `cron` or every `interval` seconds until a signal; the
    exit status is 128 + that signal's number."""
    # A flow run ended on a signal leaves its semaphores to multiprocessing's resource tracker
    # (started with the first run, in this environment), which removes them after `serve` has
    # exited and warns that it did, below the line that says how `serve` stopped.
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"),
                                                          "ignore:resource_tracker:UserWarning"]))
    return asyncio.run(_serve(flow, name=name, cron=cron, interval=interval, parameters=parameters,
                              concurrency_limit=concurrency_limit, description=description))


async def _serve(flow, *, name, cron, interval, parameters, concurrency_limit, description) -> int:
    from prefect.runner import Runner
    from prefect.settings import PREFECT_UI_URL

    loop = asyncio.get_running_loop()
    received: list[int] = []
    stop = asyncio.Event()

    def heard(signum: int) -> None:
        received.append(signum)
        stop.set()

    def listen() -> None:
        for signum in SIGNAL_NAMES:
            loop.add_signal_handler(signum, heard, signum)

    listen()
    _one_line_connection_errors()
    runner = Runner(name=name, pause_on_shutdown=True)
    # `start()` installs the runner's `handle_sigterm` with `signal.signal`, at a step of its own
    # that may come after `listen()` below: whichever handler SIGTERM then finds is ours.
    runner.handle_sigterm = lambda *_: loop.call_soon_threadsafe(heard, signal.SIGTERM)
    schedule = {"cron": cron} if cron else {"interval": dt.timedelta(seconds=interval)}
    deployment_id = await runner.aadd_flow(flow, name=name, parameters=parameters, concurrency_limit=concurrency_limit,
                                           description=description, **schedule)
    when = f"cron {cron!r}" if cron else f"every {interval:g} s"
    print(f"serving deployment {flow.name}/{name} ({when}); a run now: prefect deployment run '{flow.name}/{name}'",
          flush=True)
    if PREFECT_UI_URL.value():
        print(f"in the Prefect UI: {PREFECT_UI_URL.value()}/deployments/deployment/{deployment_id}", flush=True)

    serving = asyncio.create_task(runner.start(webserver=False))
    # `start()` installs Prefect's SIGTERM handler before its first await: ours replace it again.
    await asyncio.sleep(0)
    listen()
    waiting = asyncio.create_task(stop.wait())
    started = asyncio.create_task(_say_when_started(runner))
    await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    if not stop.is_set():
        waiting.cancel()
        serving.result()  # the runner ended on its own: its error is the command's
        return 0
    signum = received[0]
    finished, ended = await _stop(runner, deployment_id, serving, SIGNAL_NAMES[signum])
    note = ("its schedule paused" if finished else
            "the Prefect server refused connections or did not answer in time, so its schedule may still be active")
    if ended:
        note += f"; flow run(s) in progress cancelled: {', '.join(ended)}"
    print(f"newsfacts: serve stopped by {SIGNAL_NAMES[signum]}: deployment {flow.name}/{name}: {note}",
          file=sys.stderr, flush=True)
    # What the runner's cancelled tasks log while the event loop closes says nothing the line above
    # has not: `serve` has ended.
    logging.disable(logging.CRITICAL)
    return 128 + signum


class _ConnectionErrorsInOneLine(logging.Filter):
    """A record whose exception is a lost connection (the server went away) printed as its message
    and the error's, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (OSError, *_transport_errors())):
            record.msg, record.args = f"{record.getMessage()}: {type(error).__name__}: {error}", None
            record.exc_info = record.exc_text = None
        return True


async def _say_when_started(runner) -> None:
    """STARTED, once the runner has connected to the server and polls for the schedule's runs."""
    while not runner.started:
        await asyncio.sleep(0.1)
    print(STARTED, flush=True)


def _transport_errors() -> tuple[type[BaseException], ...]:
    import httpx

    return (httpx.TransportError,)


def _one_line_connection_errors() -> None:
    """Console handlers (Prefect's and the root's) print a lost connection in one line."""
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
                                       if name.startswith("prefect")]
    for handler in {h for lg in loggers for h in lg.handlers
                    if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)}:
        handler.addFilter(_ConnectionErrorsInOneLine())


async def _stop(runner, deployment_id, serving: asyncio.Task, signal_name: str) -> tuple[bool, list[str]]:
    """Stop the runner (end its runs in progress, pause its schedule) within STOP_SECONDS: whether
    it finished in time, and the runs it cancelled. What is left after the deadline is cancelled.

    The runs' processes are ended here first: Prefect's own cancellation waits at least 3 s per
    run before it checks that the process has gone, and a run the runner was still starting when
    the signal came is not in its books at all."""
    loop = asyncio.get_running_loop()
    # A server that refuses connections will answer nothing before the deadline either: the runs'
    # processes are ended and `serve` exits without waiting for it.
    deadline = loop.time() + (STOP_SECONDS if await _server_reachable() else GONE_STOP_SECONDS)
    poller = getattr(runner, "_scheduled_run_poller", None)
    if poller is not None:  # no new runs while the ones in progress end (`astop()` does the same)
        poller.stopping = True
    runs = await _end_flow_run_processes(runner, loop.time() + KILL_AFTER)
    marking = asyncio.create_task(_mark_cancelled(runs, deployment_id, signal_name, deadline))
    # A run the runner was already submitting: it would keep the runner from ending before the deadline.
    late = asyncio.create_task(_end_late_runs(runner, deployment_id, serving, signal_name, deadline))
    finished = await _stop_runner(runner, serving, deadline)
    cancelled = await late
    cancelled |= await marking
    return finished, sorted(cancelled)


async def _server_reachable() -> bool:
    """Whether the Prefect API accepts a connection: False only when it is refused (the server is
    gone); a slow answer or none within a second counts as reachable."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        return False
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            await client.get(f"{url.rstrip('/')}/health")
    except httpx.ConnectError:
        return False
    except httpx.HTTPError:
        pass
    return True


async def _end_late_runs(runner, deployment_id, serving: asyncio.Task, signal_name: str, deadline: float) -> set[str]:
    loop = asyncio.get_running_loop()
    await asyncio.wait({serving}, timeout=max(deadline - LATE_SWEEP_BEFORE - loop.time(), 0))
    if serving.done():
        return set()
    runs = await _end_flow_run_processes(runner, loop.time() + KILL_AFTER / 2)
    return await _mark_cancelled(runs, deployment_id, signal_name, deadline) if runs else set()


async def _stop_runner(runner, serving: asyncio.Task, deadline: float) -> bool:
    loop = asyncio.get_running_loop()
    try:
        # A signal that came while the runner was starting: `astop()` needs it started.
        while not runner.started and not serving.done() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.wait_for(runner.astop(), max(deadline - loop.time(), 0.1))
        # The runner's `__aexit__` pauses the schedule once its loops end.
        await asyncio.wait_for(asyncio.shield(serving), max(deadline - loop.time(), 0.1))
        return True
    except (TimeoutError, asyncio.CancelledError):
        pass
    except Exception:  # noqa: BLE001 - a server gone mid-shutdown: the deadline decides, not the error
        pass
    serving.cancel()
    try:
        await asyncio.wait_for(serving, 0.5)
    except BaseException:  # noqa: BLE001 - cancelled or failed on the way out: nothing left to wait for
        pass
    return False


async def _end_flow_run_processes(runner, kill_at: float) -> dict[psutil.Process, str | None]:
    """End the flow-run processes this process started: SIGTERM (Prefect's engine then reports
    its run crashed), and at `kill_at` SIGKILL to what is left of them and of their own children;
    {process: flow run id, or None where the runner had not recorded it}."""
    loop = asyncio.get_running_loop()
    runs = _flow_run_processes(psutil.Process(), _runner_pids(runner))
    family = [p for process in runs for p in _with_descendants(process)]
    for process in runs:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    if runs:
        await asyncio.to_thread(psutil.wait_procs, list(runs), timeout=max(kill_at - loop.time(), 0.1))
    for process in family:
        with contextlib.suppress(psutil.Error):
            process.kill()
    if family:
        await asyncio.to_thread(psutil.wait_procs, family, timeout=0.5)
    return runs


async def _mark_cancelled(runs: dict[psutil.Process, str | None], deployment_id, signal_name: str,
                          deadline: float) -> set[str]:
    """Mark Cancelled, as Prefect's runner does with the runs it stops, the flow runs of `runs` and
    the deployment's Pending runs (those the runner was starting, with or without a process yet),
    by `deadline`: the ids marked. A run that had already ended Completed, Failed or Cancelled (its
    process was only exiting) is left as it is. With the server gone nothing is marked and the runs
    show what they last reported; the ids are then those of the processes ended, or their pids."""
    ended = {run_id or f"pid {process.pid}" for process, run_id in runs.items()}
    remaining = max(deadline - asyncio.get_running_loop().time(), 0.1)
    try:
        return await asyncio.wait_for(_cancel([run_id for run_id in runs.values() if run_id], deployment_id,
                                              signal_name), remaining)
    except Exception:  # noqa: BLE001 - the server gone or late: the processes ended are what is known
        return ended


async def _cancel(ids: list[str], deployment_id, signal_name: str) -> set[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    async with get_client() as client:
        runs = [await client.read_flow_run(UUID(run_id)) for run_id in ids]
        runs += await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.PENDING]))))
        cancelled = set()
        for run in runs:
            # Crashed is what the engine reports of the SIGTERM sent to its process: that run is cancelled.
            if run.state is None or not (run.state.is_completed() or run.state.is_failed() or run.state.is_cancelled()):
                await client.set_flow_run_state(
                    run.id, Cancelled(message=f"newsfacts serve stopped by {signal_name}"), force=True)
                cancelled.add(str(run.id))
        return cancelled


def _runner_pids(runner) -> dict[int, str]:
    """{pid: flow run id} of the runs the runner has recorded (Prefect 3.8 keeps them in its
    process manager; a version without one gives none, and the processes are found all the same)."""
    manager = getattr(runner, "_process_manager", None)
    pids = {}
    with contextlib.suppress(Exception):
        for run_id in manager.flow_run_ids():
            handle = manager.get(run_id)
            if handle is not None and handle.pid:
                pids[handle.pid] = str(run_id)
    return pids


def _flow_run_processes(me: psutil.Process, recorded: dict[int, str]) -> dict[psutil.Process, str | None]:
    """{process: flow run id or None} of this process's children that run a flow run: Prefect's
    runner starts a served flow in a multiprocessing spawn child, a deployment from storage as
    `python -m prefect.engine` with the run's id in its environment."""
    found = {}
    for child in me.children():
        with contextlib.suppress(psutil.Error):
            command = " ".join(child.cmdline())
            if "prefect.engine" in command:
                found[child] = recorded.get(child.pid) or child.environ().get("PREFECT__FLOW_RUN_ID")
            elif "spawn_main" in command:
                found[child] = recorded.get(child.pid)
    return found


def _with_descendants(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return [process]
