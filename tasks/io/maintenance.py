"""Keeping a dataset readable over time: its stored contract, compaction of small files, and the
reading and rewriting of every table a migration to a new schema needs (`tasks.migrations.steps` has
the steps). Each rewrite is published like a run's batch: all at once or not at all."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa

from tasks import contract
from tasks.errors import SchemaVersionError
from tasks.io import storage
from tasks.io.commits import publish_staged
from tasks.io.files import write_json
from tasks.io.layout import (
    CONTRACT_FILE,
    EMPTY_PART,
    NULL_PARTITION,
    REBUILT_PART,
    STATE_DIR,
    UnsafePathError,
    run_dir,
    safe_join,
    staging_dir,
    state_dir,
)
from tasks.io.state import summed_entity_dates
from tasks.io.tables import (
    TARGET_FILE_ROWS,
    _file_name,
    _folder,
    _partitions,
    _sorted,
    _write_parquet,
    state_files,
    table_exists,
    table_files,
    write_state,
)
from tasks.schemas import (
    PARTITION_COLUMN,
    PARTITIONED_TABLES,
    REBUILT_TABLES,
    STATE_TABLES,
    TABLES,
    conform,
    polars_schema,
    published_month,
)


def read_contract(output_dir: Path) -> dict | None:
    """The contract stored with a dataset (`_contract.json`), or None when there is none."""
    path = output_dir / CONTRACT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def write_contract(output_dir: Path) -> Path:
    """This pipeline's contract stored with the dataset, once its files follow it."""
    return write_json(output_dir / CONTRACT_FILE, contract.current())


def check_contract(output_dir: Path) -> None:
    """Raises SchemaVersionError when this pipeline must not append to the dataset in `output_dir`:
    tables written before contracts existed, or under a contract it cannot extend (another major
    version, a newer minor one, or columns changed other than by adding nullable ones)."""
    if not any(table_exists(output_dir, t) for t in TABLES):
        return
    problem = contract.incompatibility(read_contract(output_dir), contract.current())
    if problem:
        raise SchemaVersionError(f"{output_dir}: {problem}")


def _dataset(files: Sequence[Path], schema: pa.Schema | None = None):
    """A pyarrow dataset of the Parquet `files`, partition folders ignored. Imported here:
    pyarrow.dataset loads pandas, which `newsfacts query` would wait for without using."""
    import pyarrow.dataset as ds

    if files and storage.is_remote(files[0]):  # pyarrow reads through the store's fsspec filesystem
        return ds.dataset([f.path for f in files], schema=schema, format="parquet", partitioning=None,
                          filesystem=files[0].fs)
    return ds.dataset([str(f) for f in files], schema=schema, format="parquet", partitioning=None)


def _read_files(table: str, files: Sequence[Path]) -> pl.DataFrame:
    """Rows of `files` with the declared columns (a column a file predates reads as nulls)."""
    schema = TABLES[table]
    dataset = _dataset(files, pa.schema([f.remove_metadata() for f in schema]))
    return pl.from_arrow(dataset.to_table(), schema=polars_schema(schema))


def _rewrite(table: str, files: list[Path], rows: pl.DataFrame, staging: Path, operation: str,
             target_rows: int) -> int:
    """`rows` (what `files` held, with PARTITION_COLUMN for a partitioned table) staged as files of
    at most `target_rows` rows in the current layout; returns the files staged."""
    staged = 0
    if table in REBUILT_TABLES:
        _write_parquet(safe_join(staging, table, REBUILT_PART), conform(_sorted(rows, table), TABLES[table]),
                       table, operation)
        return 1
    sources = sorted({(p.metadata or {}).get(b"newsfacts.run_id", b"").decode() for p in
                      (storage.parquet_file(f).schema_arrow for f in files)} - {""})
    for month, part in _partitions(rows, table):
        part = _sorted(part, table)
        for start in range(0, max(part.height, 1), target_rows):
            chunk = part.slice(start, target_rows)
            name = _file_name(chunk, table) if chunk.height else EMPTY_PART
            _write_parquet(_folder(staging, table, month) / name, conform(chunk, TABLES[table]), table, operation,
                           f"write:{table}", extra={"newsfacts.source_run_ids": json.dumps(sources)})
            staged += 1
    return staged


