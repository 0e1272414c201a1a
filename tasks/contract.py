"""The data contract: what a dataset's tables promise downstream readers, derived from
`tasks.schemas`; which stored contracts this pipeline can append to or must migrate
(`tasks.migrations.steps` has the steps).

Pure: `tasks.io` stores and checks the contract, `newsfacts schema` prints `render_markdown()`,
and a test keeps docs/data-contract.md equal to it.
"""

from __future__ import annotations

from importlib import metadata

import pyarrow as pa

from tasks.schemas import (
    COUNT_TYPES,
    FLAG_MEANINGS,
    FOREIGN_KEYS,
    NUMBER_KINDS,
    PARTITION_COLUMN,
    PARTITION_FIELD,
    PARTITIONED_TABLES,
    PRIMARY_KEYS,
    QUARANTINE_REASONS,
    REBUILT_TABLES,
    SCHEMA_VERSION,
    TABLE_DESCRIPTIONS,
    TABLES,
    empty_table,
    sort_keys,
)

DOC_PATH = "docs/data-contract.md"


def pipeline_version() -> str:
    try:
        return metadata.version("newsfacts")
    except metadata.PackageNotFoundError:
        return "unknown"


def file_metadata(table: str, run_id: str) -> dict[str, str]:
    """Key-value metadata of every Parquet file: which table, schema and pipeline wrote it, and the run."""
    return {"newsfacts.table": table, "newsfacts.schema_version": SCHEMA_VERSION,
            "newsfacts.pipeline_version": pipeline_version(), "newsfacts.run_id": run_id}


def current() -> dict:
    """This pipeline's contract as stored with a dataset (`_contract.json`): version, and each
    table's columns (name, Arrow type, nullability) and partitioning."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tables": {name: {"columns": [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in schema],
                          "partitioned_by": [PARTITION_COLUMN] if name in PARTITIONED_TABLES else []}
                   for name, schema in TABLES.items()},
    }


def version(contract: dict | None) -> tuple[int, int]:
    """(major, minor); a dataset written before contracts existed is version 0.0."""
    if contract is None:
        return 0, 0
    major, _, minor = contract["schema_version"].partition(".")
    return int(major), int(minor or 0)


def differences(old: dict, new: dict) -> tuple[list[str], list[str]]:
    """(additive changes, breaking changes) from the `old` contract's tables to the `new` one's.
    Additive: a new table, or a new nullable column. Breaking: anything else that differs."""
    added, breaking = [], []
    for table, spec in new["tables"].items():
        if table not in old["tables"]:
            added.append(f"new table {table}")
            continue
        before = {c["name"]: c for c in old["tables"][table]["columns"]}
        after = {c["name"]: c for c in spec["columns"]}
        for name, column in after.items():
            if name not in before:
                (added if column["nullable"] else breaking).append(
                    f"{table}.{name} added" + ("" if column["nullable"] else " as a required column"))
            elif column["type"] != before[name]["type"]:
                breaking.append(f"{table}.{name} changed type from {before[name]['type']} to {column['type']}")
            elif before[name]["nullable"] and not column["nullable"]:
                breaking.append(f"{table}.{name} became required")
        breaking += [f"{table}.{name} removed" for name in before if name not in after]
        if spec["partitioned_by"] != old["tables"][table].get("partitioned_by", []):
            breaking.append(f"{table} partitioned by {spec['partitioned_by'] or 'nothing'} instead of "
                            f"{old['tables'][table].get('partitioned_by') or 'nothing'}")
    breaking += [f"table {table} removed" for table in old["tables"] if table not in new["tables"]]
    return added, breaking


def incompatibility(stored: dict | None, new: dict) -> str | None:
    """Why a pipeline writing the `new` contract must not append to a dataset written under
    `stored` (None: written before contracts existed), or None when it may."""
    migrate = "run `newsfacts migrate --output DIR` to rewrite it (the tables stay readable meanwhile)"
    if stored is None:
        return (f"the tables were written before schema versions existed (unpartitioned files, no column "
                f"metadata); this newsfacts writes schema {new['schema_version']}: {migrate}")
    (major, minor), (new_major, new_minor) = version(stored), version(new)
    if major > new_major or (major == new_major and minor > new_minor):
        return (f"the tables were written with schema {stored['schema_version']}, newer than the "
                f"{new['schema_version']} this newsfacts writes: upgrade newsfacts")
    _, breaking = differences(stored, new)
    if major != new_major:
        changes = "; ".join(breaking) or "layout"
        return (f"the tables were written with schema {stored['schema_version']} and this newsfacts writes "
                f"{new['schema_version']}, a breaking change ({changes}): {migrate}")
    if breaking:
        return (f"schema {new['schema_version']} differs from the stored {stored['schema_version']} in ways old "
                f"files cannot be read with ({'; '.join(breaking)}), without a new major version: {migrate}")
    return None


def needs_migration(stored: dict | None, new: dict) -> bool:
    """Whether `newsfacts migrate` has files to rewrite: another version, or columns to add."""
    return stored is None or version(stored) != version(new) or stored["tables"] != new["tables"]


# --- docs/data-contract.md -------------------------------------------------------------------

def duckdb_types(schema: pa.Schema) -> dict[str, str]:
    """Column -> the DuckDB type a Parquet column of this Arrow type reads as."""
    import tempfile

    import duckdb
    import pyarrow.parquet as pq

    # Read back from a Parquet file, as users read the tables (DuckDB's scan of a Python Arrow
    # object imports pandas, most of the time `newsfacts schema` took).
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/empty.parquet"
        pq.write_table(empty_table(schema), path)
        relation = duckdb.connect().sql("SELECT * FROM read_parquet(?)", params=[path])
        return dict(zip(relation.columns, map(str, relation.types)))


def _meta(field: pa.Field, key: str) -> str:
    return (field.metadata or {}).get(key.encode(), b"").decode()


def _referenced_by(table: str) -> list[str]:
    return [f"`{t}.{c}`" for (t, c), (target, _) in FOREIGN_KEYS.items() if target == table]


def _table_section(name: str) -> list[str]:
    schema = TABLES[name]
    duck = duckdb_types(schema)
    lines = [f"### {name}", "", TABLE_DESCRIPTIONS[name], "",
             f"- Primary key: {', '.join(f'`{c}`' for c in PRIMARY_KEYS[name])} (unique over the whole table)"]
    foreign = [f"`{c}` -> `{t}.{tc}`" for (table, c), (t, tc) in FOREIGN_KEYS.items() if table == name]
    if foreign:
        lines.append(f"- Foreign keys: {', '.join(foreign)}")
    if _referenced_by(name):
        lines.append(f"- Referenced by: {', '.join(_referenced_by(name))}")
    if name in PARTITIONED_TABLES:
        lines.append(f"- Files: `{name}/{PARTITION_COLUMN}=YYYY-MM/part-*.parquet`, partitioned by the "
                     f"{'' if name == 'documents' else 'document' + chr(39) + 's '}published month")
    elif name in REBUILT_TABLES:
        lines.append(f"- Files: `{name}/part-all.parquet`, one file rewritten by every run")
    else:
        lines.append(f"- Files: `{name}/part-*.parquet`, not partitioned")
    lines += [f"- Rows sorted within each file by {', '.join(f'`{c}`' for c in sort_keys(name))}", "",
              "| column | Arrow type | DuckDB type | nullable | unit | meaning |", "|---|---|---|---|---|---|"]
    fields = list(schema) + ([PARTITION_FIELD] if name in PARTITIONED_TABLES else [])
    for column in fields:
        duck_type = duck.get(column.name, "VARCHAR")
        meaning = _meta(column, "description").replace("|", "\\|")
        lines.append(f"| `{column.name}` | {column.type} | {duck_type} | {'yes' if column.nullable else 'no'} | "
                     f"{_meta(column, 'unit')} | {meaning} |")
    return lines + [""]


PREAMBLE = f"""# newsfacts data contract

