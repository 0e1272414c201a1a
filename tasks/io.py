"""All file-system I/O: finding and reading inputs, reading what was written, writing Parquet and JSON.

Writes are atomic: a file is written under a temporary name that no reader's glob matches
(`.<name>.<random>.tmp`), flushed, then renamed into place. One run at a time holds an output
directory's lock, an operating-system file lock taken with filelock: the OS drops it when the
process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tasks import contract
from tasks.errors import OutputLockedError, SchemaVersionError  # noqa: F401 - raised here, caught by callers as io.*
from tasks.schemas import (PARTITION_COLUMN, PARTITIONED_TABLES, PRIMARY_KEYS, REBUILT_TABLES, TABLES, conform,
                           empty_table, polars_schema, published_month, sort_keys)

RUNS_DIR = "_runs"
CHECKPOINTS_DIR = "_checkpoints"
# Where a run writes its table files before moving them all into the tables.
STAGING_DIR = "_staging"
COMMIT_MARKER = "_COMMIT"
EMPTY_PART = "part-empty.parquet"
REBUILT_PART = "part-all.parquet"
CONTRACT_FILE = "_contract.json"
#: Hive's name for the partition of rows whose partition value is null (readers turn it into null).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
#: Rows per row group: small enough that min/max statistics skip most of a file for a `doc_id` or
#: offset filter, large enough that DuckDB and polars read a group in one go.
ROW_GROUP_ROWS = 128 * 1024
#: `newsfacts compact` writes files of at most this many rows.
TARGET_FILE_ROWS = 1_000_000


LOCK_FILE = ".newsfacts.lock"
#: Set to a crash point's name (`write:numbers`, `checkpoint:2`, `after:clean`) to SIGKILL the
#: process there: how the crash-safety tests stop a run at an exact point. Unset in real runs.
CRASH_AT_ENV = "NEWSFACTS_CRASH_AT"


class UnsafePathError(ValueError):
    """A path built from run data would leave the output directory."""


@dataclass(frozen=True)
class InputFile:
    """One input file's bytes, or why it could not be read (`error`, quarantined as `reason`)."""

    path: str
    data: bytes | None
    error: str | None = None
    reason: str = "unreadable_file"


