"""Inputs and tables on an object store: a real S3 API on 127.0.0.1 (moto's server mode), through a
proxy the test controls when a store error is wanted."""

from __future__ import annotations

import http.client
import http.server
import json
import shutil
import threading
from pathlib import Path

import polars as pl
import pytest

from flows.news_pipeline import news_pipeline
from tasks.schemas import PRIMARY_KEYS, TABLES
from tests.conftest import SEEDS, read

pytestmark = pytest.mark.slow

FEED = [{"id": "w-1", "source": "wire", "text": "Rescuers in Dnipro found 7 survivors on Sunday."},
        {"id": "w-2", "source": "wire", "text": "The port of Gdansk handled 9 ships on Monday."}]


def comparable(output: Path, table: str) -> pl.DataFrame:
    # run_id and source_path name the run and where the input was, not what was extracted.
    return read(output, table).drop("run_id", "source_path", strict=False).sort(list(PRIMARY_KEYS[table]))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """(the seeds and a JSONL feed in a local folder, the tables one process writes from it). The
    folder has the name of the prefix they are uploaded under, so files get the same `source_id`
    (`news/seeds/...`) in both."""
    folder = tmp_path_factory.mktemp("s3-inputs") / "news"
    shutil.copytree(SEEDS, folder / "seeds")
    (folder / "wire.jsonl").write_text("\n".join(map(json.dumps, FEED)) + "\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("not an input", encoding="utf-8")
    output = tmp_path_factory.mktemp("s3-inputs-local")
    return folder, output, news_pipeline(inputs=[str(folder)], output_dir=str(output))


def upload(folder: Path, bucket: str) -> None:
    import s3fs

    fs = s3fs.S3FileSystem()
    fs.mkdir(bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fs.pipe_file(f"{bucket}/news/{path.relative_to(folder).as_posix()}", path.read_bytes())


def test_tables_on_s3_from_inputs_on_s3_equal_a_local_run_and_read_back_everywhere(s3_server, reference, capsys):
    import duckdb
    import pyarrow.dataset as ds
    import s3fs

    from flows.cli import main
    from tasks.io import output_root

    inputs, local_output, local = reference
    upload(inputs, "newsfacts-inputs")
    fs = s3fs.S3FileSystem(use_listings_cache=False)
    fs.mkdir("newsfacts-tables")
    output = "s3://newsfacts-tables/out"
    remote = news_pipeline(inputs=["s3://newsfacts-inputs/news"], output_dir=output)
    assert remote["rows_total"] == local["rows_total"] and remote["rows_total"]["documents"] == 4
    for table in TABLES:
        assert comparable(output_root(output), table).equals(comparable(local_output, table)), table
    paths = sorted(read(output_root(output), "documents")["source_path"].unique())
    assert paths[0].startswith("s3://newsfacts-inputs/news/seeds/")
    assert paths[-1] == "s3://newsfacts-inputs/news/wire.jsonl"
    # The run's records beside the tables: manifest, Data Docs, report; no staged object or lease left.
    assert remote["data_docs"] == f"{output}/_runs/{remote['run_id']}/data_docs/index.html"
    assert fs.exists(remote["data_docs"]) and fs.exists(f"{output}/report.html")
    assert json.loads(fs.cat_file(f"{output}/_runs/{remote['run_id']}/manifest.json"))["status"] == "completed"
    assert not fs.find("newsfacts-tables/out/_lease") and not fs.find("newsfacts-tables/out/_staging")

    # Read back from S3 as downstream users do: pyarrow's dataset (Hive partitions), DuckDB through
    # the fsspec filesystem (its httpfs extension cannot be installed offline), `newsfacts query`.
    numbers = ds.dataset("newsfacts-tables/out/numbers", filesystem=fs, format="parquet", partitioning="hive")
    assert numbers.count_rows() == local["rows_total"]["numbers"]
    assert "published_month" in numbers.schema.names
    connection = duckdb.connect()
    connection.register_filesystem(fs)
    (count,) = connection.sql(f"SELECT count(*) FROM read_parquet('{output}/entities/**/*.parquet', "
                              "hive_partitioning = true)").fetchall()[0]
    assert count == local["rows_total"]["entities"]
    assert main(["query", "SELECT count(*) AS n FROM documents", "--output", output, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"n": 4}

    # Listed again: the objects unchanged are skipped unread (the hidden one never counts), the
    # object written again is read again, and only its new record is added.
    fs.pipe_file("newsfacts-inputs/news/wire.jsonl", "\n".join(map(json.dumps, [
        *FEED, {"id": "w-3", "source": "wire", "text": "Exports from Chile rose 4% in May."}])).encode())
    third = news_pipeline(inputs=["s3://newsfacts-inputs/news"], output_dir=output)
    assert third["files_unchanged"] == 2 and third["rows_written"]["documents"] == 1


def test_an_output_bucket_that_does_not_exist_is_a_usage_error(s3_server):
    from flows.run_command import check_paths
    from tasks.errors import UsageError

    with pytest.raises(UsageError, match="bucket newsfacts-nowhere does not exist"):
        check_paths([str(SEEDS)], "s3://newsfacts-nowhere/tables")


def test_a_missing_prefix_is_a_usage_error(s3_server, tmp_path):
    import s3fs

    from flows.run_command import check_paths
    from tasks.errors import UsageError

    s3fs.S3FileSystem().mkdir("newsfacts-empty")
    with pytest.raises(UsageError, match="input path does not exist: s3://newsfacts-empty/nothing"):
        check_paths(["s3://newsfacts-empty/nothing"], str(tmp_path / "out"))


class FailingProxy(http.server.ThreadingHTTPServer):
    """A proxy in front of the S3 server that answers 503 to reads of keys containing `broken`."""

    def __init__(self, upstream: str):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream = upstream.removeprefix("http://")
        self.broken: str | None = None
        self.refused = 0


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.1: botocore sends PUTs with `Expect: 100-continue` and waits for the 100 the handler
    # then answers (keep-alive holds: every answer has a Content-Length).
    protocol_version = "HTTP/1.1"

    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "GET" and self.server.broken and self.server.broken in self.path:
            self.server.refused += 1
            error = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Length", str(len(error)))
            self.end_headers()
            self.wfile.write(error)
            return
        upstream = http.client.HTTPConnection(self.server.upstream, timeout=30)
        upstream.request(self.command, self.path, body=body or None,
                         headers={k: v for k, v in self.headers.items() if k.lower() not in ("host", "expect")})
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        # A HEAD answer has no body but the object's length, which readers size their reads by.
        self.send_header("Content-Length", answer.getheader("Content-Length", "0") if self.command == "HEAD"
                         else str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

    def log_message(self, *args):
        pass


def test_an_object_the_store_will_not_give_is_quarantined_and_read_by_the_next_run(
        s3_server, reference, tmp_path, monkeypatch):
    import s3fs

    from tasks.io import output_root

    inputs, local_output, _ = reference
    upload(inputs, "newsfacts-flaky")
    output = "s3://newsfacts-flaky/tables"  # written through the proxy too
    proxy = FailingProxy(s3_server["AWS_ENDPOINT_URL"])
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # botocore retries 503s; two tries keep the test short
    proxy.broken = "wire.jsonl"
    s3fs.S3FileSystem.clear_instance_cache()  # fsspec keeps filesystems made with the old endpoint
    try:
        first = news_pipeline(inputs=["s3://newsfacts-flaky/news"], output_dir=output)
        assert proxy.refused >= 1
        quarantine = read(output_root(output), "quarantine")
        assert quarantine["reason"].to_list() == ["unreadable_file"]
        assert quarantine["source_path"][0] == "s3://newsfacts-flaky/news/wire.jsonl"
        assert "Please reduce your request rate" in quarantine["detail"][0]  # the store's own words
        assert first["rows_total"]["documents"] == 2 and first["conserved"]

        proxy.broken = None  # the store answers again: the object not committed is read, nothing else
        second = news_pipeline(inputs=["s3://newsfacts-flaky/news"], output_dir=output)
        assert second["files_unchanged"] == 2 and second["rows_written"]["documents"] == 2
        for table in ("documents", "entities", "numbers", "entity_catalog"):
            assert comparable(output_root(output), table).equals(comparable(local_output, table)), table
    finally:
        proxy.shutdown()
        s3fs.S3FileSystem.clear_instance_cache()
