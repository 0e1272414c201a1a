"""The Prefect server `newsfacts run` reports to when no Prefect API is configured: one local server
per Prefect home, started by the first run that needs it, found by the runs after it, and stopped
once no client has used it for `IDLE_SECONDS`.

Prefect itself starts a temporary server for every process that has no API (8 to 15 s before the
first task, then gone with the process); this one is started once and shared. It is Prefect's own
server app (`prefect.server.api.server.create_app`) in its ephemeral mode, as that temporary server
runs it: the API and the services runs need, no UI and no scheduler, its SQLite database where
Prefect keeps it (`PREFECT_HOME`, or `PREFECT_API_DATABASE_CONNECTION_URL`), bound to 127.0.0.1
on a free port. Its address, process and Prefect version are kept in `<PREFECT_HOME>/
newsfacts-server-<key>.json`, its log in `newsfacts-server.log` beside it.

Nothing here imports Prefect but the server process itself: the run's supervisor starts it and
the run waits for it only when it needs the API.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flows.supervise import SUPERVISOR_PID
from tasks.errors import LocalServerError

#: A server no client has sent a request to, or held a connection open with, for this long stops.
IDLE_SECONDS = 600.0
#: How long a run waits for a server that is starting (a new Prefect database takes longest).
STARTUP_SECONDS = 180.0
STATE_PREFIX = "newsfacts-server-"
LOG_NAME = "newsfacts-server.log"


@dataclass(frozen=True)
class LocalServer:
    url: str  # the API's, ending in /api
    pid: int
    state: Path  # the file that records it
    log: Path


def prefect_home(env: dict[str, str] | None = None) -> Path:
    """Where Prefect keeps its database and profiles: PREFECT_HOME, else ~/.prefect."""
    env = os.environ if env is None else env
    return Path(env.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def configured_api_url(env: dict[str, str] | None = None) -> str | None:
    """The Prefect API a run reports to when one is configured: PREFECT_API_URL in the environment,
    else in the active Prefect profile (`prefect config set PREFECT_API_URL=...`); else None."""
    import tomllib

    env = os.environ if env is None else env
    if env.get("PREFECT_API_URL"):
        return env["PREFECT_API_URL"]
    profiles = Path(env.get("PREFECT_PROFILES_PATH") or prefect_home(env) / "profiles.toml")
    try:
        document = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    active = env.get("PREFECT_PROFILE") or document.get("active") or "ephemeral"
    return (document.get("profiles", {}).get(active, {}) or {}).get("PREFECT_API_URL") or None


def _key(env: dict[str, str]) -> str:
    """Which server a run may share: one per Prefect version and database."""
    from importlib import metadata

    database = env.get("PREFECT_API_DATABASE_CONNECTION_URL") or env.get("PREFECT_SERVER_DATABASE_CONNECTION_URL") or ""
    identity = f"{metadata.version('prefect')}|{database}"
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]


def _state_path(env: dict[str, str]) -> Path:
    return prefect_home(env) / f"{STATE_PREFIX}{_key(env)}.json"


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _recorded(state: Path) -> LocalServer | None:
    """The server `state` records, if its process is still alive."""
    try:
        record = json.loads(state.read_text(encoding="utf-8"))
        server = LocalServer(record["url"], int(record["pid"]), state, Path(record["log"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return server if _alive(server.pid) else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find(env: dict[str, str] | None = None) -> LocalServer | None:
    """The local server of this Prefect home and database, running or starting; None if there is none."""
    return _recorded(_state_path(os.environ if env is None else env))


def start(env: dict[str, str] | None = None, idle_seconds: float = IDLE_SECONDS) -> LocalServer:
    """The local server, started when none is running (without waiting for it to answer:
    `wait_until_up`). Two runs starting at once share one: the start holds a lock."""
    from filelock import FileLock

    env = dict(os.environ if env is None else env)
    home = prefect_home(env)
    home.mkdir(parents=True, exist_ok=True)
    state = _state_path(env)
    with FileLock(str(state.with_suffix(".lock"))):
        running = _recorded(state)
        if running is not None:
            return running
        port, log = _free_port(), home / LOG_NAME
        # Not the run's: no API to report to, and no supervisor that would count it among the run's processes.
        server_env = {key: value for key, value in env.items() if key not in ("PREFECT_API_URL", SUPERVISOR_PID)}
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "flows.local_server", "--port", str(port), "--idle-seconds", str(idle_seconds),
                 "--state", str(state)],
                env=server_env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)  # not in the run's process group: it outlives the run
        server = LocalServer(f"http://127.0.0.1:{port}/api", process.pid, state, log)
        state.write_text(json.dumps({"url": server.url, "pid": server.pid, "log": str(log),
                                     "started_at": time.time()}), encoding="utf-8")
        return server


def is_up(server: LocalServer) -> bool:
    """Whether `server` answers now."""
    try:
        with urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def wait_until_up(server: LocalServer, timeout: float = STARTUP_SECONDS) -> None:
    """Returns once `server` answers; raises LocalServerError when its process ends first or it does
    not answer within `timeout` s."""
    deadline = time.monotonic() + timeout
    while not is_up(server):
        if not _alive(server.pid) or time.monotonic() > deadline:
            why = "stopped" if not _alive(server.pid) else f"did not answer within {timeout:g} s"
            raise LocalServerError(f"the local Prefect server ({server.url}) {why}: see {server.log}")
        time.sleep(0.1)


def all_running(env: dict[str, str] | None = None) -> list[LocalServer]:
    """Every local server of this Prefect home (one per Prefect version and database) still running."""
    home = prefect_home(os.environ if env is None else env)
    return [server for state in sorted(home.glob(f"{STATE_PREFIX}*.json")) if (server := _recorded(state))]


def stop(env: dict[str, str] | None = None, timeout: float = 10.0) -> LocalServer | None:
    """The local server of this Prefect home stopped; the server it was, or None when none was running."""
    server = find(env)
    if server is not None:
        stop_server(server, timeout)
    return server


def stop_server(server: LocalServer, timeout: float = 10.0) -> None:
    """`server` stopped: SIGTERM, then SIGKILL after `timeout` s."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(server.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(server.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGKILL)
    server.state.unlink(missing_ok=True)