def compact(output_dir: Path, target_rows: int = TARGET_FILE_ROWS, operation: str = "compact") -> dict[str, tuple[int, int]]:
    """Every partition of every appended table holding more than one file rewritten as few files
    of at most `target_rows` rows (sorted, same rows), and each state table's files (one per
    batch) as one, published all at once like a batch's files:
    a crash leaves the old files or the new ones, never both (see `publish_staged`). Only call
    while holding the output lock. Returns table -> (files before, files after) where changed."""
    check_contract(output_dir)
    staging = staging_dir(output_dir, operation)
    replaced, changed = [], {}
    for table in TABLES:
        if table in REBUILT_TABLES:
            continue
        by_folder: dict[Path, list[Path]] = {}
        for path in table_files(output_dir, table):
            by_folder.setdefault(path.parent, []).append(path)
        before = after = 0
        for folder, files in by_folder.items():
            if len(files) < 2:
                continue
            rows = _read_files(table, files)
            if table in PARTITIONED_TABLES:
                month = folder.name.split("=", 1)[1]
                rows = rows.with_columns(pl.lit(None if month == NULL_PARTITION else month,
                                                pl.String).alias(PARTITION_COLUMN))
            before += len(files)
            after += _rewrite(table, files, rows, staging, operation, target_rows)
            replaced += files
        if before:
            changed[table] = (before, after)
    for name in STATE_TABLES:
        by_folder = {}
        for path in state_files(output_dir, name):
            by_folder.setdefault(path.parent, []).append(path)
        for folder, files in by_folder.items():
            if len(files) < 2:
                continue
            # Files written before a column was added read it as null.
            rows = pl.scan_parquet([str(f) for f in files], glob=False, schema=polars_schema(STATE_TABLES[name]),
                                   hive_partitioning=False, missing_columns="insert").collect()
            if name == "entity_dates":
                rows = summed_entity_dates(rows)
            else:
                rows = rows.unique(maintain_order=True)
            sub = folder.relative_to(state_dir(output_dir, name))
            write_state(staging, name, rows, None if str(sub) == "." else str(sub))
            replaced += files
            before, after = changed.get(f"{STATE_DIR}/{name}", (0, 0))
            changed[f"{STATE_DIR}/{name}"] = (before + len(files), after + 1)
    if replaced:
        publish_staged(output_dir, staging, replaced)
    return changed


def read_every_table(output_dir: Path) -> tuple[dict[str, list[Path]], dict[str, pl.DataFrame]]:
    """(table -> its files, table -> all its rows) of a dataset, files written under different
    schemas read with every column any of them has, for a migration (`tasks.migrations.steps`)."""
    files = {table: table_files(output_dir, table) for table in TABLES}
    rows = {}
    for table, paths in files.items():
        if paths:
            schema = pa.unify_schemas([storage.parquet_file(f).schema_arrow.remove_metadata() for f in paths])
            rows[table] = pl.from_arrow(_dataset(paths, schema).to_table())
        else:
            rows[table] = pl.DataFrame(schema=polars_schema(TABLES[table]))
    return files, rows


def rewrite_every_table(output_dir: Path, files: dict[str, list[Path]], rows: dict[str, pl.DataFrame],
                        operation: str, entity_dates: pl.DataFrame | None = None) -> dict[str, int]:
    """Every table's `files` replaced by its `rows` under this pipeline's contract (the current
    partitioning, metadata and columns; a declared column the rows lack is null), and the
    timeline's `entity_dates` by the ones given, published all at once; then the contract stored.
    Only call while holding the output lock. Returns table -> rows written."""
    months = rows["documents"].select("doc_id", published_month(pl.col("published_date")))
    staging = staging_dir(output_dir, operation)
    replaced, rewritten = [], {}
    for table in TABLES:
        if not files[table] and not rows[table].height:
            continue
        table_rows = _with_declared_columns(rows[table], table)
        if table in PARTITIONED_TABLES:
            table_rows = table_rows.join(months, on="doc_id", how="left")
        _rewrite(table, files[table], table_rows, staging, operation, TARGET_FILE_ROWS)
        replaced += files[table]
        rewritten[table] = table_rows.height
    if entity_dates is not None:
        replaced += state_files(output_dir, "entity_dates")
        write_state(staging, "entity_dates", entity_dates)
    if replaced or rewritten:
        publish_staged(output_dir, staging, replaced)
    write_contract(output_dir)
    return rewritten


def run_inputs(output_dir: Path, rows: dict[str, pl.DataFrame]) -> dict[str, list[str]]:
    """Run id -> the inputs that run was given, from its record, for the runs that wrote documents
    or quarantine rows of files read whole (a run whose record is gone or unreadable is left out)."""
    run_ids = set()
    for table in ("documents", "quarantine"):
        if "run_id" in rows[table].columns:
            run_ids |= set(rows[table].filter(pl.col("record_index").is_null())["run_id"].drop_nulls().to_list())
    inputs = {}
    for run_id in sorted(run_ids):
        try:
            recorded = json.loads((run_dir(output_dir, run_id) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, UnsafePathError):
            continue
        if isinstance(recorded.get("inputs"), list):
            inputs[run_id] = [str(path) for path in recorded["inputs"]]
    return inputs


def _with_declared_columns(rows: pl.DataFrame, table: str) -> pl.DataFrame:
    """`rows` with every declared column (a missing one, which must be nullable, as nulls) in order."""
    schema = polars_schema(TABLES[table])
    for field in TABLES[table]:
        if field.name not in rows.columns:
            if not field.nullable:
                raise SchemaVersionError(f"{table}.{field.name} is required but the files do not have it; "
                                         "a migration step must provide it")
            rows = rows.with_columns(pl.lit(None, schema[field.name]).alias(field.name))
    return rows.select(schema.names()).cast(dict(schema))
