import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from tasks import io
from tasks.schemas import ENTITIES, conform, frame
from tests.conftest import ROOT


def entity(doc_id, start, text="Kyiv"):
    return {"doc_id": doc_id, "start_char": start, "end_char": start + len(text), "text": text,
            "label": "GPE", "sentence_index": 0, "entity_id": "0123456789abcdef", "canonical_name": text,
            "external_id": None}


def entities(*rows, month="2022-09"):
    """Entity rows as the flow writes them: with their document's published month."""
    return frame(list(rows), ENTITIES).with_columns(published_month=pl.lit(month, pl.String))


def test_write_table_is_zstd_typed_and_leaves_no_temporary_files(tmp_path):
    (path,), written = io.write_table(tmp_path, "entities", entities(entity("a", 0), entity("b", 5)), run_id="r1")
    assert written == 2
    assert path.parent == tmp_path / "entities" / "published_month=2022-09"
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_schema(path).equals(ENTITIES)  # the partition column is in the folder name only
    got = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/entities/**/*.parquet')").fetchall()[0]
    assert got == (2,)


def test_rewriting_rows_adds_nothing(tmp_path):
    rows = entities(entity("a", 0), entity("b", 5))
    io.write_table(tmp_path, "entities", rows)
    assert io.write_table(tmp_path, "entities", rows) == ([], 0)
    more = entities(entity("a", 0), entity("c", 1), month=None)
    assert io.write_table(tmp_path, "entities", more)[1] == 1
    assert io.read_table(tmp_path, "entities").height == 3


def test_conform_refuses_nulls_in_required_columns():
    rows = frame([entity("a", 0)], ENTITIES).with_columns(label=pl.lit(None, pl.String))
    with pytest.raises(ValueError, match="label"):
        conform(rows, ENTITIES)


def test_read_table_of_nothing_is_empty_with_schema(tmp_path):
    empty = io.read_table(tmp_path, "numbers")
    assert empty.height == 0 and "value" in empty.columns