# --- the server process -------------------------------------------------------------------------

class Activity:
    """ASGI middleware: when the app last saw a request, and how many requests and websockets are
    open (a run's event stream stays open while it runs)."""

    def __init__(self, app):
        self.app, self.open, self.last = app, 0, time.monotonic()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        self.open += 1
        self.last = time.monotonic()
        try:
            return await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last = time.monotonic()

    def idle_for(self) -> float:
        return 0.0 if self.open else time.monotonic() - self.last


def serve(port: int, idle_seconds: float, state: Path) -> None:
    """Prefect's server app on 127.0.0.1:`port` until SIGTERM/SIGINT or `idle_seconds` of idleness;
    `state` removed on the way out if it still names this process."""
    import asyncio

    import uvicorn

    # As Prefect runs its temporary server: the API and the services runs need, no UI.
    os.environ.update({"PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1", "PREFECT_UI_ENABLED": "0",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    from prefect.server.api.server import create_app

    app = Activity(create_app(ephemeral=True, final=True))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on",
                                           timeout_graceful_shutdown=2))

    async def watch():
        while not server.started and not server.should_exit:  # migrations and start-up are not idleness
            await asyncio.sleep(0.1)
        app.last = time.monotonic()
        while not server.should_exit:
            await asyncio.sleep(min(5.0, idle_seconds / 4))
            if app.idle_for() >= idle_seconds:
                server.should_exit = True

    async def main():
        watcher = asyncio.create_task(watch())
        try:
            await server.serve()
        finally:
            watcher.cancel()

    try:
        asyncio.run(main())
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(state.read_text(encoding="utf-8")).get("pid") == os.getpid():
                state.unlink()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.local_server", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle-seconds", type=float, default=IDLE_SECONDS)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args(argv)
    # Started by a run whose supervisor holds SIGTERM and SIGINT blocked (`flows.supervise`): a
    # blocked signal mask is inherited, and this server must stop on them.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    serve(args.port, args.idle_seconds, args.state)


if __name__ == "__main__":
    main()
