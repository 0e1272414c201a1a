"""Shards in worker processes and on a Dask cluster write exactly what one process writes."""

import json

import polars as pl
import pytest

from flows.news_pipeline import news_pipeline
from tasks.schemas import PRIMARY_KEYS, TABLES
from tests.conftest import SEEDS, read

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out


def tables(output, ignore: tuple[str, ...] = ()) -> dict[str, pl.DataFrame]:
    # run_id and source_path name the run and the input copy, not what was extracted.
    return {name: read(output, name).drop("run_id", "source_path", *ignore, strict=False)
            .sort([k for k in PRIMARY_KEYS[name] if k not in ignore] or pl.all()) for name in TABLES}


def assert_same_tables(output, expected_output, ignore: tuple[str, ...] = ()):
    got, expected = tables(output, ignore), tables(expected_output, ignore)
    for name in TABLES:
        assert got[name].equals(expected[name]), name


LONG = ("Officials in Kharkiv said on Monday that 1,200 people had been evacuated from villages near the "
        "border after shelling damaged the water supply, and that buses would keep running through the week "
        "while engineers repaired the pumping station and the regional council counted the cost.")
STORIES = [
    "Vladimir Putin spoke in Moscow on Friday about 300,000 troops.",
    "The mayor of Lviv said 40 homes lost power after the storm.",
    "Trains between Warsaw and Berlin ran 25 minutes late on Tuesday.",
    "Putin said on Monday that 12 regions would vote in September.",
    "A court in Paris fined the firm 3.5 million euros on Wednesday.",
    "Farmers near Odesa shipped 60,000 tonnes of grain last week.",
]


@pytest.fixture(scope="module")
def interleaved(tmp_path_factory):
    """Inputs in batches of two records whose neighbours depend on each other: the second batch
    holds a near-copy of an article of the first, the third repeats a text of the second and names
    Putin by his surname alone, the fourth reuses a publisher id of the third. Two batches at a
    time, each batch reads the state before its neighbour has committed."""
    import json

    folder = tmp_path_factory.mktemp("interleaved") / "in"
    folder.mkdir()
    putin, s1, _, putin_again, *_ = STORIES
    for i, text in enumerate([putin, LONG, LONG + " More buses were promised.", s1, s1]):
        (folder / f"a{i:02d}.txt").write_text(text, encoding="utf-8")
    (folder / "a05.jsonl").write_text(json.dumps({"id": "w-1", "source": "wire", "text": putin_again}),
                                      encoding="utf-8")
    (folder / "b-feed.jsonl").write_text("\n".join(map(json.dumps, [
        {"id": "w-1", "source": "wire", "text": "A different story from Kyiv with 5 people."},
        {"id": "w-3", "source": "wire", "text": "Exports from Chile rose 4% in May."}])), encoding="utf-8")
    expected = tmp_path_factory.mktemp("interleaved-one-process")
    manifest = news_pipeline(inputs=[str(folder)], output_dir=str(expected), batch_size=2)
    assert len(manifest["batches"]) == 4 and manifest["reprocessed_batches"] == 0
    reasons = read(expected, "quarantine")["reason"].to_list()
    assert sorted(reasons) == ["conflicting_id", "duplicate_document"]
    assert read(expected, "documents")["near_duplicate_of"].drop_nulls().len() == 1
    return folder, expected


def test_a_dask_cluster_on_s3_writes_what_one_local_process_writes_after_a_worker_killed_mid_batch(
        interleaved, s3_server):
    # Inputs and tables in a real S3 API (moto on 127.0.0.1), batches on two Dask worker
    # processes. Each worker is told to kill itself in its next batch (after extraction, before
    # returning), and the scheduler gives up on a task whose worker died: the batch fails and the
    # run says so. The nanny starts fresh worker processes, not told anything, and the rerun on
    # them writes what one local process writes, nothing twice.
    distributed = pytest.importorskip("distributed")
    import os

    import dask
    import s3fs

    from tasks.errors import BatchFailedError
    from tasks.io import CRASH_AT_ENV, output_root

    folder, expected = interleaved
    fs = s3fs.S3FileSystem(use_listings_cache=False)
    fs.mkdir("newsfacts-cluster")
    fs.put(f"{folder}/", "newsfacts-cluster/in", recursive=True)
    inputs, output = ["s3://newsfacts-cluster/in"], "s3://newsfacts-cluster/tables"
    # Started after s3_server set the AWS variables: the worker processes inherit them.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            # A lambda travels by value and sets the worker's own environment.
            client.run(lambda: os.environ.__setitem__(CRASH_AT_ENV, "process-batch:1"))
        with pytest.raises(BatchFailedError, match="batch 1 failed"):
            news_pipeline(inputs=inputs, output_dir=output, batch_size=2, dask_address=cluster.scheduler_address)
        (record,) = fs.glob("newsfacts-cluster/tables/_runs/*/manifest.json")
        manifest = json.loads(fs.cat_file(record))
        assert manifest["status"] == "failed" and manifest["batches"][0]["status"] == "failed"
        assert manifest["conserved"] and manifest["accounting"]["held_back"] == 2
        assert not fs.exists("newsfacts-cluster/tables/documents")
        rerun = news_pipeline(inputs=inputs, output_dir=output, batch_size=2, dask_address=cluster.scheduler_address)
    assert rerun["status"] == "completed" and rerun["conserved"]
    # The near-copy, the repeated text and the reused id: each in the batch after the one holding
    # its original, which had not committed when that batch read the state.
    assert rerun["reprocessed_batches"] == 3
    # Read back with polars from S3. A quarantine row's id hashes where its record was (the input's
    # path): the rows are compared without it.
    assert_same_tables(output_root(output), expected, ignore=("quarantine_id",))
    assert not fs.find("newsfacts-cluster/tables/_staging") and not fs.find("newsfacts-cluster/tables/_lease")