def display_path(path: Path) -> str:
    """`path` as storable text: bytes that are not UTF-8 in a file name become `\\xNN` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def discover_inputs(paths: Sequence[str | os.PathLike]) -> tuple[list[Path], list[InputFile]]:
    """(input files under `paths`, sorted; entries that cannot be walked, with their reason).

    Directories are walked recursively, following symbolic links; hidden entries are skipped.
    A link back to a directory already being walked is reported as `symlink_loop`, and an
    unreadable directory as `unreadable_directory`, rather than skipped silently. Files of
    other types are returned too, so ingestion quarantines them rather than losing them.
    Raises FileNotFoundError for a path that does not exist.
    """
    found: list[Path] = []
    problems: list[InputFile] = []
    for path in map(Path, paths):
        if path.is_dir():
            visited: set[tuple[int, int]] = set()

            def unreadable(exc: OSError) -> None:
                problems.append(InputFile(display_path(Path(exc.filename)), None,
                                          f"{type(exc).__name__}: {exc.strerror}", "unreadable_directory"))

            for root, dirs, files in os.walk(path, followlinks=True, onerror=unreadable):
                here = os.stat(root)
                visited.add((here.st_dev, here.st_ino))
                keep = []
                # Real directories before links, so a link to a directory read anyway is the one left out.
                for name in sorted((d for d in dirs if not d.startswith(".")),
                                   key=lambda d: (os.path.islink(Path(root, d)), d)):
                    try:
                        target = os.stat(Path(root, name))
                    except OSError as exc:
                        problems.append(InputFile(display_path(Path(root, name)), None,
                                                  f"{type(exc).__name__}: {exc.strerror}", "unreadable_directory"))
                        continue
                    if (target.st_dev, target.st_ino) in visited:
                        problems.append(InputFile(
                            display_path(Path(root, name)), None,
                            f"symbolic link to {display_path(Path(os.path.realpath(Path(root, name))))}, "
                            "a directory this run already reads", "symlink_loop"))
                        continue
                    visited.add((target.st_dev, target.st_ino))
                    keep.append(name)
                dirs[:] = sorted(keep)
                found.extend(Path(root, name) for name in sorted(files) if not name.startswith("."))
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise FileNotFoundError(f"input path does not exist: {path}")
    return sorted(dict.fromkeys(found)), problems


def read_input(path: Path, max_bytes: int | None = None) -> InputFile:
    """One input file's bytes; a file that is not a regular file, larger than `max_bytes` (for
    `.txt` articles; a JSONL file's records are checked one by one) or unreadable comes back with
    its reason instead of its bytes."""
    # Imported here, with the cleaning libraries it loads: `newsfacts query` reads no inputs.
    from tasks.ingest import TEXT_SUFFIXES, too_large

    name = display_path(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return InputFile(name, None, "not a regular file (a FIFO, socket or device)", "not_a_regular_file")
        if max_bytes is not None and path.suffix.lower() in TEXT_SUFFIXES and info.st_size > max_bytes:
            return InputFile(name, None, too_large(info.st_size, max_bytes), "too_large")
        return InputFile(name, path.read_bytes())
    except OSError as exc:
        reason = "symlink_loop" if exc.errno == errno.ELOOP else "unreadable_file"
        return InputFile(name, None, f"{type(exc).__name__}: {exc.strerror or exc}", reason)


def read_inputs(paths: Sequence[str | os.PathLike], max_bytes: int | None = None) -> list[InputFile]:
    """Every input file under `paths`, read (see `read_input`), and every entry that could not be walked."""
    files, problems = discover_inputs(paths)
    return [read_input(path, max_bytes) for path in files] + problems


def safe_join(root: Path, *parts: str) -> Path:
    """`root / parts`, refused when the result would lie outside `root` (`..`, absolute parts)."""
    path = Path(root, *parts)
    base = os.path.realpath(root)
    if os.path.commonpath([base, os.path.realpath(path)]) != base:
        raise UnsafePathError(f"{path} is outside the output directory {root}")
    return path


_crash_counts: dict[str, int] = {}


def crash_point(name: str) -> None:
    """SIGKILL this process if `NEWSFACTS_CRASH_AT` names this point (`checkpoint` points count:
    `checkpoint:2` is the second one reached)."""
    wanted = os.environ.get(CRASH_AT_ENV)
    if not wanted:
        return
    _crash_counts[name] = _crash_counts.get(name, 0) + 1
    if wanted in (name, f"{name}:{_crash_counts[name]}"):
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def output_lock(output_dir: Path, run_id: str) -> Iterator[Path]:
    """Hold `output_dir`'s lock for one run, and clear what crashed runs left behind (temporary
    files, never read); raises OutputLockedError naming the holder when another run has it."""
    import filelock  # here: it loads asyncio, a tenth of a second `newsfacts query` never needs

    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / LOCK_FILE

    def name_holder(fd: int) -> None:
        # Only the holder writes the file: a contender opens it without truncating (filelock >= 3.30).
        os.ftruncate(fd, 0)
        os.pwrite(fd, (f"run {run_id}, pid {os.getpid()} on {socket.gethostname()}, "
                       f"since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC").encode(), 0)

    # Never a soft lock's marker file, which a killed run would leave behind. A new instance shared
    # with no other call and owned by no thread: taking the directory twice in one process fails as
    # it does across processes, and leaving the block on another thread still releases the lock.
    lock = filelock.FileLock(path, thread_local=False, is_singleton=False, fallback_to_soft=False,
                             on_acquired=name_holder)
    try:
        held = lock.acquire(blocking=False)
    except filelock.Timeout:
        holder = path.read_text(encoding="utf-8", errors="replace").strip() or "unknown"
        raise OutputLockedError(
            f"output directory {output_dir} is in use by another newsfacts run ({holder}); "
            "wait for it to finish or write to another output directory") from None
    with held:
        remove_temporary_files(output_dir)
        recover_staged(output_dir)
        yield path


def remove_temporary_files(output_dir: Path) -> list[Path]:
    """Temporary files of writes a crash interrupted (only called while holding the lock)."""
    stale = [p for p in output_dir.rglob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def table_glob(output_dir: Path, table: str) -> str:
    return str(output_dir / table / "**" / "*.parquet")


def table_files(output_dir: Path, table: str) -> list[Path]:
    """Every Parquet file of `table`, in every partition (temporary files excluded)."""
    return sorted(p for p in (output_dir / table).rglob("*.parquet") if not p.name.startswith("."))


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


def _atomic_write(path: Path, write, crash_label: str | None = None) -> None:
    """`write(tmp)` to a temporary file beside `path`, flushed, then renamed to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        if crash_label:
            crash_point(crash_label)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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

    _atomic_write(path, write, crash_label)


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
                run_id: str = "") -> tuple[list[Path], int]:
    """Append `rows` to `table`, minus rows whose key is already written: one zstd Parquet file
    per published month for a partitioned table (the rows carry PARTITION_COLUMN), else one file.
    Returns (files written, rows written). With `into` (a run's staging folder, see
    `staging_dir`) the files wait there until `publish_staged` moves them into the table.
    """
    keys = list(PRIMARY_KEYS[table])
    root = into or output_dir
    if rows.height:
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


