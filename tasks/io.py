"""All file-system I/O: finding and reading inputs, reading what was written, writing Parquet and JSON.

Writes are atomic: a file is written under a temporary name that no reader's glob matches
(`*.parquet.tmp`), flushed, then renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from tasks.schemas import PRIMARY_KEYS, TABLES, conform

RUNS_DIR = "_runs"
CHECKPOINTS_DIR = "_checkpoints"
EMPTY_PART = "part-empty.parquet"
REBUILT_PART = "part-all.parquet"


@dataclass(frozen=True)
class InputFile:
    """One input file's bytes, or why it could not be read."""

    path: str
    data: bytes | None
    error: str | None = None


def discover_inputs(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """Input files under `paths` (directories walked recursively, hidden entries skipped), sorted.

    Files of other types inside a directory are returned too, so ingestion can quarantine them
    rather than lose them silently. Raises FileNotFoundError for a path that does not exist.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root, name) for name in sorted(files) if not name.startswith("."))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"input path does not exist: {path}")
    return sorted(dict.fromkeys(found))


def read_inputs(paths: Iterable[Path]) -> list[InputFile]:
    """The bytes of each input file; an unreadable file is returned with its error, not raised."""
    out = []
    for path in paths:
        try:
            out.append(InputFile(str(path), path.read_bytes()))
        except OSError as exc:
            out.append(InputFile(str(path), None, f"{type(exc).__name__}: {exc.strerror or exc}"))
    return out


def table_glob(output_dir: Path, table: str) -> str:
    return str(output_dir / table / "**" / "*.parquet")


def table_exists(output_dir: Path, table: str) -> bool:
    return any((output_dir / table).rglob("*.parquet"))


def read_table(output_dir: Path, table: str, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """A written table (or the chosen columns), empty with the declared schema if none is written."""
    schema = TABLES[table]
    if not table_exists(output_dir, table):
        empty = pl.from_arrow(schema.empty_table())
        return empty.select(columns) if columns else empty
    frame = pl.scan_parquet(table_glob(output_dir, table))
    return (frame.select(columns) if columns else frame).collect()


def existing_keys(output_dir: Path, table: str, doc_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Primary keys already written for `table` (only for `doc_ids` when given)."""
    keys = list(PRIMARY_KEYS[table])
    if not table_exists(output_dir, table):
        return pl.from_arrow(TABLES[table].empty_table()).select(keys)
    scan = pl.scan_parquet(table_glob(output_dir, table)).select(keys)
    if doc_ids is not None and "doc_id" in keys:
        scan = scan.filter(pl.col("doc_id").is_in(list(doc_ids)))
    return scan.collect()


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(output_dir: Path, table: str, rows: pl.DataFrame) -> tuple[Path | None, int]:
    """Append `rows` to `table` as one new zstd Parquet file, minus rows whose key is already
    written; returns (file written or None, rows written).

    The file name is a hash of the rows' keys, so writing the same rows twice replaces the file
    rather than adding a second one.
    """
    keys = list(PRIMARY_KEYS[table])
    if rows.height:
        doc_ids = rows["doc_id"].unique().to_list() if "doc_id" in keys else None
        rows = rows.join(existing_keys(output_dir, table, doc_ids), on=keys, how="anti")
    if not rows.height:
        if not table_exists(output_dir, table):
            # An empty file keeps `read_parquet('<table>/**/*.parquet')` working before any row exists.
            _atomic_write(output_dir / table / EMPTY_PART,
                          lambda tmp: pq.write_table(TABLES[table].empty_table(), tmp, compression="zstd"))
        return None, 0
    rows = rows.sort(keys)
    arrow = conform(rows, TABLES[table])
    digest = hashlib.sha256()
    for values in rows.select(keys).cast(pl.String).iter_rows():
        digest.update("\x1f".join(map(str, values)).encode() + b"\x1e")
    path = output_dir / table / f"part-{digest.hexdigest()[:20]}.parquet"
    _atomic_write(path, lambda tmp: pq.write_table(arrow, tmp, compression="zstd"))
    return path, arrow.num_rows


def replace_table(output_dir: Path, table: str, rows: pl.DataFrame) -> tuple[Path, int]:
    """`table` rewritten as exactly `rows`, in one file renamed over the previous one."""
    path = output_dir / table / REBUILT_PART
    arrow = conform(rows, TABLES[table])
    _atomic_write(path, lambda tmp: pq.write_table(arrow, tmp, compression="zstd"))
    for stale in (output_dir / table).rglob("*.parquet"):
        if stale != path:
            stale.unlink()
    return path, arrow.num_rows


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
    return output_dir / CHECKPOINTS_DIR / key


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


def clear_checkpoints(output_dir: Path) -> None:
    """Every shard checkpoint removed (their mentions are written, or a full refresh starts over)."""
    shutil.rmtree(output_dir / CHECKPOINTS_DIR, ignore_errors=True)


def write_json(path: Path, payload: dict) -> Path:
    """`payload` as indented JSON at `path`, atomically."""
    text = json.dumps(payload, indent=2, default=str, ensure_ascii=False)
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def run_dir(output_dir: Path, run_id: str) -> Path:
    """Where one run's manifest, validation results and Data Docs go."""
    return output_dir / RUNS_DIR / run_id