def test_discover_inputs_walks_directories_and_rejects_missing_paths(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.txt").write_text("x")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    (tmp_path / "a" / "y.jsonl").write_text("{}")
    files, problems = io.discover_inputs([tmp_path / "a"])
    assert [p.name for p in files] == ["x.txt", "y.jsonl"] and problems == []
    with pytest.raises(FileNotFoundError, match="nope"):
        io.discover_inputs([tmp_path / "nope"])


def test_output_folders_inside_an_input_are_not_read(tmp_path):
    root = tmp_path / "in"
    for name in ("a.txt", "out/report.html", "out/_runs/r/data_docs/index.html", "old/_contract.json",
                 "old/entities/x.parquet", "older/z.txt", "z/b.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    skipped: list[str] = []
    # `out` is the run's own output, before its first commit wrote the contract; `old` a dataset.
    found = list(io.iter_inputs([root], outputs=[root / "out"], skipped=skipped))
    assert [p.relative_to(root).as_posix() for p in found] == ["a.txt", "older/z.txt", "z/b.txt"]
    assert skipped == [str(root / "old"), str(root / "out")]
    plan = io.BatchPlan([root], {}, batch_size=10, outputs=[root / "out"])
    assert sum(b.records for b in plan) == 3 and plan.skipped_folders == skipped


def test_hostile_input_folders_are_read_with_every_entry_accounted_for(tmp_path):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("a")
    (root / "sub" / "loop").symlink_to(root)  # a directory link back up the tree
    (root / "alias").symlink_to(root / "sub")  # the same directory twice
    (root / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (root / "self.txt").symlink_to(root / "self.txt")
    os.mkfifo(root / "pipe.txt")  # reading it would block forever
    odd = ["with space.txt", "ünïcödé – Київ.txt", "$(rm -rf ~); `x` 'q' \"d\" *?.txt", "new\nline.txt"]
    for name in odd:
        (root / name).write_text("text")
    raw = os.fsencode(root) + b"/latin1-\xe9.txt"  # a file name that is not UTF-8
    with open(raw, "wb") as handle:
        handle.write(b"text")
    read = {Path(f.path).name: f for f in io.read_inputs([root], max_bytes=100)}
    reasons = {name: f.reason for name, f in read.items() if f.error}
    assert reasons == {"loop": "symlink_loop", "alias": "symlink_loop", "dangling.txt": "unreadable_file",
                       "self.txt": "symlink_loop", "pipe.txt": "not_a_regular_file"}
    # `alias` leads to `sub`, which is read anyway: `a.txt` is read once.
    assert [name for name, f in read.items() if f.data == b"a"] == ["a.txt"]
    assert all(read[name].data == b"text" for name in odd)
    assert read["latin1-\\xe9.txt"].data == b"text"
    assert all(f.path.encode("utf-8") for f in read.values())  # every path is storable text


def test_a_second_run_on_the_same_output_is_refused_while_the_first_holds_the_lock(tmp_path):
    with io.output_lock(tmp_path, "run-1"):
        with pytest.raises(io.OutputLockedError, match=r"in use by another newsfacts run \(run run-1, pid"):
            with io.output_lock(tmp_path, "run-2"):
                pass
    with io.output_lock(tmp_path, "run-3"):  # released when the first run ends
        pass


def test_a_lock_held_by_another_process_names_it_and_is_free_again_once_it_is_killed(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom tasks import io\n"
         "with io.output_lock(Path(sys.argv[1]), 'the-other-run'):\n    print('held', flush=True)\n"
         "    time.sleep(600)", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(io.OutputLockedError) as refused:
            with io.output_lock(tmp_path, "this-run"):
                pass
        assert f"(run the-other-run, pid {holder.pid} on " in str(refused.value)
    finally:
        holder.send_signal(signal.SIGKILL)  # no chance to release the lock itself
        holder.wait()
        holder.stdout.close()
    with io.output_lock(tmp_path, "this-run"):
        assert "run this-run, pid" in (tmp_path / io.LOCK_FILE).read_text()


def test_taking_the_lock_removes_what_a_crashed_write_left(tmp_path):
    stale = tmp_path / "numbers" / ".part-1.parquet.abc.tmp"
    stale.parent.mkdir()
    stale.write_bytes(b"half a file")
    with io.output_lock(tmp_path, "run"):
        assert not stale.exists()


def test_paths_from_data_cannot_leave_the_output_directory(tmp_path):
    for bad in ("../../escape", "/etc", "a/../../../b"):
        with pytest.raises(io.UnsafePathError):
            io.safe_join(tmp_path, "_runs", bad)
    assert io.safe_join(tmp_path, "_runs", "20260101T000000Z-abc") == tmp_path / "_runs" / "20260101T000000Z-abc"


def test_a_table_with_no_rows_is_still_readable(tmp_path):
    assert io.write_table(tmp_path, "quarantine", io.read_table(tmp_path, "quarantine")) == ([], 0)
    got = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/quarantine/**/*.parquet')").fetchall()
    assert got == [(0,)]
    assert pl.scan_parquet(str(tmp_path / "quarantine" / "**" / "*.parquet")).collect().columns[0] == "quarantine_id"


def test_batches_take_whole_files_up_to_the_batch_size_and_skip_what_the_ledger_holds(tmp_path):
    root = tmp_path / "in"
    (root / "b").mkdir(parents=True)
    for name in ("a1.txt", "a2.txt", "b/c.txt", "z.txt"):
        (root / name).write_text("text")
    (root / "feed.jsonl").write_text("{}\n{}\n{}\n")  # three records, no newline missing
    (root / "big.jsonl").write_text("{}\n" * 5 + "{}")  # six records: a batch of its own
    plan = io.BatchPlan([root], {}, batch_size=3)
    batches = [[p.name for p in b.entries] for b in plan]
    # Path order (`b/c.txt` after `a2.txt`, `big.jsonl` after the folder `b`), whole files.
    assert batches == [["a1.txt", "a2.txt", "c.txt"], ["big.jsonl"], ["feed.jsonl"], ["z.txt"]]
    assert [b.records for b in io.BatchPlan([root], {}, batch_size=3)] == [3, 6, 3, 1]
    # Files whose fingerprint the ledger holds are skipped unread; a changed one is read again.
    first = list(io.BatchPlan([root], {}, batch_size=100))[0]
    ledger = {key: {print_} for key, print_ in first.fingerprints.items()}
    (root / "z.txt").write_text("changed text")
    again = io.BatchPlan([root], ledger, batch_size=100)
    assert [p.name for b in again for p in b.entries] == ["z.txt"] and again.unchanged == 5
