"""Reading and writing the tables: Parquet files per published month, appended by key, and the
state tables runs keep beside them (`_state/<name>/`: the input ledger, near-duplicate signatures
and their LSH buckets), which later runs read instead of the tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tasks import contract
from tasks.io import storage
from tasks.io.files import atomic_write
from tasks.io.layout import EMPTY_PART, NULL_PARTITION, REBUILT_PART, STATE_DIR, safe_join, state_dir
from tasks.schemas import (PARTITION_COLUMN, PARTITIONED_TABLES, PRIMARY_KEYS, STATE_TABLES, TABLES, conform,
                           empty_table, polars_schema, sort_keys)

#: Rows per row group: small enough that min/max statistics skip most of a file for a `doc_id` or
#: offset filter, large enough that DuckDB and polars read a group in one go.
ROW_GROUP_ROWS = 128 * 1024
#: `newsfacts compact` writes files of at most this many rows.
TARGET_FILE_ROWS = 1_000_000


def table_glob(output_dir: Path, table: str) -> str:
    return str(output_dir / table / "**" / "*.parquet")


def table_files(output_dir: Path, table: str) -> list[Path]:
    """Every Parquet file of `table`, in every partition (temporary files excluded)."""
    return sorted((p for p in (output_dir / table).rglob("*.parquet") if not p.name.startswith(".")),
                  key=storage.path_order)


def table_exists(output_dir: Path, table: str) -> bool:
    return any((output_dir / table).rglob("*.parquet"))


def _scan(output_dir: Path, table: str) -> pl.LazyFrame:
    """`table` with the declared columns: files written before a column was added read it as
    nulls; the partition column is left out (it is not part of the rows' schema)."""
    return pl.scan_parquet(table_glob(output_dir, table), schema=polars_schema(TABLES[table]),
                           hive_partitioning=False, missing_columns="insert")


def read_table(output_dir: Path, table: str, columns: Sequence[str] | None = None,
               doc_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """A written table (or the chosen columns; only the rows of `doc_ids` when given, read with
    the files' statistics), empty with the declared schema if none is written."""
    if not table_exists(output_dir, table):
        empty = pl.from_arrow(empty_table(TABLES[table]))
        return empty.select(columns) if columns else empty
    frame = _scan(output_dir, table)
    if doc_ids is not None:
        frame = frame.filter(pl.col("doc_id").is_in(list(doc_ids)))
    return (frame.select(columns) if columns else frame).collect()


def existing_keys(output_dir: Path, table: str, doc_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Primary keys already written for `table` (only for `doc_ids` when given)."""
    keys = list(PRIMARY_KEYS[table])
    if not table_exists(output_dir, table):
        return pl.from_arrow(empty_table(TABLES[table])).select(keys)
    scan = _scan(output_dir, table).select(keys)
    if doc_ids is not None and "doc_id" in keys:
        scan = scan.filter(pl.col("doc_id").is_in(list(doc_ids)))
    return scan.collect()


def partition_dir(value: str | None) -> str:
    """The Hive folder name of one published month (`published_month=2022-09`)."""
    return f"{PARTITION_COLUMN}={NULL_PARTITION if value is None else value}"


def _write_parquet(path: Path, arrow: pa.Table, table: str, run_id: str, crash_label: str | None = None,
                   extra: dict[str, str] | None = None) -> None:
    """`arrow` as zstd Parquet with statistics, row groups of ROW_GROUP_ROWS, its sort order and
    the contract's metadata: column descriptions per field, table, versions and run id per file."""
    schema = TABLES[table].with_metadata(contract.file_metadata(table, run_id) | (extra or {}))
    order = [(name, "ascending") for name in sort_keys(table)]

    def write(tmp):
        pq.write_table(arrow.cast(schema), tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS,
                       write_statistics=True, write_page_index=True,
                       sorting_columns=pq.SortingColumn.from_ordering(schema, order))

    atomic_write(path, write, crash_label)


def _sorted(rows: pl.DataFrame, table: str) -> pl.DataFrame:
    return rows.sort(sort_keys(table), nulls_last=True)


def _file_name(rows: pl.DataFrame, table: str) -> str:
    """`part-<hash of the rows' keys>.parquet`: writing the same rows again replaces the file."""
    digest = hashlib.sha256()
    for values in rows.select(list(PRIMARY_KEYS[table])).cast(pl.String).iter_rows():
        digest.update("\x1f".join(map(str, values)).encode() + b"\x1e")
    return f"part-{digest.hexdigest()[:20]}.parquet"


def _partitions(rows: pl.DataFrame, table: str) -> list[tuple[str | None, pl.DataFrame]]:
    """(published month, its rows) for a partitioned table, else [(None, rows)]. The rows of a
    partitioned table carry PARTITION_COLUMN, which goes into the folder name, not the file."""
    if table not in PARTITIONED_TABLES:
        return [(None, rows)]
    if PARTITION_COLUMN not in rows.columns:
        raise ValueError(f"rows for {table} need a {PARTITION_COLUMN} column (see schemas.with_published_month)")
    return [(month, part.drop(PARTITION_COLUMN))
            for (month,), part in rows.partition_by(PARTITION_COLUMN, as_dict=True, maintain_order=True).items()]


def _folder(root: Path, table: str, month: str | None) -> Path:
    return safe_join(root, table, partition_dir(month)) if table in PARTITIONED_TABLES else safe_join(root, table)


def write_table(output_dir: Path, table: str, rows: pl.DataFrame, into: Path | None = None,
                run_id: str = "", new_documents: bool = False) -> tuple[list[Path], int]:
    """Append `rows` to `table`, minus rows whose key is already written: one zstd Parquet file
    per published month for a partitioned table (the rows carry PARTITION_COLUMN), else one file.
    Returns (files written, rows written). With `into` (a commit's staging folder, see
    `staging_dir`) the files wait there until `publish_staged` moves them into the table. With
    `new_documents` the caller knows that no row's document is written yet (a run's batch), and
    the table's keys are not read to check.
    """
    keys = list(PRIMARY_KEYS[table])
    root = into or output_dir
    if rows.height and not (new_documents and "doc_id" in keys):
        doc_ids = rows["doc_id"].unique().to_list() if "doc_id" in keys else None
        rows = rows.join(existing_keys(output_dir, table, doc_ids), on=keys, how="anti")
    if not rows.height:
        if not table_exists(output_dir, table):
            # An empty file keeps `read_parquet('<table>/**/*.parquet')` working before any row exists.
            _write_parquet(_folder(root, table, None) / EMPTY_PART, empty_table(TABLES[table]), table, run_id)
        return [], 0
    paths, written = [], 0
    for month, part in _partitions(rows, table):
        part = _sorted(part, table)
        path = _folder(root, table, month) / _file_name(part, table)
        _write_parquet(path, conform(part, TABLES[table]), table, run_id, f"write:{table}")
        paths.append(path)
        written += part.height
    return paths, written


def replace_table(output_dir: Path, table: str, rows: pl.DataFrame, into: Path | None = None,
                  run_id: str = "") -> tuple[Path, int]:
    """`table` rewritten as exactly `rows`, in one file that replaces every earlier one (at once,
    or when `publish_staged` publishes `into`)."""
    path = safe_join(into or output_dir, table, REBUILT_PART)
    arrow = conform(_sorted(rows, table), TABLES[table])
    _write_parquet(path, arrow, table, run_id, f"write:{table}")
    if into is None:
        _drop_all_but(output_dir / table, path)
    return path, arrow.num_rows


def _drop_all_but(folder: Path, keep: Path) -> None:
    for stale in folder.rglob("*.parquet"):
        if stale != keep:
            stale.unlink()


# --- state tables ----------------------------------------------------------------------------

def state_files(output_dir: Path, name: str) -> list[Path]:
    """Every Parquet file of the state table `name` (temporary files excluded)."""
    folder = state_dir(output_dir, name)
    if not folder.exists():
        return []
    return sorted((p for p in folder.rglob("*.parquet") if not p.name.startswith(".")), key=storage.path_order)


def read_state(output_dir: Path, name: str, columns: Sequence[str] | None = None,
               where: pl.Expr | None = None) -> pl.DataFrame:
    """The rows of a state table (the chosen columns, those matching `where`), empty with its
    schema when nothing is stored."""
    schema = polars_schema(STATE_TABLES[name])
    files = state_files(output_dir, name)
    if not files:
        empty = pl.DataFrame(schema=schema)
        return empty.select(columns) if columns else empty
    # State written before a column was added reads it as null.
    scan = pl.scan_parquet([str(f) for f in files], glob=False, schema=schema, hive_partitioning=False,
                           missing_columns="insert")
    if where is not None:
        scan = scan.filter(where)
    return (scan.select(columns) if columns else scan).collect()


def write_state(into: Path, name: str, rows: pl.DataFrame, folder: str | None = None) -> Path | None:
    """State rows staged in `into` (a commit's staging folder) as one file named after the commit,
    under `_state/<name>/[<folder>/]`; nothing when there are no rows."""
    if not rows.height:
        return None
    arrow = rows.select(STATE_TABLES[name].names).to_arrow().cast(STATE_TABLES[name])
    path = safe_join(into, STATE_DIR, name, *([folder] if folder else []), f"part-{into.name}.parquet")
    atomic_write(path, lambda tmp: pq.write_table(arrow, tmp, compression="zstd"))
    return path


def parquet_row_count(files: Sequence[Path]) -> int:
    """Rows in Parquet `files`, from their footers alone."""
    return sum(storage.parquet_file(f).metadata.num_rows for f in files)
