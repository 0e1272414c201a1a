"""A real `newsfacts server` on 127.0.0.1 and `newsfacts serve` against it, for the system tests of
served and scheduled deployments."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT

STARTUP_SECONDS = 180
#: The file name of Prefect's SQLite database in its home.
DATABASE = "prefect.db"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float = STARTUP_SECONDS, every: float = 1.0):
    """`check()`'s first true value, polled every `every` s; TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except httpx.HTTPError:
            pass
        time.sleep(every)
    raise TimeoutError(f"{what} not ready after {timeout} s")


@functools.cache
def migrated_database() -> Path:
    """A Prefect database that a `newsfacts server` has set up and stopped on (migrations run, block
    types registered), made once per test process. A server started on a copy is up in about 4 s
    instead of 12 s: the tests that are not about a first start begin from it (`with_migrated_database`);
    a first start on an empty database stays tested (the session's server, a run's first local server)."""
    home = Path(tempfile.mkdtemp(prefix="newsfacts-tests-prefect-template-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    with prefect_server(home, migrated=False):
        pass
    return home / DATABASE


def with_migrated_database(home: Path) -> Path:
    """`home`, made if needed, holding a copy of `migrated_database()` where Prefect looks for its
    database (`PREFECT_HOME/prefect.db`), with its write-ahead log if the server left one; a home
    that has a database already keeps it."""
    home.mkdir(parents=True, exist_ok=True)
    if (home / DATABASE).exists():
        return home
    template = migrated_database()
    # The log, not its index (`-shm`), which SQLite rebuilds from the log when it opens the copy.
    for part in (template, template.with_name(DATABASE + "-wal")):
        if part.exists():
            shutil.copyfile(part, home / part.name)
    return home


@contextlib.contextmanager
def prefect_server(home: Path, migrated: bool = True, **settings: str):
    """(API URL, environment for clients) of `newsfacts server` on a free port, its SQLite database
    (a copy of `migrated_database()` unless `migrated` is false) and log in `home`, with extra
    Prefect `settings` in its environment; stopped afterwards."""
    if migrated:
        with_migrated_database(home)
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/{DATABASE}", **settings}
    env.pop("PREFECT_API_URL", None)
    with open(home / "server.log", "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "flows", "server", "--port", str(port)], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        url = f"http://127.0.0.1:{port}/api"
        try:
            wait_for(lambda: httpx.get(f"{url}/health", timeout=5).status_code == 200, "prefect server")
            yield url, env
        finally:
            process.terminate()
            process.wait(timeout=60)


def start_serving(url: str, env: dict, log, *args: str) -> subprocess.Popen:
    """`newsfacts serve ARGS` against the server at `url`, its output to the open file `log`."""
    return subprocess.Popen([sys.executable, "-m", "flows", "serve", *args], env={**env, "PREFECT_API_URL": url},
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


@contextlib.contextmanager
def serving(url: str, env: dict, log_path, *args: str):
    """`newsfacts serve ARGS` running against the server at `url` until the block ends."""
    with open(log_path, "w") as log:
        serve = start_serving(url, env, log, *args)
        try:
            yield serve
        finally:
            serve.terminate()
            serve.wait(timeout=60)


def wait_for_deployment(url: str, name: str, serve: subprocess.Popen) -> dict:
    def registered():
        assert serve.poll() is None, f"newsfacts serve exited with {serve.returncode}"
        answer = httpx.get(f"{url}/deployments/name/news-pipeline/{name}", timeout=5)
        return answer.status_code == 200 and answer.json()

    return wait_for(registered, "served deployment")


def wait_for_runner(log_path, serve: subprocess.Popen) -> None:
    """Until `serve` (writing to `log_path`) says its runner has started polling for runs."""
    from flows.serving import STARTED

    def started():
        assert serve.poll() is None, f"newsfacts serve exited with {serve.returncode}"
        return STARTED in Path(log_path).read_text()

    wait_for(started, "serve's runner", every=0.2)


def prefect_cli(url: str, env: dict, *command: str) -> str:
    """What Prefect's own command line prints for `prefect COMMAND` against the server at `url`."""
    # A wide terminal, so that rich's tables do not cut names.
    done = subprocess.run([sys.executable, "-m", "prefect", *command], capture_output=True, text=True, timeout=120,
                          env={**env, "PREFECT_API_URL": url, "COLUMNS": "400"}, cwd=ROOT)
    assert done.returncode == 0, f"prefect {' '.join(command)}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done.stdout
