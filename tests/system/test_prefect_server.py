"""The Prefect server this project pins answers the requests its clients and UI send.

FastAPI releases have broken Prefect 3.8's server without breaking its import: from 0.151 its
filter endpoints answer 422 to the bodies Prefect's own client sends (`"sort": null`), and from
0.155 building the API schema fails ('min_items'). A transitive upgrade that `make lock` brings is
caught here (shown failing with FastAPI 0.151.0 installed over the pins)."""

from __future__ import annotations

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL

# Bodies as the UI's lists send them (a page of the newest first), and as Prefect's client sends
# them (no sort chosen).
CLIENT_FILTERS = {path: {"sort": None, "limit": 200, "offset": 0}
                  for path in ("flows/filter", "flow_runs/filter", "task_runs/filter", "deployments/filter")}
UI_FILTERS = {
    "flows/filter": {"limit": 10, "offset": 0, "sort": "NAME_ASC"},
    "flow_runs/filter": {"limit": 10, "offset": 0, "sort": "START_TIME_DESC",
                         "flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED"]}}}},
    "flow_runs/count": {"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}},
    "task_runs/filter": {"limit": 10, "offset": 0, "sort": "EXPECTED_START_TIME_DESC"},
    "deployments/filter": {"limit": 10, "offset": 0, "sort": "NAME_ASC"},
    "artifacts/filter": {"limit": 10, "offset": 0, "sort": "CREATED_DESC"},
    "logs/filter": {"limit": 10, "offset": 0, "sort": "TIMESTAMP_ASC"},
    "work_pools/filter": {"limit": 10, "offset": 0},
}


@pytest.mark.parametrize(("path", "body"), [*CLIENT_FILTERS.items(), *UI_FILTERS.items()])
def test_the_server_answers_the_filters_its_client_and_ui_send(path, body):
    response = httpx.post(f"{PREFECT_API_URL.value()}/{path}", json=body, timeout=30)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])


def test_the_servers_api_schema_builds():
    api = PREFECT_API_URL.value()
    response = httpx.get(f"{api.removesuffix('/api')}/api/openapi.json", timeout=60)
    assert response.status_code == 200, response.text[:500]
    assert "/flow_runs/filter" in response.json()["paths"]


def test_prefects_client_creates_a_flow_run_and_moves_it_through_its_states():
    from prefect import flow
    from prefect.states import Completed, Running

    @flow(name="newsfacts-server-check")
    def check():
        pass

    with get_client(sync_client=True) as client:
        created = client.create_flow_run(check, name="server-check")
        for state in (Running(), Completed()):
            assert client.set_flow_run_state(created.id, state).status.value == "ACCEPT"
        read = client.read_flow_run(created.id)
        listed = client.read_flow_runs(limit=200)
    assert read.name == "server-check" and read.state.is_completed()
    assert created.id in {run.id for run in listed}
