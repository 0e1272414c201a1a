"""`newsfacts query`: the tables as read-only DuckDB views."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tasks.io.layout import NULL_PARTITION
from tasks.io.tables import table_files
from tasks.schemas import PARTITION_COLUMN, PARTITIONED_TABLES, TABLES, polars_schema

#: Run once a connection's views exist, in this order; the last one locks every setting, so SQL
#: run on the connection can switch none of them back (SET and RESET fail, as do PRAGMAs that set).
_READ_ONLY_SETTINGS = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET allow_community_extensions = false",
    # No file, URL, extension or other database for DuckDB to open, for reading or writing: COPY
    # TO, EXPORT DATABASE, ATTACH, INSTALL, LOAD, read_csv/read_text/glob of any path are refused.
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


def _partition_value(table_dir: Path, path: Path) -> str | None:
    """The partition column's value of a table file, from its folder (`published_month=2022-09`);
    None for Hive's null folder and for a file outside any partition folder."""
    folder = path.relative_to(table_dir).parts[0]
    value = folder.split("=", 1)[1] if folder.startswith(f"{PARTITION_COLUMN}=") else NULL_PARTITION
    return None if value == NULL_PARTITION else value


def _duckdb_view(output_dir: Path, table: str, files: list[Path]) -> pl.LazyFrame:
    """What `open_duckdb` registers as `table`: its Parquet `files` scanned by polars, with the
    declared columns (a column a file predates reads as null in it, one the contract does not
    declare is left out), then the partition column. The files are listed, not globbed, and the
    partition read from the folder under the table's, so `[` or `key=value` folders above the
    output directory change nothing."""
    schema = polars_schema(TABLES[table])

    def scan(files: list[Path]) -> pl.LazyFrame:
        return pl.scan_parquet([str(f) for f in files], glob=False, schema=schema, missing_columns="insert",
                               extra_columns="ignore")

    if table not in PARTITIONED_TABLES:
        return scan(files)
    months: dict[str | None, list[Path]] = {}
    for path in files:
        months.setdefault(_partition_value(output_dir / table, path), []).append(path)
    return pl.concat([scan(group).with_columns(pl.lit(month, pl.String).alias(PARTITION_COLUMN))
                      for month, group in months.items()])


def open_duckdb(output_dir: Path):
    """An in-memory DuckDB connection with each written table as a view of the same name
    (partition column included; a column some files predate reads as null in them), on which SQL
    can read those views and nothing else, and write nothing anywhere.

    DuckDB cannot tell reading a path from writing it: a directory in `allowed_directories` or a
    file in `allowed_paths` can also be the target of `COPY ... TO`, so any path it may open for the
    views is a path a query can overwrite. Polars reads the files instead, and DuckDB, with
    external access off and its configuration locked, opens none (see `_READ_ONLY_SETTINGS`).
    DuckDB still pushes its projections and filters into the polars scans, which need neither
    pandas nor pyarrow.dataset (a third of a second `newsfacts query` would wait for).
    """
    import duckdb

    connection = duckdb.connect()
    for table in TABLES:
        files = table_files(output_dir, table)
        if files:  # a table never written has no view, as a query of it says
            connection.register(table, _duckdb_view(output_dir, table, files))
    for setting in _READ_ONLY_SETTINGS:
        connection.execute(setting)
    return connection
