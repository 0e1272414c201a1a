"""Where everything lives in an output directory, and the one check that keeps paths inside it."""

from __future__ import annotations

from pathlib import Path

from tasks.io import storage
from tasks.io.inputs import DATASET_MARKER

#: Per-run records: manifest, validation results, Data Docs, report.
RUNS_DIR = "_runs"
#: Where a batch's files wait before they are published all at once.
STAGING_DIR = "_staging"
#: What later runs read instead of the tables: the input ledger, near-duplicate signatures and
#: buckets, the commit log (see `tasks.io.state`).
STATE_DIR = "_state"
#: The log of committed batches, one JSON record each, under STATE_DIR.
COMMITS_DIR = "commits"
#: Written into a staging folder when its files are complete: from then on they are published.
COMMIT_MARKER = "_COMMIT"
EMPTY_PART = "part-empty.parquet"
REBUILT_PART = "part-all.parquet"
CONTRACT_FILE = DATASET_MARKER
LOCK_FILE = ".newsfacts.lock"
#: Hive's name for the partition of rows whose partition value is null (readers turn it into null).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


class UnsafePathError(ValueError):
    """A path built from run data would leave the output directory."""


def safe_join(root: Path, *parts: str) -> Path:
    """`root / parts`, refused when the result would lie outside `root` (`..`, absolute parts)."""
    path = root.joinpath(*parts)
    if not storage.inside(root, path):
        raise UnsafePathError(f"{path} is outside the output directory {root}")
    return path


def run_dir(output_dir: Path, run_id: str) -> Path:
    """Where one run's manifest, validation results and Data Docs go."""
    return safe_join(output_dir, RUNS_DIR, run_id)


def staging_dir(output_dir: Path, name: str) -> Path:
    """Where one commit (a run's batch, a compaction) writes its files before publishing them."""
    return safe_join(output_dir, STAGING_DIR, name)


def state_dir(output_dir: Path, name: str) -> Path:
    """The folder of one state table, or of the commit log."""
    return safe_join(output_dir, STATE_DIR, name)
