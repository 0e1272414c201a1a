"""Shared helpers: tables read back as users read them, the environment of a `newsfacts` process,
a real S3 API on loopback.

`tests/unit/` holds the tests of the pure logic, package by package: they start no Prefect server
and load no model (`tests/unit/conftest.py` fails one that does). `tests/system/` holds the rest:
the real flow, servers, worker processes, the model, object stores."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# A Prefect home of the test process's own: a `newsfacts run` a test starts without a Prefect API
# starts its local server there (not in the user's), and the session stops it (`stop_local_servers`).
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="newsfacts-tests-prefect-home-")

import polars as pl  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_000 = "000_b4d544e3e65197ec"
SEED_002 = "002_5338102599ccf4b8"


def stop_local_servers(env) -> None:
    """Every local Prefect server `newsfacts run` started for the Prefect home of `env`, stopped."""
    from flows import local_server

    for server in local_server.all_running(env):
        local_server.stop_server(server)


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a `newsfacts` child process, reporting to the tests' Prefect server: a run
    without one starts (or finds) the local server of the tests' Prefect home (tests of that path
    clear it)."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), **extra}


def read(output: Path, table: str) -> pl.DataFrame:
    """A written table, read back as a dataset the way downstream users read it."""
    return pl.scan_parquet(str(output / table / "**" / "*.parquet")).collect()


def task_names(client, flow_run_id) -> set[str]:
    """Names (without their run suffix) of the task runs of a flow run and of its subflow runs."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterParentFlowRunId
    from prefect.client.schemas.sorting import TaskRunSort

    names = set()
    for flow_runs in (FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                      FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id]))):
        tasks = client.read_task_runs(flow_run_filter=flow_runs, sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200)
        names |= {t.name.rsplit("-", 1)[0] for t in tasks if t.state.is_completed()}
    return names


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--virtual-time-budget=20000"]


def render_in_chromium(page: str, screenshot: Path, window: str = "1440,900") -> str:
    """`page` rendered by headless Chromium: a screenshot saved to `screenshot`, and the DOM after
    its scripts ran. Skips the test when Chromium is not installed (.ci/run installs it)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    flags = [*CHROMIUM_FLAGS, f"--window-size={window}"]
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, *flags, f"--user-data-dir={profile}", f"--screenshot={screenshot}", page],
                       capture_output=True, timeout=120, check=False)
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium, *flags, f"--user-data-dir={profile}", "--dump-dom", page],
                              capture_output=True, text=True, timeout=120, check=False).stdout


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """The URL of a real S3 API on 127.0.0.1: moto's server mode, in its own process, for the session."""
    import socket
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"moto server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def s3_server(s3_endpoint, monkeypatch):
    """The environment that points AWS clients at `s3_endpoint` for one test (botocore and s3fs,
    polars' object store and pyarrow all read `AWS_ENDPOINT_URL`); the test's buckets are its own
    to create. Set per test, so no other test sees AWS settings."""
    env = {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
