"""Data built from installed packages, kept between processes: the user's cache folder
(`$XDG_CACHE_HOME/newsfacts`, else `~/.cache/newsfacts`), one pickle per name and key."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from tasks.io.files import atomic_write

T = TypeVar("T")


def cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsfacts"


def cache_key(source: Path, packages: Sequence[str]) -> str:
    """16 hex digits naming what a build depends on: its module's code and the packages' versions."""
    versions = "|".join(f"{name}={importlib.metadata.version(name)}" for name in packages)
    return hashlib.sha256(source.read_bytes() + versions.encode("utf-8")).hexdigest()[:16]


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """What `build()` gives, from `<cache folder>/<name>-<key>.pickle` when a process built it
    before; built (and kept, atomically) otherwise. A folder that cannot be written, or a file
    that cannot be read, costs a build, never the run."""
    try:
        path = cache_folder() / f"{name}-{key}.pickle"
        return pickle.loads(path.read_bytes())
    except Exception:  # no home folder, or a file absent, unreadable or from another Python
        pass
    value = build()
    try:
        path = cache_folder() / f"{name}-{key}.pickle"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
    except (OSError, RuntimeError):  # RuntimeError: Path.home() without a home folder
        pass
    return value
