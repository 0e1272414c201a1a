"""SIGKILL the real flow, run as `newsfacts run` in its own process, at chosen and at random points:
between batch commits and inside one (while staging, while publishing); readers never see a
partial Parquet file, and the next run resumes and converges to what an uninterrupted run writes,
row for row."""

import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from prefect.settings import PREFECT_API_URL

from flows.news_pipeline import news_pipeline
from tasks.io import COMMIT_MARKER, CRASH_AT_ENV, LOCK_FILE, STAGING_DIR, STATE_DIR, output_lock
from tasks.schemas import PRIMARY_KEYS, TABLES
from tests.conftest import ROOT, SEEDS, read
from tests.sample_articles import ARTICLES, GERMAN, near_copy

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out

SHARD_SIZE = 2
BATCH_SIZE = 3  # 14 input files: 5 batches
# Crash points (see tasks.io.crash_point) covering each kind of moment in a run.
POINTS = {
    "commit:2": "between batches: the second batch committed, the third not started",
    "write:numbers": "inside a batch, during a Parquet write: the numbers file half done, in its staging folder",
    "publish:entities:2": "inside a batch, while publishing: entities moved into its table, documents not yet",
}
RANDOM_KILLS = 1  # the fixed points above cover each kind of moment; one more at random


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crash") / "in"
    shutil.copytree(SEEDS, folder)
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (folder / "harvest-copy.txt").write_text(near_copy(ARTICLES["harvest"]), encoding="utf-8")
    (folder / "german.txt").write_text(GERMAN, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    return folder


def run_cli(inputs: Path, output: Path, crash_at: str | None = None, kill_after: float | None = None):
    """`newsfacts run` in a child process reporting to the test's Prefect server: its return code
    (-9 when killed) and its stderr."""
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT)}
    env.pop(CRASH_AT_ENV, None)
    if crash_at:
        env[CRASH_AT_ENV] = crash_at
    child = subprocess.Popen(
        [sys.executable, "-m", "flows", "run", str(inputs), "--output", str(output), "--shard-size", str(SHARD_SIZE),
         "--batch-size", str(BATCH_SIZE)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = child.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        _, stderr = child.communicate()
    return child.returncode, stderr


def assert_readers_see_only_whole_files(output: Path) -> None:
    """Every Parquet file a reader's glob can pick up opens, and DuckDB reads every table."""
    for path in output.rglob("*.parquet"):
        pq.read_table(path)
    for table in TABLES:
        if (output / table).exists():
            duckdb.sql(f"select count(*) from read_parquet('{output}/{table}/**/*.parquet')").fetchall()


def comparable(output: Path, table: str) -> pl.DataFrame:
    """A table's content without the id of the run that wrote each row, in key order."""
    return read(output, table).drop("run_id", strict=False).sort(PRIMARY_KEYS[table])


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    # One batch: what the killed runs write in batches of three must not depend on it.
    output = tmp_path_factory.mktemp("uninterrupted")
    news_pipeline(inputs=[str(corpus)], output_dir=str(output), shard_size=SHARD_SIZE)
    return output


def commits(output: Path) -> list[Path]:
    return sorted((output / STATE_DIR / "commits").glob("*.json"))


def test_killed_runs_leave_no_partial_files_and_a_rerun_equals_an_uninterrupted_run(
        corpus, uninterrupted, tmp_path):
    output = tmp_path / "out"
    for point, moment in POINTS.items():
        before = len(commits(output))
        code, stderr = run_cli(corpus, output, crash_at=point)
        # The run was killed; the command reports it as a shell does (128 + the signal).
        assert code == 128 + signal.SIGKILL, f"{point} ({moment}) was not reached: {stderr[-2000:]}"
        assert_readers_see_only_whole_files(output)
        if point == "commit:2":
            assert len(commits(output)) == 2
            assert 0 < read(output, "documents").height < read(uninterrupted, "documents").height
            assert not list((output / STAGING_DIR).iterdir())
        if point == "write:numbers":
            # The rerun resumed after the two committed batches: the third was being staged.
            assert list((output / STAGING_DIR).rglob(".part-*.parquet.*.tmp")), "the kill came mid-write"
            assert len(commits(output)) == before == 2, "nothing of the batch was published"
        if point == "publish:entities:2":
            assert list((output / STAGING_DIR).glob(f"*/{COMMIT_MARKER}")), "the next run finishes the publish"
            assert list((output / STAGING_DIR).glob("*/_state/commits/*.json")), "the commit record is published last"
            assert len(commits(output)) == before + 1  # the batch before it was committed
    rng = random.Random(20261122)
    for _ in range(RANDOM_KILLS):
        delay = rng.uniform(4.0, 14.0)
        code, stderr = run_cli(corpus, output, kill_after=delay)
        assert code in (0, -signal.SIGKILL), stderr[-2000:]
        print(f"random kill after {delay:.1f} s: {'killed' if code else 'the run had finished'}")
        assert_readers_see_only_whole_files(output)
    code, stderr = run_cli(corpus, output)
    assert code == 0, stderr[-2000:]
    for table in TABLES:
        assert comparable(output, table).equals(comparable(uninterrupted, table)), table
    assert not list(output.rglob(".*.tmp")) and not list((output / STAGING_DIR).iterdir())


def test_a_second_run_is_refused_while_one_writes_to_the_same_output(corpus, tmp_path):
    output = tmp_path / "out"
    with output_lock(output, "a-run-in-progress"):
        code, stderr = run_cli(corpus, output)
    assert code == 3
    assert f"output directory {output} is in use by another newsfacts run (run a-run-in-progress, pid" in stderr
    assert not (output / "documents").exists()
    assert (output / LOCK_FILE).exists()
