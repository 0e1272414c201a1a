"""Scheduled runs as they happen for users: `newsfacts serve --interval` against a real `newsfacts
server`, whose own scheduler (not the test) creates the flow run from the deployment's schedule; the
served runner runs it and it writes the tables. `newsfacts serve` then ends within seconds on
SIGTERM or SIGINT, with the server up or gone, without Prefect's warnings, also when the signal
comes while the runner is starting the next run: no flow-run process outlives it and that run ends
Cancelled, not left Pending or Running.

The server's scheduler loops are shortened through Prefect's settings so that the first run falls
due within seconds. Nothing here creates a flow run through the API."""

from __future__ import annotations

import signal
import time

import httpx
import psutil
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.conftest import SEEDS, read
from tests.prefect_servers import prefect_server, start_serving, wait_for, wait_for_deployment, wait_for_runner

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out

# The scheduler's loops (60 s and 5 s by default) and the runner's poll (10 s by default), shortened.
FAST_SCHEDULING = {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
                   "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
                   "PREFECT_RUNNER_POLL_FREQUENCY": "2"}
INTERVAL_SECONDS = 15
# `flows.serving.STOP_SECONDS` plus the process's own exit.
STOP_WITHIN = 5.0


def stop(serve, signum: int) -> float:
    """Seconds `serve` took to end after `signum`."""
    sent = time.monotonic()
    serve.send_signal(signum)
    serve.wait(timeout=60)
    return time.monotonic() - sent


def flow_run_process(serve, client, by_deployment, after) -> tuple[psutil.Process, str] | None:
    """(process, flow run id) of the run of the deployment after the completed run `after`, once
    `serve`'s runner has started its process (Prefect runs a served flow in a multiprocessing spawn
    child). The deployment's concurrency limit of one lets that run start only once `after` has
    ended, so its process is the spawn child started since: the one of `after` may still be exiting."""
    ended = after.end_time.timestamp() if after.end_time else 0.0
    for child in psutil.Process(serve.pid).children():
        try:
            if "spawn_main" not in " ".join(child.cmdline()) or child.create_time() < ended:
                continue
        except psutil.Error:
            continue
        pending = client.read_flow_runs(deployment_filter=by_deployment, flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PENDING, StateType.RUNNING]))))
        starting = [run for run in pending if run.id != after.id]
        if starting:
            return child, str(starting[0].id)
    return None


def test_the_servers_scheduler_starts_a_run_that_writes_tables_and_serve_stops_on_sigterm(tmp_path):
    home, output = tmp_path / "prefect-home", tmp_path / "out"
    home.mkdir()
    with prefect_server(home, **FAST_SCHEDULING) as (url, env), open(tmp_path / "serve.log", "w") as log:
        serve = start_serving(url, env, log, str(SEEDS), "--output", str(output),
                              "--interval", str(INTERVAL_SECONDS), "--name", "every-15-s")
        try:
            deployment = wait_for_deployment(url, "every-15-s", serve)
            with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
                by_deployment = DeploymentFilter(id=DeploymentFilterId(any_=[deployment["id"]]))

                def completed_run():
                    assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                    runs = client.read_flow_runs(deployment_filter=by_deployment)
                    failed = [r for r in runs if r.state.is_failed() or r.state.is_crashed()]
                    assert not failed, (failed, (tmp_path / "serve.log").read_text()[-3000:])
                    return next((r for r in runs if r.state.is_completed()), None)

                try:
                    run = wait_for(completed_run, "a scheduled run completed", timeout=240, every=2)
                except TimeoutError:
                    errors = [line for line in (home / "server.log").read_text().splitlines() if "Error" in line]
                    pytest.fail(f"no scheduled run completed in 240 s: "
                                f"{len(client.read_flow_runs(deployment_filter=by_deployment))} runs; "
                                f"the server's errors: {errors[-5:]}")
                # The next run falls due every 15 s: the signal comes while its process is starting.
                starting, interrupted = wait_for(lambda: flow_run_process(serve, client, by_deployment, run),
                                                 "the next scheduled run's process", timeout=120, every=0.2)
                seconds = stop(serve, signal.SIGTERM)
                assert not starting.is_running(), "a flow-run process outlived newsfacts serve"
                interrupted_state = client.read_flow_run(interrupted).state
                states = {str(r.id): r.state for r in client.read_flow_runs(deployment_filter=by_deployment)}
        finally:
            if serve.poll() is None:
                serve.kill()
        paused = httpx.get(f"{url}/deployments/{deployment['id']}", timeout=30).json()
    printed = (tmp_path / "serve.log").read_text()
    # Created by the server's scheduler from the deployment's schedule, not by a client.
    assert run.auto_scheduled and run.created_by.type == "SCHEDULE"
    assert str(run.created_by.id) in {s["id"] for s in deployment["schedules"]}
    assert run.name.startswith("news-pipeline/seeds/")
    assert read(output, "documents").height == 2 and read(output, "entities").height > 100
    assert seconds < STOP_WITHIN, f"{seconds:.1f} s\n{printed[-3000:]}"
    assert serve.returncode == 128 + signal.SIGTERM
    assert interrupted_state.is_cancelled(), interrupted_state
    assert paused["paused"] or not any(s["active"] for s in paused["schedules"]), paused
    assert "RuntimeWarning" not in printed and "Traceback" not in printed, printed[-3000:]
    said = "newsfacts: serve stopped by SIGTERM: deployment news-pipeline/every-15-s: its schedule paused; " \
        "flow run(s) in progress cancelled: "
    last = printed.rstrip().splitlines()[-1]
    assert last.startswith(said), last
    # Only runs serve cancelled are named: the interrupted one, and on a slow machine the one due
    # while it started (each a run of this deployment, now Cancelled), never the completed run.
    cancelled = last[len(said):].split(", ")
    assert interrupted in cancelled, (cancelled, states)
    assert all(run_id in states and states[run_id].is_cancelled() for run_id in cancelled), (cancelled, states)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_within_seconds_once_the_server_is_gone(tmp_path, signum):
    home = tmp_path / "prefect-home"
    home.mkdir()
    with open(tmp_path / "serve.log", "w") as log:
        with prefect_server(home) as (url, env):
            serve = start_serving(url, env, log, str(SEEDS), "--output", str(tmp_path / "out"), "--cron", "0 0 1 1 *")
            wait_for_deployment(url, "news-pipeline", serve)
            # The server ends once the runner has started: before, it is the start that fails.
            wait_for_runner(tmp_path / "serve.log", serve)
        try:
            seconds = stop(serve, signum)
        finally:
            if serve.poll() is None:
                serve.kill()
    printed = (tmp_path / "serve.log").read_text()
    assert seconds < STOP_WITHIN, f"{seconds:.1f} s\n{printed[-3000:]}"
    assert serve.returncode == 128 + signum
    assert "RuntimeWarning" not in printed and "Traceback" not in printed, printed[-3000:]
    assert printed.rstrip().splitlines()[-1].startswith(f"newsfacts: serve stopped by {signal.Signals(signum).name}")
