"""`newsfacts run` without a Prefect API, as most people first run it: the local Prefect server it
starts is found and shared by the runs after it, holds their flow runs, stops once unused and on
`newsfacts server --stop`; a run that finds nothing new starts no flow run and loads neither
Prefect, Great Expectations nor spaCy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from flows import local_server
from tests.conftest import ROOT, SEEDS, read
from tests.prefect_servers import with_migrated_database

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out


@pytest.fixture
def first_home(tmp_path):
    """A user's shell on a fresh machine: no Prefect API configured, an empty Prefect home of its
    own; its local server stopped afterwards."""
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_API_URL", None)
    yield env
    for server in local_server.all_running(env):
        local_server.stop_server(server)


@pytest.fixture
def home(first_home):
    """A user's shell as `first_home`, whose Prefect home holds the database a server set up
    before (`tests.prefect_servers.migrated_database`): its server starts without migrating."""
    with_migrated_database(Path(first_home["PREFECT_HOME"]))
    return first_home


def running(pid: int) -> bool:
    """Whether `pid` runs (an ended process nobody reaped yet, a zombie, does not)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def newsfacts(env, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, **kwargs)


def flow_run_names(url: str) -> list[str]:
    runs = httpx.post(f"{url}/flow_runs/filter", json={"limit": 50}, timeout=30).json()
    return sorted(run["name"] for run in runs)


def test_runs_share_one_local_server_that_holds_their_flow_runs_and_stops_on_request(first_home, tmp_path):
    home = first_home  # the first run on a machine: its server sets up an empty database
    first = newsfacts(home, "run", str(SEEDS), "--output", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr[-3000:]
    server = local_server.find(home)
    assert server is not None and running(server.pid)
    # Outside the run's process group and session: it outlives the run.
    assert os.getpgid(server.pid) != os.getpgid(os.getpid()) and os.getsid(server.pid) == server.pid
    second = newsfacts(home, "run", str(SEEDS), "--output", str(tmp_path / "b"))
    assert second.returncode == 0, second.stderr[-3000:]
    assert local_server.find(home) == server  # found, not started again
    assert [name.split("/")[1] for name in flow_run_names(server.url)] == ["seeds", "seeds"]
    assert read(tmp_path / "b", "documents").height == 2
    assert "Traceback" not in first.stderr + second.stderr and not second.stderr.strip()

    status = newsfacts(home, "server", "--status")
    assert status.returncode == 0 and server.url in status.stdout
    started = time.monotonic()
    stopped = newsfacts(home, "server", "--stop")
    assert stopped.returncode == 0 and f"stopped the local Prefect server at {server.url}" in stopped.stdout
    assert time.monotonic() - started < 10 and not running(server.pid)
    assert local_server.find(home) is None and not server.state.exists()
    assert "no local Prefect server runs" in newsfacts(home, "server", "--status").stdout


def test_a_run_with_nothing_new_starts_no_flow_run_and_loads_no_pipeline(home, tmp_path):
    output = tmp_path / "out"
    assert newsfacts(home, "run", str(SEEDS), "--output", str(output)).returncode == 0
    server = local_server.find(home)
    runs_before, records_before = flow_run_names(server.url), sorted((output / "_runs").iterdir())
    # In this process, as the command runs it: what it imported, and what it printed.
    probe = ("import json, sys; from flows.cli import main; status = main(sys.argv[1:]); "
             "print(json.dumps({'status': status, 'loaded': sorted({m.split('.')[0] for m in sys.modules} "
             "& {'prefect', 'great_expectations', 'spacy'})}))")
    done = subprocess.run([sys.executable, "-c", probe, "run", str(SEEDS), "--output", str(output)], cwd=ROOT,
                          env={**home, "NEWSFACTS_SUPERVISOR_PID": str(os.getpid())}, capture_output=True, text=True,
                          timeout=120)
    said, result = done.stdout.strip().splitlines()
    assert json.loads(result) == {"status": 0, "loaded": []}, done.stderr[-3000:]
    assert said.startswith("newsfacts run: nothing new: the 2 input files were read before and have not changed")
    assert flow_run_names(server.url) == runs_before
    assert sorted((output / "_runs").iterdir()) == records_before
    # Beside the files read before, a new one is read, by a flow run, and the others are not.
    new = tmp_path / "new"
    new.mkdir()
    (new / "extra.txt").write_text("Officials in Kyiv said 12 people were evacuated.", encoding="utf-8")
    rerun = newsfacts(home, "run", str(SEEDS), str(new), "--output", str(output))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "1 written, 0 already written" in rerun.stdout and "2 unchanged since read" in rerun.stdout, rerun.stdout
    assert len(flow_run_names(server.url)) == len(runs_before) + 1


def test_two_runs_starting_at_once_start_one_server(home, tmp_path):
    runs = [subprocess.Popen([sys.executable, "-m", "flows", "run", str(SEEDS), "--output", str(tmp_path / name)],
                             cwd=ROOT, env=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name in ("a", "b")]
    for run in runs:
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr[-3000:]
    (server,) = local_server.all_running(home)
    assert len(flow_run_names(server.url)) == 2


def test_an_unused_server_stops_by_itself_and_sigterm_stops_it_at_once(home):
    server = local_server.start(home, idle_seconds=3)
    local_server.wait_until_up(server)
    deadline = time.monotonic() + 60
    while running(server.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not running(server.pid) and not server.state.exists(), server.log.read_text()[-3000:]
    server = local_server.start(home)
    local_server.wait_until_up(server)
    sent = time.monotonic()
    os.kill(server.pid, signal.SIGTERM)
    while running(server.pid) and time.monotonic() - sent < 30:
        time.sleep(0.1)
    assert time.monotonic() - sent < 5
    assert "Traceback" not in server.log.read_text()


def test_a_configured_prefect_api_is_used_and_no_local_server_started(home, tmp_path):
    profiles = Path(home["PREFECT_HOME"])
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "profiles.toml").write_text('active = "team"\n\n[profiles.team]\nPREFECT_API_URL = '
                                            '"http://127.0.0.1:9/api"\n', encoding="utf-8")
    assert local_server.configured_api_url(home) == "http://127.0.0.1:9/api"
    assert local_server.configured_api_url({**home, "PREFECT_PROFILE": "other"}) is None
    assert local_server.configured_api_url({**home, "PREFECT_API_URL": "http://x/api"}) == "http://x/api"
