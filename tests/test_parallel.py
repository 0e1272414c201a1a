"""Shards in worker processes and on a Dask cluster write exactly what one process writes."""

import polars as pl
import pytest

from conftest import SEEDS, read
from flows.news_pipeline import news_pipeline
from tasks.schemas import PRIMARY_KEYS, TABLES

pytestmark = pytest.mark.slow  # `make test-fast` leaves these system tests out


def tables(output) -> dict[str, pl.DataFrame]:
    # run_id and source_path name the run and the input copy, not what was extracted.
    return {name: read(output, name).drop("run_id", "source_path", strict=False).sort(list(PRIMARY_KEYS[name]))
            for name in TABLES}


def assert_same_tables(output, expected_output):
    got, expected = tables(output), tables(expected_output)
    for name in TABLES:
        assert got[name].equals(expected[name]), name


def test_two_worker_processes_write_what_one_process_writes(seeds_run, tmp_path):
    expected_output, _ = seeds_run
    manifest = news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), workers=2, shard_size=1)
    assert manifest["workers"] == 2 and manifest["rows_total"]["documents"] == 2
    assert_same_tables(tmp_path, expected_output)


def test_a_dask_cluster_writes_what_one_process_writes(seeds_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    expected_output, _ = seeds_run
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), shard_size=1,
                      dask_address=cluster.scheduler_address)
    assert_same_tables(tmp_path, expected_output)


def test_a_document_that_breaks_extraction_is_quarantined_alone(tmp_path, monkeypatch):
    import flows.shards as shards

    real = shards.numbers_of

    def fails_on_seed_000(nlp, doc_ids, texts, docs):
        if any(text.startswith("Russian President Vladimir Putin signed treaties") for text in texts):
            raise RuntimeError("injected failure")
        return real(nlp, doc_ids, texts, docs)

    monkeypatch.setattr(shards, "numbers_of", fails_on_seed_000)
    # Both seeds in one shard: the shard fails, is retried one document at a time, and only the
    # document that fails again is quarantined.
    manifest = news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), shard_size=2)
    quarantine = read(tmp_path, "quarantine")
    assert quarantine["reason"].to_list() == ["extraction_error"]
    assert "injected failure" in quarantine["detail"][0]
    documents = read(tmp_path, "documents")
    assert documents.height == 1 and documents["dateline"][0] == "MOSCOW, Russia"
    assert set(read(tmp_path, "entities")["doc_id"]) == set(documents["doc_id"])
    assert manifest["conserved"]
    extract = next(s for s in manifest["stages"] if s["stage"] == "extract-mentions")
    assert (extract["in"], extract["out"], extract["quarantined"]) == (2, 1, 1)


def test_a_rerun_after_a_failed_run_resumes_after_its_last_committed_batch(seeds_run, tmp_path, monkeypatch):
    import flows.shards as shards
    import tasks.canonical as canonical

    real_link = canonical.link_entities
    calls = []

    def fails_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("crash in the second batch")
        return real_link(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(canonical, "link_entities", fails_on_the_second_batch)
        with pytest.raises(RuntimeError, match="crash in the second batch"):
            news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), batch_size=1)
    assert read(tmp_path, "documents").height == 1  # the first batch was committed, the second not
    extracted = []
    real_annotate = shards.annotate

    def counting(nlp, texts):
        extracted.extend(texts)
        return real_annotate(nlp, texts)

    monkeypatch.setattr(shards, "annotate", counting)
    manifest = news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), batch_size=1)
    assert len(extracted) == 1, "only the document of the batch that failed is extracted again"
    assert manifest["files_unchanged"] == 1 and manifest["rows_total"]["documents"] == 2
    assert_same_tables(tmp_path, seeds_run[0])


def test_worker_processes_import_no_great_expectations():
    # Worker processes import the shard tasks' module; Great Expectations alone took them 4.7 s.
    import subprocess
    import sys

    code = "import sys, flows.shards; print('great_expectations' in sys.modules, 'flows.news_pipeline' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


WORKERS_WITHOUT_A_SERVER = """
import json, sys, threading
import psutil
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import TaskRunSort
from flows.news_pipeline import news_pipeline

servers, done = set(), threading.Event()


def watch():  # every Prefect API server process started under this one, while the flow runs
    while not done.wait(0.1):
        for child in psutil.Process().children(recursive=True):
            try:
                if "uvicorn" in " ".join(child.cmdline()):
                    servers.add(child.pid)
            except psutil.Error:
                pass


if __name__ == "__main__":
    threading.Thread(target=watch, daemon=True).start()
    manifest = news_pipeline(inputs=[sys.argv[1]], output_dir=sys.argv[2], workers=2, shard_size=1)
    done.set()
    client = get_client(sync_client=True)  # the temporary server this process started
    runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[manifest["flow_run_id"]])),
                                 sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200)
    print(json.dumps({"servers": len(servers),
                      "tasks": sorted(run.name.rsplit("-", 1)[0] for run in runs if run.state.is_completed())}))
"""


def test_worker_processes_report_to_the_temporary_server_of_the_flow(tmp_path):
    # Without PREFECT_API_URL, Prefect runs the flow on a temporary local server; each worker
    # process used to start a server of its own (6 s a worker) instead of reporting to the flow's.
    import json
    import os
    import subprocess
    import sys

    script = tmp_path / "run.py"
    script.write_text(WORKERS_WITHOUT_A_SERVER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"), "PYTHONPATH": str(SEEDS.parent),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    done = subprocess.run([sys.executable, str(script), str(SEEDS), str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["servers"] == 1
    names = seen["tasks"]
    assert names.count("extract-shard") == 2 and names.count("prepare-worker") == 2
    assert names.count("annotate-text") == 2 and "validate-documents" in names
