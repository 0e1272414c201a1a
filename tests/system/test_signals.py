"""`newsfacts run` stopped from outside, as a person or a scheduler stops it: SIGTERM and SIGINT end
it within seconds with one line and no traceback, SIGKILL of the command leaves nothing behind,
and however a run ends, no process of the run survives it (the local Prefect server runs share is
not the run's). The next run converges."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.sorting import FlowRunSort
from prefect.settings import PREFECT_API_URL

from flows import local_server
from flows.supervise import GRACE_SECONDS, SUPERVISOR_PID
from tasks.io import STAGING_DIR, STATE_DIR
from tests.conftest import ROOT, SEEDS, read
from tests.sample_articles import ARTICLES

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out

COPIES = 3  # of each sample article, each made distinct, so extraction lasts long enough to interrupt
# A run stopped by a signal ends within the supervisor's grace period, plus polling and reaping.
STOP_SECONDS = GRACE_SECONDS + 3
BATCH_SIZE = 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("signals") / "in"
    shutil.copytree(SEEDS, folder)
    for copy in range(COPIES):
        for name, text in ARTICLES.items():
            (folder / f"{name}-{copy}.txt").write_text(f"Edition {copy} of the {name} story. {text}", encoding="utf-8")
    return folder


def start_run(inputs: Path, output: Path, api_url: str | None = None, shard_size: int = 1,
              batch_size: int = BATCH_SIZE) -> subprocess.Popen:
    """`newsfacts run` in a child process, reporting to the Prefect server at `api_url` or, without
    one, to the local server it starts or finds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return subprocess.Popen([sys.executable, "-m", "flows", "run", str(inputs), "--output", str(output),
                             "--shard-size", str(shard_size), "--batch-size", str(batch_size), "--quiet"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def started_by(run: subprocess.Popen) -> list[psutil.Process]:
    """Every live process `run` started, directly or not, even once re-parented: they all carry
    its pid in their environment."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(SUPERVISOR_PID) == str(run.pid) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def wait_until_extracting(run: subprocess.Popen, output: Path, timeout: float = 240) -> list[psutil.Process]:
    """The processes of `run` once its first batch is committed (its server is up, the next batch under way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert run.poll() is None, run.stderr.read()[-3000:]
        if list((output / STATE_DIR / "commits").glob("*.json")):
            return started_by(run)
        time.sleep(0.2)
    raise TimeoutError("extraction did not start")


def assert_all_gone(processes: list[psutil.Process], run: subprocess.Popen, within: float = 5.0) -> None:
    _, alive = psutil.wait_procs(processes, timeout=within)
    assert not alive, [p.cmdline() for p in alive]
    assert not started_by(run)


def stop_during_extraction(run: subprocess.Popen, output: Path, signum: int) -> list[str]:
    """Send `signum` once `run` extracts, checking that it ended within seconds with 128 + signum and
    one line, no traceback, and took every process it had started along; their command lines."""
    processes = wait_until_extracting(run, output)
    commands = [" ".join(p.cmdline()) for p in processes]
    sent = time.monotonic()
    run.send_signal(signum)
    _, stderr = run.communicate(timeout=60)
    stopped = time.monotonic() - sent
    assert run.returncode == 128 + signum, stderr[-3000:]
    assert stopped < STOP_SECONDS, f"{stopped:.1f} s"
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith(f"newsfacts: stopped by {signal.Signals(signum).name}")
    assert_all_gone(processes, run)
    assert read(output, "documents").height < 2 + COPIES * len(ARTICLES), "the run stopped before its end"
    return commands


def test_sigterm_stops_a_run_within_seconds_records_it_crashed_and_a_rerun_converges(corpus, tmp_path):
    output, api_url = tmp_path / "out", PREFECT_API_URL.value()
    stop_during_extraction(start_run(corpus, output, api_url), output, signal.SIGTERM)
    with get_client(sync_client=True) as client:
        (latest,) = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
    assert latest.state.is_crashed(), latest.state
    assert "stopped by a signal" in latest.state.message
    # The rest in one batch: each batch costs its quality gates, and this run only has to converge.
    rerun = start_run(corpus, output, api_url, shard_size=8, batch_size=1000)
    _, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stderr[-3000:]
    assert read(output, "documents").height == 2 + COPIES * len(ARTICLES)
    assert not list((output / STAGING_DIR).iterdir())


def test_sigint_stops_a_run_and_its_extraction_processes_not_the_shared_server(corpus, tmp_path):
    output = tmp_path / "out"
    commands = stop_during_extraction(start_run(corpus, output), output, signal.SIGINT)
    assert any("multiprocessing" in command for command in commands), "the run's extraction processes"
    # The local Prefect server runs without a configured API share is not the run's: it goes on.
    server = local_server.find()
    assert server is not None and httpx.get(f"{server.url}/health", timeout=10).status_code == 200


def test_sigkill_of_the_command_leaves_no_process_behind(corpus, tmp_path):
    output = tmp_path / "out"
    run = start_run(corpus, output)
    processes = wait_until_extracting(run, output)
    assert len(processes) >= 2  # the run and its extraction processes
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    assert_all_gone(processes, run)


def test_a_failed_run_leaves_no_process_behind(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.jsonl").write_text('{"id": "1", "text": "Kyiv said so.", "date": "1850-01-01"}\n', encoding="utf-8")
    run = start_run(inputs, tmp_path / "out")
    seen: set[psutil.Process] = set()
    while run.poll() is None:
        seen.update(started_by(run))
        time.sleep(0.2)
    stderr = run.stderr.read()
    assert run.returncode == 1 and "quality gate failed" in stderr and "Traceback" not in stderr, stderr[-3000:]
    assert seen  # the run was seen while it ran
    assert_all_gone(list(seen), run)
    assert local_server.find() is not None  # the shared local server goes on
