"""A real `prefect server` on 127.0.0.1, the flow served by `newsfacts serve`, runs triggered
through the API: the run completes, its stage tasks ran, its artifacts hold the run's figures and
Prefect's own CLI and client list them; a failing run notifies a webhook on 127.0.0.1 through an
automation, and two runs of one deployment never overlap."""

from __future__ import annotations

import http.server
import json
import threading

import httpx
import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.alerts import notify_on_failures
from tests.conftest import ROOT, SEEDS, read, render_in_chromium, task_names
from tests.prefect_servers import prefect_cli, serving, wait_for, wait_for_deployment
from tests.prefect_servers import prefect_server as running_server

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("prefect-home")) as (url, env):
        yield url, env


def test_served_deployment_runs_and_publishes_artifacts(prefect_server, tmp_path):
    url, env = prefect_server
    output = tmp_path / "out"
    with serving(url, env, tmp_path / "serve.log", str(SEEDS), "--output", str(output), "--cron", "0 0 1 1 *") as serve:
        wait_for_deployment(url, "news-pipeline", serve)
        with temporary_settings({PREFECT_API_URL: url}):
            run = run_deployment("news-pipeline/news-pipeline", timeout=0)
            with get_client(sync_client=True) as client:
                run = wait_for(lambda: (r := client.read_flow_run(run.id)).state.is_final() and r,
                               "flow run", timeout=300)
                names = task_names(client, run.id)
                # Prefect's client with its own defaults, as a script or notebook calls it.
                listed_runs = {str(r.id) for r in client.read_flow_runs()}
                listed_artifacts = {a.key for a in client.read_artifacts()}
                listed_task_runs = {str(t.flow_run_id) for t in client.read_task_runs()}
            # The latest artifact of each key, as the UI's artifact pages read them.
            by_key = {key: httpx.get(f"{url}/artifacts/{key}/latest", timeout=30).json() for key in (
                "news-pipeline-summary", "news-pipeline-stages", "news-pipeline-data-docs", "news-pipeline-progress",
                "news-pipeline-batches")}
        # Prefect's own command line, as people inspect runs from a terminal.
        printed = {command: prefect_cli(url, env, *command.split()) for command in (
            "flow-run ls", "deployment ls", "artifact ls", "flow ls")}
    assert run.state.is_completed(), (tmp_path / "serve.log").read_text()[-3000:]
    assert run.name.startswith("news-pipeline/seeds/")
    assert {"ingest_documents", "clean_documents", "extract_mentions", "extract_shard",
            "validate_numbers", "commit_batch", "publish_artifacts"} <= names
    assert {a["flow_run_id"] for a in by_key.values()} == {str(run.id)}
    summary = by_key["news-pipeline-summary"]["data"]
    assert "completed" in summary and "| entities | " in summary and "| numbers | passed |" in summary
    stages = json.loads(by_key["news-pipeline-stages"]["data"])
    clean = next(row for row in stages if row["stage"] == "clean_documents")
    assert (clean["in"], clean["out"]) == (2, 2) and clean["seconds"] >= 0
    assert "file://" in by_key["news-pipeline-data-docs"]["data"]
    assert "data_docs/index.html" in by_key["news-pipeline-data-docs"]["data"]
    assert by_key["news-pipeline-progress"]["data"] == 100
    (batch,) = json.loads(by_key["news-pipeline-batches"]["data"])
    assert batch["batch"] == 1 and batch["documents_written"] == 2 and batch["status"] == "written"
    assert read(output, "documents").height == 2
    assert str(run.id) in listed_runs and str(run.id) in listed_task_runs
    assert set(by_key) <= listed_artifacts
    assert str(run.id) in printed["flow-run ls"] and run.name in printed["flow-run ls"]
    assert "news-pipeline/news-pipeline" in printed["deployment ls"]
    assert all(key in printed["artifact ls"] for key in by_key), printed["artifact ls"]
    assert "news-pipeline" in printed["flow ls"]
    assert_ui_shows_run(url.removesuffix("/api"), str(run.id), run.name)


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """A webhook endpoint on 127.0.0.1 keeping the JSON bodies POSTed to it."""

    def __init__(self):
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(json.loads(body or b"{}"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hooks/newsfacts"


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.shutdown()
    receiver.server_close()


def test_failed_gate_notifies_a_webhook_and_runs_never_overlap(prefect_server, webhook, tmp_path):
    url, env = prefect_server
    inputs, output = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    records = [{"id": f"r{i}", "text": f"Story number {i} from Kyiv.", "date": "2022-10-01"} for i in range(3)]
    records[0]["date"] = "1850-01-01"  # fails the `ingested` suite: 1 of 3 rows, over a 10% gate
    (inputs / "feed.jsonl").write_text("\n".join(map(json.dumps, records)), encoding="utf-8")
    name = "failing-feed"
    with serving(url, env, tmp_path / "serve.log", str(inputs), "--output", str(output), "--cron", "0 0 1 1 *",
                 "--name", name, "--max-failed-share", "0.1", "--notify-webhook", webhook.url) as serve:
        wait_for_deployment(url, name, serve)
        with temporary_settings({PREFECT_API_URL: url}):
            # Two runs due at once: the deployment's concurrency limit lets one run, the other is cancelled.
            ids = [run_deployment(f"news-pipeline/{name}", timeout=0).id for _ in range(2)]
            with get_client(sync_client=True) as client:
                runs = [wait_for(lambda i=i: (r := client.read_flow_run(i)).state.is_final() and r, "flow run",
                                 timeout=300) for i in ids]
        log = (tmp_path / "serve.log").read_text()
        assert sorted(r.state.type.value for r in runs) == ["CANCELLED", "FAILED"], log[-3000:]
        failed = next(r for r in runs if r.state.is_failed())
        wait_for(lambda: len(webhook.received) >= 2, "webhook notifications", timeout=120)
        events = httpx.post(f"{url}/events/filter", timeout=30, json={
            "filter": {"event": {"prefix": ["newsfacts."]}, "any_resource": {
                "id": [f"newsfacts.dataset.{output.resolve()}"]}}, "limit": 50}).json()["events"]
    subjects = sorted(n["subject"] for n in webhook.received)
    assert subjects == [f"newsfacts: newsfacts.gate.failed in {output}", f"newsfacts: newsfacts.run.failed in {output}"]
    gate_note = next(n for n in webhook.received if "gate.failed" in n["subject"])
    assert "quality gate 'ingested'" in gate_note["body"] and failed.name in gate_note["body"]
    gate_event = next(e for e in events if e["event"] == "newsfacts.gate.failed")
    assert gate_event["payload"]["suite"] == "ingested"
    assert gate_event["payload"]["failed_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert gate_event["payload"]["output"] == str(output)
    assert gate_event["payload"]["run_id"] in gate_note["body"]
    assert {r["prefect.resource.id"] for r in gate_event["related"]} >= {f"prefect.flow-run.{failed.id}"}
    # Setting it up again (a restarted `newsfacts serve`) replaces the automation, not adds one.
    with temporary_settings({PREFECT_API_URL: url}):
        notify_on_failures(webhook.url, output, name)
        with get_client(sync_client=True) as client:
            assert len(client.read_automations_by_name(f"{name}: notify on failures")) == 1


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
    # Generated from the run configuration, with its defaults.
    from flows.deployment import render_prefect_yaml
    from tasks.config import RunConfig

    assert (ROOT / "prefect.yaml").read_text() == render_prefect_yaml(), "run `newsfacts prefect-yaml --write`"
    assert deployment["parameters"] == RunConfig().as_parameters()
    assert deployment["schedules"][0]["cron"] == "*/15 * * * *"
    assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}


def test_prefect_yaml_deploys_with_its_schedule_and_no_overlap(prefect_server):
    """`prefect deploy --all` from this folder, as teams with work pools run it."""
    url, env = prefect_server
    prefect_cli(url, env, "work-pool", "create", "newsfacts", "--type", "process", "--overwrite")
    prefect_cli(url, env, "--no-prompt", "deploy", "--all")
    deployment = httpx.get(f"{url}/deployments/name/news-pipeline/news-pipeline", timeout=30).json()
    assert deployment["work_pool_name"] == "newsfacts"
    assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["*/15 * * * *"]
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"


def test_a_served_feed_schedule_fetches_and_its_next_run_fetches_nothing_it_has(prefect_server, tmp_path):
    """`newsfacts serve --feeds FILE --cron ...`, its runs started as the schedule starts them: the
    first fetches the feed and the page of its teaser item; the next gets a 304 for the feed and
    asks for no page."""
    from tests.news_pages import NewsSite, news_site

    url, env = prefect_server
    output = tmp_path / "out"
    with news_site() as site:
        feeds = tmp_path / "feeds.txt"
        feeds.write_text(f"{site}/atom.xml\n", encoding="utf-8")
        asked = []
        with serving(url, env, tmp_path / "serve.log", "--feeds", str(feeds), "--output", str(output),
                     "--fetch-delay", "0", "--cron", "0 0 1 1 *", "--name", "feeds") as serve:
            wait_for_deployment(url, "feeds", serve)
            with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
                runs = []
                for _ in range(2):
                    before = dict(NewsSite.requests)
                    run = run_deployment("news-pipeline/feeds", timeout=0)
                    runs.append(wait_for(lambda r=run: (f := client.read_flow_run(r.id)).state.is_final() and f,
                                         "flow run", timeout=300))
                    asked.append({p for p, n in NewsSite.requests.items() if n > before.get(p, 0)})
    assert all(run.state.is_completed() for run in runs), (tmp_path / "serve.log").read_text()[-3000:]
    assert runs[0].name.startswith("news-pipeline/feeds.txt/")
    assert asked == [{"/robots.txt", "/atom.xml", "/world/grain-exports"}, {"/robots.txt", "/atom.xml"}]
    assert sorted(read(output, "documents")["source_format"]) == ["feed", "warc"]
