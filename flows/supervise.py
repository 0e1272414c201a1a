"""`newsfacts run` as two processes: a light supervisor, and the run in a process group of its own.

Every process the run starts (its extraction and batch workers, multiprocessing's resource
tracker) joins that group, so the supervisor ends them all at once however the run ends: it
finished, it raised, or the supervisor got SIGTERM or SIGINT. The local Prefect server runs share
(`flows.local_server`) is not the run's: it starts in a session of its own and outlives it. If the
supervisor itself is killed (SIGKILL leaves it no say), the run notices that its parent changed
and ends its own group.

Nothing here imports Prefect: the supervisor stays a small process that answers signals at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

# The run's environment names its supervisor, so the run knows to watch it and not supervise itself.
SUPERVISOR_PID = "NEWSFACTS_SUPERVISOR_PID"
# What the supervisor sends the run to stop it: not SIGTERM, which Prefect takes over during a
# flow run and answers only once running tasks finish (a shard can take half a minute).
STOP_SIGNAL = signal.SIGUSR1
# Time the run gets to record its flow run as crashed before its group is killed.
GRACE_SECONDS = 3.0
POLL_SECONDS = 0.1
PARENT_POLL_SECONDS = 0.2
SIGNAL_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}


def supervised() -> bool:
    """Whether this process is a run started by a supervisor."""
    return SUPERVISOR_PID in os.environ


def run_supervised(argv: Sequence[str]) -> int:
    """Run `newsfacts ARGV` in a process group of its own and return its exit status; on SIGTERM or
    SIGINT, stop it (and everything it started) within GRACE_SECONDS and return 128 + the signal."""
    received: list[int] = []
    # Signals are held until the handlers are in place, so none is lost between start and wait.
    signal.pthread_sigmask(signal.SIG_BLOCK, list(SIGNAL_NAMES))
    try:
        child = subprocess.Popen([sys.executable, "-m", "flows", *argv], process_group=0,
                                 env={**os.environ, SUPERVISOR_PID: str(os.getpid())})

        def stop(signum, _frame):
            if received:  # a second signal: no more waiting
                _kill_group(child.pid)
            received.append(signum)
            _signal(child.pid, STOP_SIGNAL)

        for signum in SIGNAL_NAMES:
            signal.signal(signum, stop)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, list(SIGNAL_NAMES))
    status, deadline = None, None
    while status is None:
        # Polled, not one blocking wait: a wait resumes after a signal's handler, unaware of it.
        status = child.poll()
        if status is None and received:
            deadline = deadline or time.monotonic() + GRACE_SECONDS
            if time.monotonic() > deadline:
                break
        time.sleep(POLL_SECONDS)
    # Whatever the run left running (a worker mid-shard) ends with it.
    _kill_group(child.pid)
    status = child.wait()
    if received:
        name = SIGNAL_NAMES[received[0]]
        print(f"newsfacts: stopped by {name}: nothing was published that the run had not finished; "
              f"run again to go on", file=sys.stderr, flush=True)
        return 128 + received[0]
    return 128 - status if status < 0 else status


def follow_supervisor(on_stop) -> None:
    """In a supervised run: on STOP_SIGNAL, call `on_stop()` (record the run as stopped) and end
    this process group; end it too as soon as the supervisor is gone."""
    expected = int(os.environ[SUPERVISOR_PID])

    def stop(_signum, _frame):
        try:
            on_stop()
        finally:
            os.killpg(os.getpgrp(), signal.SIGKILL)

    signal.signal(STOP_SIGNAL, stop)

    def watch():
        while os.getppid() == expected:
            time.sleep(PARENT_POLL_SECONDS)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="newsfacts-supervisor-watch", daemon=True).start()


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
