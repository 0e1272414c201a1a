"""`newsfacts query` reads the tables and nothing else, and writes nothing: each test runs the real
command on a copy of the seeds run's tables and checks it refused with DuckDB's own message."""

import hashlib
import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from tasks import io
from tasks.schemas import TABLES
from tests.conftest import ROOT, read


def query(output, sql, *options):
    return subprocess.run([sys.executable, "-m", "flows", "query", sql, "--output", str(output), *options], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def rows(output, sql):
    done = query(output, sql, "--format", "json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def assert_refused(done, message):
    """The command failed on DuckDB's error (`message` in it), reported on one line, no traceback."""
    assert done.returncode == 1, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("newsfacts: query failed: ")]
    assert failed and message in failed[0], done.stderr


def snapshot(output):
    """Every folder and file under `output` (but the lock), a file with a digest of its bytes."""
    return {str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(output.rglob("*")) if p.name != io.LOCK_FILE}


@pytest.fixture
def dataset(seeds_run, tmp_path):
    """A copy of the seeds run's tables: a query that did write could not spoil the session's."""
    output = tmp_path / "out"
    shutil.copytree(seeds_run[0], output, ignore=shutil.ignore_patterns(io.RUNS_DIR))
    return output


def sql_text(path):
    return str(path).replace("'", "''")


def data_file(output):
    return io.table_files(output, "documents")[0]


WRITES = {
    # The statement that made every later query fail with `Hive partition mismatch`.
    "copy into the dataset": lambda out, tmp: (f"COPY (SELECT 'x' AS zzz) "
                                               f"TO '{sql_text(out / 'documents' / 'evil.parquet')}'"),
    # Straight over a data file, without DuckDB's temporary file: what a file in `allowed_paths` permits.
    "copy over a data file": lambda out, tmp: (f"COPY (SELECT 'x' AS zzz) TO '{sql_text(data_file(out))}' "
                                               "(FORMAT parquet, USE_TMP_FILE false)"),
    "copy to /tmp": lambda out, tmp: f"COPY (SELECT 1 AS x) TO '{sql_text(tmp / 'copied.csv')}'",
    "export database": lambda out, tmp: f"EXPORT DATABASE '{sql_text(tmp / 'exported')}'",
    "export database into the dataset": lambda out, tmp: f"EXPORT DATABASE '{sql_text(out / 'exported')}'",
    "attach a database file": lambda out, tmp: f"ATTACH '{sql_text(tmp / 'attached.duckdb')}' AS other",
    "persisted table": lambda out, tmp: (f"ATTACH '{sql_text(out / 'tables.duckdb')}' AS other; "
                                         "CREATE TABLE other.copied AS SELECT * FROM documents"),
}


@pytest.mark.parametrize("statement", WRITES.values(), ids=WRITES.keys())
def test_query_writes_no_file_in_the_dataset_or_anywhere(dataset, tmp_path, statement):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = snapshot(dataset)
    documents = read(dataset, "documents").height

    assert_refused(query(dataset, statement(dataset, elsewhere)), "Permission Error")
    assert snapshot(dataset) == before
    assert list(elsewhere.iterdir()) == []
    assert rows(dataset, "SELECT count(*) AS n FROM documents") == [{"n": documents}]


def test_query_reads_no_file_outside_the_dataset(dataset, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("name,token\nkey,s3cr3t-in-a-csv\n", encoding="utf-8")
    table = tmp_path / "other.parquet"
    duckdb.sql(f"COPY (SELECT 's3cr3t-in-parquet' AS token) TO '{sql_text(table)}'")
    for statement in (f"SELECT * FROM read_csv('{sql_text(secret)}')", f"SELECT * FROM read_text('{sql_text(secret)}')",
                      f"SELECT * FROM read_parquet('{sql_text(table)}')",
                      # `..` out of a table's folder, and the dataset's own files other than through the views
                      f"SELECT * FROM read_parquet('{sql_text(dataset / 'documents' / '..' / '..' / table.name)}')",
                      f"SELECT * FROM read_csv('{sql_text(dataset / io.CONTRACT_FILE)}')",
                      "SELECT * FROM read_csv('/etc/passwd', sep = ':')",
                      f"SELECT * FROM glob('{sql_text(tmp_path)}/*')"):
        done = query(dataset, statement)
        assert_refused(done, "Permission Error")
        assert "s3cr3t" not in done.stdout + done.stderr and "secret.csv" not in done.stdout


@pytest.mark.parametrize("statement", ["INSTALL httpfs", "LOAD httpfs",
                                       "SELECT * FROM read_csv('https://example.com/articles.csv')"])
def test_query_installs_and_loads_no_extension(dataset, statement):
    # Without the setting, INSTALL downloads the extension (or, offline, fails with an IO Error).
    assert_refused(query(dataset, statement), "Permission Error")


@pytest.mark.parametrize("statement", ["SET enable_external_access = true", "RESET enable_external_access",
                                       "SET lock_configuration = false", "SET allowed_directories = ['/']",
                                       "SET allowed_paths = ['/etc/passwd']", "SET temp_directory = '/tmp'"])
def test_query_cannot_switch_the_settings_back(dataset, statement):
    assert_refused(query(dataset, statement), "the configuration has been locked")


def test_query_still_reads_every_table_through_its_view(dataset):
    for table in TABLES:
        assert rows(dataset, f"SELECT count(*) AS n FROM {table}") == [{"n": read(dataset, table).height}], table
    mentions = read(dataset, "entities").height
    assert rows(dataset, "SELECT count(*) AS n FROM entities JOIN documents USING (doc_id)") == [{"n": mentions}]
    # The partition column: the month of each document's date, null for an undated one (Hive's null folder).
    months = rows(dataset, "SELECT published_date, published_month FROM documents ORDER BY doc_id")
    assert {m["published_month"] for m in months} == {"2022-09", None}
    assert all(m["published_month"] == (m["published_date"][:7] if m["published_date"] else None) for m in months)
    assert rows(dataset, "SELECT count(*) AS n FROM entities e JOIN documents d USING (doc_id) "
                         "WHERE e.published_month IS NOT DISTINCT FROM d.published_month") == [{"n": mentions}]
    labels = rows(dataset, "SELECT label, count(*) AS n FROM entities GROUP BY ALL")
    assert sum(r["n"] for r in labels) == mentions


def test_query_of_a_table_never_written_fails_and_the_others_still_read(dataset):
    shutil.rmtree(dataset / "numbers")
    assert rows(dataset, "SELECT count(*) AS n FROM documents") == [{"n": read(dataset, "documents").height}]
    assert_refused(query(dataset, "SELECT count(*) FROM numbers"), "Table with name numbers does not exist")


def test_query_loads_neither_pandas_nor_pyarrow_dataset(dataset):
    # pyarrow.dataset imports pandas: a third of a second every `newsfacts query` would wait for.
    script = ("import json, sys; from flows.cli import main; status = main(sys.argv[1:]); "
              "print(json.dumps([status, sorted({'pandas', 'pyarrow.dataset'} & set(sys.modules))]))")
    done = subprocess.run([sys.executable, "-c", script, "query", "SELECT count(*) FROM documents", "--output",
                           str(dataset)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0, []], done.stderr
