"""Atomic file writes, and the crash points the crash-safety tests stop a run at.

A file is written under a temporary name that no reader's glob matches (`.<name>.<random>.tmp`),
flushed, then renamed into place: readers see the whole file or none. On an object store it is
written to a local temporary file, then uploaded in one request, which has the same effect.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
from pathlib import Path

from tasks.io import storage

#: Set to a crash point's name (`write:numbers`, `commit:2`, `after:clean`) to SIGKILL the process
#: there: how the crash-safety tests stop a run at an exact point. Unset in real runs.
CRASH_AT_ENV = "NEWSFACTS_CRASH_AT"

_crash_counts: dict[str, int] = {}


def crash_point(name: str) -> None:
    """SIGKILL this process if `NEWSFACTS_CRASH_AT` names this point (points count: `commit:2` is
    the second time `commit` is reached)."""
    wanted = os.environ.get(CRASH_AT_ENV)
    if not wanted:
        return
    _crash_counts[name] = _crash_counts.get(name, 0) + 1
    if wanted in (name, f"{name}:{_crash_counts[name]}"):
        os.kill(os.getpid(), signal.SIGKILL)


def atomic_write(path: Path, write, crash_label: str | None = None) -> None:
    """`write(tmp)` to a temporary file beside `path`, flushed, then renamed to `path` (on an
    object store: to a local temporary file, then uploaded as `path`)."""
    if storage.is_remote(path):
        with tempfile.TemporaryDirectory(prefix="newsfacts-") as folder:
            tmp = os.path.join(folder, path.name)
            write(tmp)
            if crash_label:
                crash_point(crash_label)
            storage.upload(tmp, path)
        return
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


def read_text(path: Path) -> str:
    """The UTF-8 text at `path`."""
    return Path(path).read_text(encoding="utf-8")


def write_text(path: Path, text: str) -> Path:
    """`text` as UTF-8 at `path`, atomically."""
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def write_json(path: Path, payload: dict) -> Path:
    """`payload` as indented JSON at `path`, atomically."""
    return write_text(path, json.dumps(payload, indent=2, default=str, ensure_ascii=False))


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def check_writable_directory(path: Path) -> None:
    """`path` created if need be; raises UsageError when it is not a directory and OSError (read-only
    file system, permission denied) when nothing can be written there. On an object store the
    bucket must exist (a run creates no bucket); what the credentials allow shows at the first write."""
    if storage.is_remote(path):
        from tasks.errors import UsageError

        bucket = path.path.split("/", 1)[0]
        try:
            found = path.fs.exists(bucket)
        except Exception as exc:  # noqa: BLE001 - a store's errors are many (credentials, network)
            raise UsageError(f"output {path}: the object store refused: {type(exc).__name__}: {exc}") from None
        if not found:
            raise UsageError(f"output {path}: bucket {bucket} does not exist (create it first)")
        return
    if path.exists() and not path.is_dir():
        from tasks.errors import UsageError

        raise UsageError(f"output path is not a directory: {path}")
    path.mkdir(parents=True, exist_ok=True)  # a read-only or forbidden place fails here,
    try:
        with tempfile.TemporaryFile(dir=path):  # and so does an existing folder it cannot write to
            pass
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None

