"""Commits: one run at a time per output directory, and each batch's files published all at once.

A commit stages every file it writes (tables, state tables, its commit record) in a folder of its
own under `_staging/`, then writes a `_COMMIT` marker listing them, then moves them into place.
Once the marker exists the commit is published even if the process dies halfway: the next run
finishes the moves (`recover_staged`) before it reads anything. Without the marker a dead
commit's files are deleted instead. Either all of a batch's rows reach the tables or none do.

One run at a time holds an output directory's lock, an operating-system file lock taken with
filelock: the OS drops it when the process dies, however it dies. On an object store, where a
move is a copy then a delete, the same protocol holds (every move is repeated until the staged
copy is gone), and the lock is a lease object written only if absent (`tasks.io.lease`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path

from tasks.errors import OutputLockedError
from tasks.io import lease, storage
from tasks.io.files import atomic_write, crash_point, read_json
from tasks.io.layout import (COMMIT_MARKER, COMMITS_DIR, LOCK_FILE, REBUILT_PART, RUNS_DIR, STAGING_DIR, STATE_DIR,
                             safe_join, state_dir)
from tasks.schemas import REBUILT_TABLES, TABLES


@contextlib.contextmanager
def output_lock(output_dir: Path, run_id: str) -> Iterator[Path]:
    """Hold `output_dir`'s lock for one run, and clear what crashed runs left behind (temporary
    files, never read); raises OutputLockedError naming the holder when another run has it."""
    if storage.is_remote(output_dir):
        with lease.hold(output_dir, run_id):
            recover_staged(output_dir)
            yield output_dir / lease.LEASE_DIR
        return
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
    if storage.is_remote(output_dir):
        return []  # an object is uploaded whole: nothing temporary is ever written there
    stale = [p for p in output_dir.rglob(".*.tmp") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _publish_order(relative: str) -> tuple[int, str]:
    """Tables first, `documents` after them (its ids mark what a rerun skips), then the input
    ledger (its files are skipped unread), and the commit record last."""
    top = relative.split("/", 1)[0]
    if top == STATE_DIR:
        kind = relative.split("/")[1]
        rank = {COMMITS_DIR: 4, "inputs": 3}.get(kind, 1)
    else:
        rank = 2 if top == "documents" else 0
    return rank, relative


def publish_staged(output_dir: Path, staging: Path, replaced: Sequence[Path] = ()) -> list[Path]:
    """Move a commit's staged files into place (see `_publish_order`) and return them; then delete
    the `replaced` files (what `compact` and `migrate` rewrote). Tables in REBUILT_TABLES that
    the commit stages are replaced, not appended to."""
    lease.check_held(output_dir)
    files = sorted((str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()
                    and p.name != COMMIT_MARKER and not p.name.startswith(".")), key=_publish_order)
    plan = {"files": files, "rebuilt": sorted({f.split("/", 1)[0] for f in files} & set(REBUILT_TABLES)),
            "replaced": [str(p.relative_to(output_dir)) for p in replaced]}
    atomic_write(staging / COMMIT_MARKER, lambda tmp: Path(tmp).write_text(json.dumps(plan), encoding="utf-8"))
    return _finish_publish(output_dir, staging)


def _finish_publish(output_dir: Path, staging: Path) -> list[Path]:
    plan = read_json(staging / COMMIT_MARKER)
    published = []
    groups: dict[str, list[str]] = {}
    for relative in plan["files"]:  # in publish order
        parts = relative.split("/")
        groups.setdefault("/".join(parts[:2]) if parts[0] == STATE_DIR else parts[0], []).append(relative)
    for group, files in groups.items():
        for relative in files:
            source, target = staging / relative, safe_join(output_dir, relative)
            if source.exists():  # else moved before a crash interrupted this commit
                storage.make_parent(target)
                storage.move(source, target)
            published.append(target)
        if group in plan.get("rebuilt", []):
            _drop_all_but(output_dir / group, output_dir / group / REBUILT_PART)
        crash_point(f"publish:{group}")
    # A file rewritten under its own name was replaced by its move, in this call or in the one a
    # crash interrupted: the plan, not what is left to move, says which files are new.
    new = set(plan["files"])
    for name in plan.get("replaced", []):
        if name not in new:
            safe_join(output_dir, name).unlink(missing_ok=True)
    for folder in sorted({safe_join(output_dir, name).parent for name in plan.get("replaced", [])},
                         key=str, reverse=True):
        storage.remove_empty_folder(folder)  # a partition folder left empty
    storage.remove_tree(staging)
    return published


def _drop_all_but(folder: Path, keep: Path) -> None:
    for stale in folder.rglob("*.parquet"):
        if stale != keep:
            stale.unlink()


def recover_staged(output_dir: Path) -> dict[str, str]:
    """What commits that died left in the staging folder, settled: files of a commit that had
    written its marker are published, any other's are deleted. Returns commit -> what was done."""
    settled = {}
    for staging in sorted((output_dir / STAGING_DIR).glob("*"), key=str):
        if (staging / COMMIT_MARKER).exists():
            _finish_publish(output_dir, staging)
            settled[staging.name] = "published"
        else:
            storage.remove_tree(staging)
            settled[staging.name] = "discarded"
    return settled


def discard_staged(staging: Path) -> None:
    """A commit's staged files deleted before its marker was written (its rows are not published)."""
    storage.remove_tree(staging)


# --- the commit log -------------------------------------------------------------------------

def commit_record_path(staging: Path, sequence: int) -> Path:
    """Where a commit's record is staged: `_state/commits/<sequence>.json`, published last."""
    return staging / STATE_DIR / COMMITS_DIR / f"{sequence:010d}.json"


def last_commit(output_dir: Path) -> dict | None:
    """The newest commit record (running totals included), or None for a dataset without one."""
    folder = state_dir(output_dir, COMMITS_DIR)
    names = sorted(p.name for p in folder.glob("*.json")) if folder.exists() else []
    return read_json(folder / names[-1]) if names else None


def clear_dataset(output_dir: Path) -> list[str]:
    """Every table and all run state removed (the per-run records in `_runs/` stay), for a full
    refresh. Returns what was removed."""
    removed = []
    for name in [*TABLES, STATE_DIR]:
        if (output_dir / name).exists():
            storage.remove_tree(output_dir / name)
            removed.append(name)
    return removed


__all__ = ["output_lock", "remove_temporary_files", "publish_staged", "recover_staged", "discard_staged",
           "commit_record_path", "last_commit", "clear_dataset", "RUNS_DIR"]