def staging_dir(output_dir: Path, run_id: str) -> Path:
    """Where a run writes its table files before publishing them all at once."""
    return safe_join(output_dir, STAGING_DIR, run_id)


def publish_staged(output_dir: Path, staging: Path, rebuilt: Sequence[str],
                   replaced: Sequence[Path] = ()) -> list[Path]:
    """Move a run's staged table files into their tables, `documents` last, and return them;
    then delete the `replaced` files (what `compact` and `migrate` rewrote).

    First a `_COMMIT` marker is written: from then on the run's files are published even if this
    process dies halfway, because the next run finishes the moves (`recover_staged`) before it
    reads anything. Without the marker a dead run's files are deleted instead: either all of a
    run's rows reach the tables or none do. Tables in `rebuilt` are replaced, not appended to.
    """
    tables = sorted((p.name for p in staging.iterdir() if p.is_dir()), key=lambda t: (t == "documents", t))
    plan = {"tables": tables, "rebuilt": [t for t in tables if t in rebuilt],
            "files": sorted(str(p.relative_to(staging)) for p in staging.rglob("*.parquet")),
            "replaced": [str(p.relative_to(output_dir)) for p in replaced]}
    _atomic_write(staging / COMMIT_MARKER, lambda tmp: Path(tmp).write_text(json.dumps(plan), encoding="utf-8"))
    return _finish_publish(output_dir, staging)


def _finish_publish(output_dir: Path, staging: Path) -> list[Path]:
    plan = json.loads((staging / COMMIT_MARKER).read_text(encoding="utf-8"))
    published = []
    for table in plan["tables"]:
        for source in sorted((staging / table).rglob("*.parquet")):
            target = safe_join(output_dir, str(source.relative_to(staging)))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            published.append(target)
        if table in plan["rebuilt"]:
            _drop_all_but(output_dir / table, output_dir / table / REBUILT_PART)
        crash_point(f"publish:{table}")
    # A file rewritten under its own name was replaced by its move, in this call or in the one a
    # crash interrupted: the plan, not what is left to move, says which files are new.
    new = set(plan.get("files", []))
    for name in plan.get("replaced", []):
        if name not in new:
            safe_join(output_dir, name).unlink(missing_ok=True)
    for folder in sorted({safe_join(output_dir, name).parent for name in plan.get("replaced", [])}, reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # a partition folder left empty
    shutil.rmtree(staging)
    return published


def recover_staged(output_dir: Path) -> dict[str, str]:
    """What runs that died while writing left in the staging folder, settled: files of a run that
    had committed are published, any other run's are deleted. Returns run id -> what was done."""
    settled = {}
    for staging in sorted((output_dir / STAGING_DIR).glob("*")):
        if (staging / COMMIT_MARKER).exists():
            _finish_publish(output_dir, staging)
            settled[staging.name] = "published"
        else:
            shutil.rmtree(staging)
            settled[staging.name] = "discarded"
    return settled


# --- the contract: which schema a dataset was written with, compaction, migration ------------

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


def _month_of_documents(output_dir: Path) -> pl.DataFrame:
    """(doc_id, published_month) of every written document, read from its rows, whatever the layout."""
    files = table_files(output_dir, "documents")
    if not files:
        return pl.DataFrame(schema={"doc_id": pl.String, PARTITION_COLUMN: pl.String})
    documents = pl.from_arrow(_dataset(files).to_table(columns=["doc_id", "published_date"]))
    return documents.select("doc_id", published_month(pl.col("published_date")))


def _dataset(files: Sequence[Path], schema: pa.Schema | None = None):
    """A pyarrow dataset of the Parquet `files`, partition folders ignored. Imported here:
    pyarrow.dataset loads pandas, which `newsfacts query` would wait for without using."""
    import pyarrow.dataset as ds

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
                      (pq.read_schema(f) for f in files)} - {""})
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
    of at most `target_rows` rows (sorted, same rows), published all at once like a run's files:
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
    if replaced:
        publish_staged(output_dir, staging, REBUILT_TABLES, replaced)
    return changed


