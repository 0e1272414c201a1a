"""Finding and reading inputs: walked lazily in path order, planned into batches, read file by file.

A file whose size and times match the input ledger's record of a committed file is skipped
unread: it has been read in full and every record of it is in the tables or the quarantine.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Size, modification and change time (ns) of an input file: a file whose fingerprint matches its
#: committed one is not read again. The change time moves on chmod too, so a file that could not
#: be read and was then made readable is read.
Fingerprint = tuple[int, int, int]
#: Read in chunks of this size to count a JSONL file's records.
_CHUNK = 1 << 20


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


def ledger_key(path: Path) -> str:
    """The input ledger's name for a file: its absolute path (the same file given relatively from
    another folder is still recognised)."""
    return display_path(Path(os.path.abspath(path)))


def fingerprint(path: Path) -> Fingerprint | None:
    """(size, mtime_ns, ctime_ns) of a file, or None when it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _problem(path: Path, exc: OSError | None, reason: str, detail: str | None = None) -> InputFile:
    return InputFile(display_path(path), None, detail or f"{type(exc).__name__}: {exc.strerror}", reason)


def iter_inputs(paths: Sequence[str | os.PathLike]) -> Iterator[Path | InputFile]:
    """Input files under `paths` in path order, one at a time, and (as InputFile with a reason)
    entries that cannot be walked.

    Directories are walked recursively, following symbolic links; hidden entries are skipped. A
    link back to a directory already being walked is reported as `symlink_loop`, and an
    unreadable directory as `unreadable_directory`, rather than skipped silently. Files of other
    types are yielded too, so ingestion quarantines them rather than losing them. Raises
    FileNotFoundError, before yielding anything, for a path that does not exist.
    """
    given = sorted(map(Path, paths))
    for path in given:
        if not (path.exists() or path.is_symlink()):
            raise FileNotFoundError(f"input path does not exist: {path}")
    seen: set[Path] = set()
    for path in given:
        if path.is_dir():
            here = os.stat(path)
            entries = _walk(path, {(here.st_dev, here.st_ino)})
        else:
            entries = iter([path])
        for entry in entries:
            if isinstance(entry, Path):
                if entry in seen:
                    continue
                seen.add(entry)
            yield entry


def _walk(directory: Path, visited: set[tuple[int, int]]) -> Iterator[Path | InputFile]:
    """Files under `directory` in the order sorted paths have (a folder's entries by name, each
    folder's files where its name falls); `visited` holds the folders already walked."""
    try:
        with os.scandir(directory) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield _problem(directory, exc, "unreadable_directory")
        return
    folders = [e for e in entries if _is_dir(e)]
    keep = set()
    # Real directories before links, so a link to a directory read anyway is the one left out.
    for entry in sorted(folders, key=lambda e: (e.is_symlink(), e.name)):
        try:
            target = os.stat(entry.path)
        except OSError as exc:
            yield _problem(Path(entry.path), exc, "unreadable_directory")
            continue
        if (target.st_dev, target.st_ino) in visited:
            yield _problem(Path(entry.path), None, "symlink_loop",
                           f"symbolic link to {display_path(Path(os.path.realpath(entry.path)))}, "
                           "a directory this run already reads")
            continue
        visited.add((target.st_dev, target.st_ino))
        keep.add(entry.name)
    folder_names = {e.name for e in folders}
    for entry in entries:
        if entry.name in keep:
            yield from _walk(Path(entry.path), visited)
        elif entry.name not in folder_names:
            yield Path(entry.path)


def _is_dir(entry: os.DirEntry) -> bool:
    """Whether the entry is a directory, following links (a link to itself is not: it is a file
    that read_input reports as a `symlink_loop`)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def discover_inputs(paths: Sequence[str | os.PathLike]) -> tuple[list[Path], list[InputFile]]:
    """(input files under `paths`, in path order; entries that cannot be walked): `iter_inputs`, whole."""
    files, problems = [], []
    for entry in iter_inputs(paths):
        (files if isinstance(entry, Path) else problems).append(entry)
    return files, problems


def count_inputs(paths: Sequence[str | os.PathLike]) -> int:
    """How many entries `iter_inputs` yields (for progress), walking without reading."""
    return sum(1 for _ in iter_inputs(paths))


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
    return [entry if isinstance(entry, InputFile) else read_input(entry, max_bytes) for entry in iter_inputs(paths)]


def read_files(entries: Sequence[Path | InputFile], max_bytes: int | None = None) -> list[InputFile]:
    """The entries of one batch read (see `read_input`); entries that could not be walked as they are."""
    return [entry if isinstance(entry, InputFile) else read_input(entry, max_bytes) for entry in entries]


def record_count(path: Path) -> int:
    """How many records a file holds, for planning batches: its lines for JSONL, else 1."""
    if path.suffix.lower() != ".jsonl":
        return 1
    lines, last = 0, b"\n"
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 1
    return max(1, lines + (last != b"\n"))


@dataclass
class Batch:
    """Input entries read, ingested and committed together; `fingerprints` are the files' ledger
    records, written when the batch commits."""

    number: int
    entries: list[Path | InputFile] = field(default_factory=list)
    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)
    records: int = 0


class BatchPlan:
    """The input entries in batches of about `batch_size` records, planned as they are walked: a
    batch takes whole files until it holds `batch_size` records (a JSONL file's lines count; a
    file with more records than that is a batch of its own). Files the ledger (`committed`:
    ledger key -> fingerprints) records with the fingerprint they have now are left out, counted
    in `unchanged`."""

    def __init__(self, paths: Sequence[str | os.PathLike], committed: Mapping[str, set[Fingerprint]],
                 batch_size: int):
        self.paths, self.committed, self.batch_size = list(paths), committed, max(1, batch_size)
        self.unchanged = 0
        self.entries = 0

    def __iter__(self) -> Iterator[Batch]:
        batch = Batch(number=1)
        for entry in iter_inputs(self.paths):
            self.entries += 1
            if isinstance(entry, Path):
                key, print_ = ledger_key(entry), fingerprint(entry)
                if print_ is not None and print_ in self.committed.get(key, ()):
                    self.unchanged += 1
                    continue
                records = record_count(entry)
                if batch.entries and batch.records + records > self.batch_size:
                    yield batch
                    batch = Batch(number=batch.number + 1)
                if print_ is not None:
                    batch.fingerprints[key] = print_
            else:
                records = 1
                if batch.entries and batch.records + records > self.batch_size:
                    yield batch
                    batch = Batch(number=batch.number + 1)
            batch.entries.append(entry)
            batch.records += records
        if batch.entries:
            yield batch


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