def test_a_document_that_breaks_extraction_is_quarantined_alone(tmp_path, monkeypatch):
    from tasks.nlp import extraction

    real = extraction.numbers_of

    def fails_on_seed_000(nlp, doc_ids, texts, docs):
        if any(text.startswith("Russian President Vladimir Putin signed treaties") for text in texts):
            raise RuntimeError("injected failure")
        return real(nlp, doc_ids, texts, docs)

    monkeypatch.setattr(extraction, "numbers_of", fails_on_seed_000)
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
    extract = next(s for s in manifest["stages"] if s["stage"] == "extract_mentions")
    assert (extract["in"], extract["out"], extract["quarantined"]) == (2, 1, 1)


def test_a_batch_failing_a_gate_after_its_process_staged_leaves_nothing_staged(tmp_path, monkeypatch):
    """`process_batch` stages documents and numbers itself; a gate the flow runs afterwards (on
    the linked entities) fails the batch, and what was staged goes with it."""
    from tasks.entities import canonical
    from tasks.validation import QualityGateError

    real = canonical.link_entities
    monkeypatch.setattr(canonical, "link_entities",
                        lambda entities, counts: real(entities, counts).with_columns(entity_id=pl.lit("not-an-id")))
    with pytest.raises(QualityGateError, match="entities"):
        news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path))
    assert (tmp_path / "report.html").exists(), "a run with no batch written still reports"
    assert not any((tmp_path / table).exists() for table in ("documents", "numbers", "entities"))
    assert not list(tmp_path.glob("_staging/*")) and not list(tmp_path.glob("_state/signatures/*"))
    assert read(tmp_path, "quarantine")["reason"].unique().to_list() == ["failed_expectation"]


def test_a_rerun_after_a_failed_run_resumes_after_its_last_committed_batch(seeds_run, tmp_path, monkeypatch):
    import tasks.entities.canonical as canonical
    from tasks.nlp import extraction

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
    real_annotate = extraction.annotate

    def counting(nlp, texts):
        extracted.extend(texts)
        return real_annotate(nlp, texts)

    monkeypatch.setattr(extraction, "annotate", counting)
    manifest = news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), batch_size=1)
    assert len(extracted) == 1, "only the document of the batch that failed is extracted again"
    assert manifest["files_unchanged"] == 1 and manifest["rows_total"]["documents"] == 2
    assert_same_tables(tmp_path, seeds_run[0])


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
    manifest = news_pipeline(inputs=[sys.argv[1]], output_dir=sys.argv[2], workers=2, batch_size=2)
    done.set()
    client = get_client(sync_client=True)  # the temporary server this process started
    runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[manifest["flow_run_id"]])),
                                 sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=200)
    print(json.dumps({"servers": len(servers), "reprocessed": manifest["reprocessed_batches"],
                      "tasks": sorted(run.name.rsplit("-", 1)[0] for run in runs if run.state.is_completed())}))
"""


def test_two_worker_processes_write_what_one_process_writes_and_report_to_the_flow_server(interleaved, tmp_path):
    # Without PREFECT_API_URL, Prefect runs the flow on a temporary local server; each worker
    # process used to start a server of its own (6 s a worker) instead of reporting to the flow's.
    import json
    import os
    import subprocess
    import sys

    from tests.prefect_servers import with_migrated_database

    script = tmp_path / "run.py"
    script.write_text(WORKERS_WITHOUT_A_SERVER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {
        "PREFECT_HOME": str(with_migrated_database(tmp_path / "prefect-home")), "PYTHONPATH": str(SEEDS.parent),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    folder, expected = interleaved
    done = subprocess.run([sys.executable, str(script), str(folder), str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["servers"] == 1
    names = seen["tasks"]
    # Each batch's chain ran in a worker, under its process-batch task, and reported to the flow's
    # server; the three batches processed again (see `interleaved`) ran twice, extracting nothing new.
    assert seen["reprocessed"] == 3
    assert names.count("process_batch") == 4 + 3 and names.count("validate_documents") == 4 + 3
    assert names.count("extract_shard") == 4
    assert_same_tables(tmp_path / "out", expected)
