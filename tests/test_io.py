import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from tasks import io
from tasks.schemas import ENTITIES, conform, frame


def entity(doc_id, start, text="Kyiv"):
    return {"doc_id": doc_id, "start_char": start, "end_char": start + len(text), "text": text,
            "label": "GPE", "sentence_index": 0, "entity_id": "0123456789abcdef", "canonical_name": text,
            "external_id": None}


def test_write_table_is_zstd_typed_and_leaves_no_temporary_files(tmp_path):
    path, written = io.write_table(tmp_path, "entities", frame([entity("a", 0), entity("b", 5)], ENTITIES))
    assert written == 2
    assert [p.name for p in (tmp_path / "entities").iterdir()] == [path.name]
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_schema(path).equals(ENTITIES)
    got = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/entities/**/*.parquet')").fetchall()[0]
    assert got == (2,)


def test_rewriting_rows_adds_nothing(tmp_path):
    rows = frame([entity("a", 0), entity("b", 5)], ENTITIES)
    io.write_table(tmp_path, "entities", rows)
    assert io.write_table(tmp_path, "entities", rows) == (None, 0)
    more = frame([entity("a", 0), entity("c", 1)], ENTITIES)
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
    assert [p.name for p in io.discover_inputs([tmp_path / "a"])] == ["x.txt", "y.jsonl"]
    with pytest.raises(FileNotFoundError, match="nope"):
        io.discover_inputs([tmp_path / "nope"])


def test_a_table_with_no_rows_is_still_readable(tmp_path):
    assert io.write_table(tmp_path, "quarantine", io.read_table(tmp_path, "quarantine")) == (None, 0)
    got = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/quarantine/**/*.parquet')").fetchall()
    assert got == [(0,)]
    assert pl.scan_parquet(str(tmp_path / "quarantine" / "**" / "*.parquet")).collect().columns[0] == "quarantine_id"
