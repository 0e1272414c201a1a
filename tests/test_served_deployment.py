"""A real `prefect server` on 127.0.0.1, the flow served by `newsfacts serve`, one run triggered
through the API: the run completes, its stage tasks ran and its artifacts hold the run's figures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from conftest import ROOT, SEEDS, read, render_in_chromium, task_names

STARTUP_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float = STARTUP_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{what} not ready after {timeout} s")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db"}
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "flows", "server", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(lambda: httpx.get(f"{url}/health", timeout=5).status_code == 200, "prefect server")
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def test_served_deployment_runs_and_publishes_artifacts(prefect_server, tmp_path):
    url, env = prefect_server
    output = tmp_path / "out"
    serve_log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows", "serve", str(SEEDS), "--output", str(output), "--cron", "0 0 1 1 *"],
        env={**env, "PREFECT_API_URL": url}, stdout=serve_log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_for(lambda: httpx.get(f"{url}/deployments/name/news-pipeline/news-pipeline", timeout=5)
                 .status_code == 200, "served deployment")
        with temporary_settings({PREFECT_API_URL: url}):
            run = run_deployment("news-pipeline/news-pipeline", timeout=0)
            with get_client(sync_client=True) as client:
                run = wait_for(lambda: (r := client.read_flow_run(run.id)).state.is_final() and r,
                               "flow run", timeout=300)
                names = task_names(client, run.id)
            # The latest artifact of each key, as the UI's artifact pages read them.
            by_key = {key: httpx.get(f"{url}/artifacts/{key}/latest", timeout=30).json() for key in (
                "news-pipeline-summary", "news-pipeline-stages", "news-pipeline-data-docs", "news-pipeline-progress")}
    finally:
        serve.terminate()
        serve.wait(timeout=60)
        serve_log.close()
    assert run.state.is_completed(), (tmp_path / "serve.log").read_text()[-3000:]
    assert run.name.startswith("news-pipeline/seeds/")
    assert {"ingest-documents", "clean-documents", "annotate-text", "extract-entities", "extract-numbers",
            "validate-numbers", "write-tables", "publish-artifacts"} <= names
    assert {a["flow_run_id"] for a in by_key.values()} == {str(run.id)}
    summary = by_key["news-pipeline-summary"]["data"]
    assert "completed" in summary and "| entities | " in summary and "| numbers | passed |" in summary
    stages = json.loads(by_key["news-pipeline-stages"]["data"])
    clean = next(row for row in stages if row["stage"] == "clean")
    assert (clean["in"], clean["out"]) == (2, 2) and clean["seconds"] >= 0
    assert "file://" in by_key["news-pipeline-data-docs"]["data"]
    assert "data_docs/index.html" in by_key["news-pipeline-data-docs"]["data"]
    assert by_key["news-pipeline-progress"]["data"] == 100
    assert read(output, "documents").height == 2
    assert_ui_shows_run(url.removesuffix("/api"), str(run.id), run.name)


def assert_ui_shows_run(ui: str, run_id: str, run_name: str):
    """The Prefect UI's page of the run, rendered by headless Chromium: a screenshot is kept and the
    rendered page names the run."""
    page = f"{ui}/runs/flow-run/{run_id}"
    screenshot = ROOT / "build" / "screenshots" / "flow-run.png"
    dom = render_in_chromium(page, screenshot)
    print(f"Prefect UI screenshot of {page}: {screenshot}")
    assert screenshot.exists() and screenshot.stat().st_size > 10_000
    assert run_name in dom, dom[-2000:]


def test_prefect_yaml_declares_the_flow_and_its_parameters():
    from prefect.flows import load_flow_from_entrypoint

    (deployment,) = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
    assert flow.name == "news-pipeline"
    assert set(deployment["parameters"]) == set(flow.parameters.properties)
    assert deployment["schedules"][0]["cron"] == "*/15 * * * *"