Generated from `tasks/schemas.py` (`newsfacts schema > {DOC_PATH}`); a test fails when this file
and the code disagree. Schema version **{{version}}**.

Each table is a folder of Parquet files under the output directory (`data/` for `make run`):
read a table as the glob `data/<table>/**/*.parquet`, never a single file. Files are zstd
compressed, with min/max statistics per row group and a page index, so DuckDB and polars skip
files (by partition) and row groups (by `doc_id`, offsets, values) a filter rules out.

## Reading the tables

- **DuckDB**: `SELECT * FROM read_parquet('data/entities/**/*.parquet', hive_partitioning = true,
  union_by_name = true)`. `hive_partitioning` adds `{PARTITION_COLUMN}`; `union_by_name` reads files
  written before a column was added (the column is null in them). `newsfacts query "SQL"` does
  this for every table and names the views after the tables.
- **polars**: `pl.scan_parquet("data/entities/**/*.parquet", hive_partitioning=True,
  missing_columns="insert")`. polars takes the columns from the first file: when files of
  several minor versions are mixed, pass the table's columns as `schema=` (or run
  `newsfacts migrate` once, which gives every file every column).
- **pandas / pyarrow**: `pd.read_parquet("data/entities", partitioning=ds.partitioning(
  pa.schema([("{PARTITION_COLUMN}", pa.string())]), flavor="hive"))` with
  `import pyarrow as pa, pyarrow.dataset as ds`: naming the partition type keeps undated rows
  (folder `{PARTITION_COLUMN}=__HIVE_DEFAULT_PARTITION__`) readable as nulls.
- **Spark**: `spark.read.option("basePath", "data/entities").parquet("data/entities")`.

