"""Where a dataset lives: a local folder, or a prefix of an object store (`s3://bucket/prefix`, and
any other fsspec URL: `gs://`, `az://`).

A local output is a plain `pathlib.Path`; an object-store output is a `upath.UPath` (universal-
pathlib, the same Path API over fsspec), so the rest of `tasks.io` joins, lists and reads both
alike. What differs is here: an object store has no rename, no folders and no temporary files.

- An object appears whole or not at all (a PUT, or a server-side copy): a file is written to a
  local temporary file, then uploaded under its final name.
- Moving a staged object into place is a server-side copy, then a delete of the source: the
  commit protocol (`tasks.io.commits`) repeats any move a crash interrupted, so a copy done twice
  is harmless.
- Listings are never cached: another process (a worker, the next run) may have written since.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
from pathlib import Path

#: `scheme://...`: an input read through fsspec rather than the local file system.
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path: str | os.PathLike) -> bool:
    """Whether an input names an object store location (`s3://...`) rather than a local path."""
    return isinstance(path, str) and bool(URL.match(path)) and not path.startswith("file://")


def output_root(location: str | os.PathLike) -> Path:
    """The dataset at `location`: a local Path, or a UPath for an object-store URL."""
    if isinstance(location, Path) or not is_url(location):
        return Path(location)
    from upath import UPath

    # Listings uncached: the documents' files, the commit log and the lease change under us.
    return UPath(str(location).rstrip("/"), use_listings_cache=False)


def is_remote(path: os.PathLike) -> bool:
    """Whether `path` lies on an object store (a UPath that is not a local one)."""
    return not isinstance(path, Path)


def location(path: os.PathLike) -> str:
    """`path` as readers name it: an absolute local path, or the object store's URL."""
    return str(path) if is_remote(path) else os.path.abspath(path)


def inside(root: os.PathLike, path: os.PathLike) -> bool:
    """Whether `path` lies within `root` (`..` resolved; locally, symbolic links too)."""
    if is_remote(root):
        base = posixpath.normpath(root.path)
        return posixpath.commonpath([base, posixpath.normpath(path.path)]) == base
    base = os.path.realpath(root)
    return os.path.commonpath([base, os.path.realpath(path)]) == base


def path_order(path: os.PathLike) -> tuple[str, ...]:
    """The sort key of paths: pathlib's order, for local paths and object-store ones alike."""
    return tuple(path.parts)


def make_parent(path: os.PathLike) -> None:
    """`path`'s folder created (an object store needs none)."""
    if not is_remote(path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def upload(local: str, target: os.PathLike) -> None:
    """A finished local file stored at `target` in one request: readers see all of it or nothing."""
    target.fs.put_file(local, target.path)


def move(source: os.PathLike, target: os.PathLike) -> None:
    """`source` put in `target`'s place: a rename locally; a server-side copy, then the source
    deleted, on an object store (two steps: the caller repeats both after a crash)."""
    if not is_remote(source):
        os.replace(source, target)
        return
    source.fs.cp_file(source.path, target.path)
    source.fs.rm_file(source.path)


def remove_tree(path: os.PathLike) -> None:
    """A folder, or every object under a prefix, deleted; nothing when there is none."""
    if not is_remote(path):
        shutil.rmtree(path, ignore_errors=True)
        return
    try:
        path.fs.rm(path.path, recursive=True)
    except FileNotFoundError:
        pass


def remove_empty_folder(path: os.PathLike) -> None:
    """A local folder left empty removed (an object store has no folders to leave behind)."""
    if not is_remote(path):
        try:
            Path(path).rmdir()
        except OSError:
            pass


def parquet_file(path: os.PathLike):
    """A `pyarrow.parquet.ParquetFile` of `path`, local or on an object store."""
    import pyarrow.parquet as pq

    if not is_remote(path):
        return pq.ParquetFile(path)
    return pq.ParquetFile(path.fs.open(path.path, "rb"))


def local_folder(prefix: str) -> Path:
    """A new local temporary folder (for what a library can only write to a local folder, such as
    Great Expectations' Data Docs, before `upload_tree` stores it)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def upload_tree(local: Path, target: os.PathLike) -> None:
    """Every file under the local folder `local` stored under `target`, then `local` removed."""
    for file in sorted(p for p in local.rglob("*") if p.is_file()):
        upload(str(file), target.joinpath(*file.relative_to(local).parts))
    shutil.rmtree(local, ignore_errors=True)