def migrate(output_dir: Path, operation: str = "migrate") -> dict[str, int]:
    """Every file of every table rewritten to this pipeline's contract: the current partitioning,
    metadata and columns (`contract.MIGRATIONS` carries a major version's rows to the next; a
    column added since is null), published all at once, then the new contract stored. Only call
    while holding the output lock. Returns table -> rows rewritten (empty when nothing to do)."""
    stored = read_contract(output_dir)
    if not contract.needs_migration(stored, contract.current()):
        return {}
    steps = contract.migrations_from(stored)
    months = _month_of_documents(output_dir)
    staging = staging_dir(output_dir, operation)
    replaced, rewritten = [], {}
    for table in TABLES:
        files = table_files(output_dir, table)
        if not files:
            continue
        # Files written under different schemas: every column any of them has.
        schema = pa.unify_schemas([pq.read_schema(f).remove_metadata() for f in files])
        rows = pl.from_arrow(_dataset(files, schema).to_table())
        for step in steps:
            rows = step(table, rows)
        rows = _with_declared_columns(rows, table)
        if table in PARTITIONED_TABLES:
            rows = rows.join(months, on="doc_id", how="left")
        _rewrite(table, files, rows, staging, operation, TARGET_FILE_ROWS)
        replaced += files
        rewritten[table] = rows.height
    if replaced:
        publish_staged(output_dir, staging, REBUILT_TABLES, replaced)
    write_contract(output_dir)
    return rewritten


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


def read_gold(paths: Sequence[Path], corpus_dir: Path | None = None) -> list[dict]:
    """Gold records (`id`, `text`, `entities`) from JSONL files. A record without `text` names its
    article by `source` (relative to `corpus_dir`) and `sha256` of its clean text, so corpora that
    must not be committed are annotated without copying them."""
    from tasks.clean import clean_text

    records = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if "text" not in record:
                if corpus_dir is None:
                    raise ValueError(f"{path}: record {record['id']} has no text; pass the corpus directory")
                record["text"] = clean_text((corpus_dir / record["source"]).read_text(encoding="utf-8"))
                digest = hashlib.sha256(record["text"].encode("utf-8")).hexdigest()
                if digest != record["sha256"]:
                    raise ValueError(f"{path}: {record['id']} does not match its annotated text (sha256 differs)")
            records.append(record)
    return records


def checkpoint_dir(output_dir: Path, key: str) -> Path:
    """Where a shard's extracted mentions wait until its run has written them."""
    return safe_join(output_dir, CHECKPOINTS_DIR, key)


def read_checkpoint(directory: Path) -> dict[str, pl.DataFrame] | None:
    """A finished shard's frames by name, or None when the shard has no complete checkpoint."""
    if not (directory / "_COMPLETE").exists():
        return None
    return {path.stem: pl.read_parquet(path) for path in sorted(directory.glob("*.parquet"))}


def write_checkpoint(directory: Path, frames: dict[str, pl.DataFrame]) -> None:
    """A shard's frames, each written atomically, then the marker that makes them count."""
    for name, frame_ in frames.items():
        _atomic_write(directory / f"{name}.parquet", lambda tmp, f=frame_: f.write_parquet(tmp, compression="zstd"))
    _atomic_write(directory / "_COMPLETE", lambda tmp: Path(tmp).write_text("", encoding="utf-8"))
    crash_point("checkpoint")


def clear_checkpoints(output_dir: Path) -> None:
    """Every shard checkpoint removed (their mentions are written, or a full refresh starts over)."""
    shutil.rmtree(output_dir / CHECKPOINTS_DIR, ignore_errors=True)


def write_text(path: Path, text: str) -> Path:
    """`text` as UTF-8 at `path`, atomically."""
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def write_json(path: Path, payload: dict) -> Path:
    """`payload` as indented JSON at `path`, atomically."""
    text = json.dumps(payload, indent=2, default=str, ensure_ascii=False)
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def run_dir(output_dir: Path, run_id: str) -> Path:
    """Where one run's manifest, validation results and Data Docs go."""
    return safe_join(output_dir, RUNS_DIR, run_id)
