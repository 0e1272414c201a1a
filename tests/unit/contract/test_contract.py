"""The data contract: generated docs, metadata in the files, layout, schema evolution, and the
README's query examples run exactly as written against the seeds' outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from tasks import contract, io
from tasks.schemas import FOREIGN_KEYS, PRIMARY_KEYS, TABLES, sort_keys
from tests.conftest import ROOT


def test_every_column_has_a_meaning_and_the_doc_lists_it_with_keys():
    doc = contract.render_markdown()
    for table, schema in TABLES.items():
        assert f"### {table}" in doc
        for field in schema:
            assert (field.metadata or {}).get(b"description"), f"{table}.{field.name} has no description"
            assert f"| `{field.name}` | {field.type} |" in doc
        assert ", ".join(f"`{c}`" for c in PRIMARY_KEYS[table]) in doc
    for (table, column), (target, target_column) in FOREIGN_KEYS.items():
        assert f"`{column}` -> `{target}.{target_column}`" in doc


def test_schema_command_prints_the_contract_and_its_json():
    done = subprocess.run([sys.executable, "-m", "flows", "schema"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == contract.render_markdown()
    done = subprocess.run([sys.executable, "-m", "flows", "schema", "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert json.loads(done.stdout) == contract.current()


def _several_runs(output: Path, runs: int = 4) -> pl.DataFrame:
    """`runs` small writes of entities into the same two months, as many small runs leave them."""
    from tests.unit.io.test_io import entities, entity

    for run in range(runs):
        io.write_table(output, "entities", entities(entity(f"doc{run}", 0), entity(f"doc{run}", 10)), run_id=f"r{run}")
        io.write_table(output, "entities", entities(entity(f"undated{run}", 3), month=None), run_id=f"r{run}")
    io.write_contract(output)
    return io.read_table(output, "entities")


def test_compact_merges_small_files_into_one_per_partition_with_the_same_rows(tmp_path):
    before = _several_runs(tmp_path)
    assert len(io.table_files(tmp_path, "entities")) == 8
    done = subprocess.run([sys.executable, "-m", "flows", "compact", "--output", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "entities: 8 files -> 2" in done.stdout
    files = io.table_files(tmp_path, "entities")
    assert len(files) == 2 and {p.parent.name for p in files} == {
        "published_month=2022-09", "published_month=__HIVE_DEFAULT_PARTITION__"}
    assert io.read_table(tmp_path, "entities").sort(sort_keys("entities")).equals(before.sort(sort_keys("entities")))
    meta = pq.read_schema(files[0]).metadata
    assert json.loads(meta[b"newsfacts.source_run_ids"]) == ["r0", "r1", "r2", "r3"]
    assert meta[b"newsfacts.run_id"].startswith(b"compact-")
    assert not (tmp_path / io.STAGING_DIR).exists() or not any((tmp_path / io.STAGING_DIR).iterdir())
    again = subprocess.run([sys.executable, "-m", "flows", "compact", "--output", str(tmp_path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert "nothing to compact" in again.stdout


def test_compact_splits_by_target_rows(tmp_path):
    before = _several_runs(tmp_path)
    io.compact(tmp_path, target_rows=3)
    sizes: dict[str, list[int]] = {}
    for path in io.table_files(tmp_path, "entities"):
        sizes.setdefault(path.parent.name, []).append(pq.ParquetFile(path).metadata.num_rows)
    assert {month: sorted(rows) for month, rows in sizes.items()} == {
        "published_month=2022-09": [2, 3, 3], "published_month=__HIVE_DEFAULT_PARTITION__": [1, 3]}
    assert io.read_table(tmp_path, "entities").height == before.height


@pytest.mark.parametrize("crash_at", ["write:entities", "publish:entities"])
def test_a_crash_during_compaction_leaves_the_old_files_or_the_new_never_both(tmp_path, crash_at):
    before = _several_runs(tmp_path)
    killed = subprocess.run([sys.executable, "-m", "flows", "compact", "--output", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, env={**_env(), io.CRASH_AT_ENV: crash_at})
    assert killed.returncode == -9, killed.stderr
    with io.output_lock(tmp_path, "next"):  # what the next run or compaction does first
        pass
    after = io.read_table(tmp_path, "entities")
    assert after.sort(sort_keys("entities")).equals(before.sort(sort_keys("entities")))
    assert len(io.table_files(tmp_path, "entities")) == (8 if crash_at.startswith("write") else 2)


def test_a_crash_after_moving_a_file_that_keeps_its_name_loses_no_rows(tmp_path):
    """An empty part beside one file: compacting them gives a file of the same name, which the
    recovery of a killed compaction must keep rather than delete as replaced."""
    from tests.unit.io.test_io import entities, entity

    io.write_table(tmp_path, "entities", entities(month=None))  # the empty part, in the null partition
    (written,), _ = io.write_table(tmp_path, "entities", entities(entity("a", 0), entity("a", 9), month=None))
    io.write_contract(tmp_path)
    killed = subprocess.run([sys.executable, "-m", "flows", "compact", "--output", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={**_env(), io.CRASH_AT_ENV: "publish:entities"})
    assert killed.returncode == -9, killed.stderr
    with io.output_lock(tmp_path, "next"):
        pass
    assert io.table_files(tmp_path, "entities") == [written]
    assert io.read_table(tmp_path, "entities").height == 2


def _env() -> dict:
    import os

    return dict(os.environ)


def test_data_contract_doc_is_generated_from_the_schemas():
    written = (ROOT / contract.DOC_PATH).read_text(encoding="utf-8")
    assert written == contract.render_markdown(), (
        f"{contract.DOC_PATH} is stale: regenerate it with `newsfacts schema > {contract.DOC_PATH}`")