**Reading while a run writes, and on an object store.** The globs above match committed files
only, on a local disk and on an object store (`s3://bucket/prefix/<table>/**/*.parquet`) alike.
A batch writes every file under `_staging/`, which no table glob matches, then a commit marker,
then puts each file in place: a rename on disk, a server-side copy of a complete object on a store,
so a reader never sees a partial file, and a batch whose marker was never written is never seen at
all. While a batch is being put in place a reader may see its `entities` and `numbers` before its
`documents` (documents come last), so join from `documents` to read whole batches only. On S3
with DuckDB, whose `httpfs` extension is downloaded at first use, register the fsspec filesystem
instead: `con.register_filesystem(s3fs.S3FileSystem())`, then `read_parquet('s3://...')`.

Offsets (`start_char`, `end_char`) count Unicode code points in `documents.text` (Python string
indices; in DuckDB `substring(text, start_char + 1, end_char - start_char)`).

## Joining them

Mentions (`entities`, `numbers`) belong to a document through `doc_id`; an entity mention names
its real-world entity through `entity_id`, whose row in `entity_catalog` has the preferred name,
every spelling and the counts. A number and the entities of the same sentence share `doc_id` and
`sentence_index`. Mention counts per entity and month, with the document's date:

```sql
SELECT c.canonical_name, d.{PARTITION_COLUMN}, count(*) AS mentions
FROM read_parquet('data/entities/**/*.parquet', hive_partitioning = true) e
JOIN read_parquet('data/entity_catalog/**/*.parquet') c USING (entity_id)
JOIN read_parquet('data/documents/**/*.parquet', hive_partitioning = true) d USING (doc_id)
GROUP BY ALL ORDER BY mentions DESC;
```

Every input record is either a row of `documents` or a row of `quarantine` (with `reason`). A
rerun over the same inputs adds no row twice: primary keys are unique over all files.

## Versioning

The schema version is `major.minor`, stored with the dataset in `_contract.json` and in every
file's metadata. A new nullable column raises the minor version: files written before it keep
reading, the column null in them, and runs keep appending. Anything else (a column removed,
renamed, retyped or made required; another partitioning) raises the major version: a run refuses
a dataset of another major version with a message saying so, until `newsfacts migrate --output DIR`
rewrites its files (atomically: a crash leaves the old files or the new ones). `newsfacts migrate`
also rewrites files that predate a new column, so every file has every column.

## File metadata

Every field carries `description` (and `unit` where it has one) as Arrow field metadata. Every
file carries `newsfacts.table`, `newsfacts.schema_version`, `newsfacts.pipeline_version` and
`newsfacts.run_id` (the run, or `compact` / `migrate`, that wrote it) as Parquet key-value metadata;
files merged by `newsfacts compact` list the runs of the rows they merged in
`newsfacts.source_run_ids`. In DuckDB: `SELECT * FROM parquet_kv_metadata('data/entities/**/*.parquet')`.

## Tables
"""


def render_markdown() -> str:
    """docs/data-contract.md: every table, column, type, nullability, unit, meaning and key."""
    lines = [PREAMBLE.replace("{version}", SCHEMA_VERSION)]
    for name in TABLES:
        lines += _table_section(name)
    lines += ["## Values", "", "Document `flags`:", ""]
    lines += [f"- `{flag}`: {meaning}" for flag, meaning in FLAG_MEANINGS.items()]
    lines += ["", "Quarantine `reason`:", ""]
    lines += [f"- `{reason}`: {meaning}" for reason, meaning in QUARANTINE_REASONS.items()]
    lines += ["", f"Number `kind`: {', '.join(f'`{k}`' for k in NUMBER_KINDS)}.",
              f"Number `count_type`: {', '.join(f'`{k}`' for k in COUNT_TYPES if k)} or empty.",
              *_unit_lines()]
    return "\n".join(lines) + "\n"


def _unit_lines() -> list[str]:
    """The Units section: the vocabulary of `numbers.unit` and `numbers.per_unit` (`tasks.units`),
    which the numbers suite checks."""
    from tasks import units

    base = sorted(set(units.MEASURE_SPELLINGS.values()))
    return [
        "", "### Units", "",
        "`numbers.unit` holds one vocabulary, checked by the `numbers` suite (`tasks/units.py`):", "",
        f"- ratios: {', '.join(f'`{u}`' for u in units.RATIO_UNITS)};",
        "- money: an ISO 4217 code (pycountry's list, with `FRF`, `DEM`, `ITL`, `ESP`, `ZWL`);",
        f"- measures, pint's names: {', '.join(f'`{u}`' for u in base)}; and any of these but the rates per a "
        f"time unit, as `<measure>_per_<time unit>` (`barrel_per_day`);",
        f"- durations and ages: {', '.join(f'`{u}`' for u in units.TIME_UNITS)};",
        "- empty: plain counts, ordinals, identifiers, dates and times.", "",
        "`numbers.per_unit`: empty, a time unit (or `night`), a measure name, or one of "
        f"{', '.join(f'`{u}`' for u in sorted(set(units.PER_NOUNS.values())))}.",
    ]
