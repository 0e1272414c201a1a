"""Finding and reading inputs: walked lazily in path order, planned into batches, read file by file.

Inputs are local paths or object-store URLs (`s3://bucket/prefix`, `gs://`, `az://`, `abfs://`:
any fsspec filesystem installed), listed and read through fsspec; credentials and endpoint come
from the store's usual environment (for S3: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
`AWS_ENDPOINT_URL`, `AWS_PROFILE`). A file whose fingerprint matches the input ledger's record of
a committed file is skipped unread: it has been read in full and every record of it is in the
tables or the quarantine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import itertools
import json
import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tasks.formats import ARTICLE_SUFFIXES, HTML_SUFFIXES, PAGE_RECORD_TYPES, is_warc, size_limit, too_large
from tasks.io.storage import is_url

#: Size, modification and change time (ns) of an input file: a file whose fingerprint matches its
#: committed one is not read again. The change time moves on chmod too, so a file that could not
#: be read and was then made readable is read. For an object in an object store: size, last
#: modified (ns) and a number derived from its version (ETag or generation), which every write
#: changes.
Fingerprint = tuple[int, int, int]
#: The file every newsfacts output folder holds (its data contract): a folder holding one is a
#: dataset, whose tables, report and Data Docs are never read as news.
DATASET_MARKER = "_contract.json"
#: Read in chunks of this size to count a JSONL file's records.
_CHUNK = 1 << 20


#: A WARC file is read in slices of this many page records (a batch takes whole slices): the
#: slices, and so the input ledger's keys, do not depend on the batch size.
WARC_SLICE_RECORDS = 100


@dataclass(frozen=True)
class InputFile:
    """One input file's bytes, or why it could not be read (`error`, quarantined as `reason`);
    `first_record` is the number of the first record of a WARC slice's bytes; `name` is the file's
    name within the input it was found under (`source_name`), None when not known."""

    path: str
    data: bytes | None
    error: str | None = None
    reason: str = "unreadable_file"
    first_record: int = 0
    name: str | None = None


@dataclass(frozen=True)
class StoredObject:
    """One input object in an object store, as listed: its URL, size, last modification (ns)
    and version (ETag or generation)."""

    url: str
    size: int
    modified_ns: int
    version: str

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.url).suffix


@dataclass(frozen=True)
class WarcSlice:
    """A run of whole records of a WARC file: the bytes from `start` to `end` (None: the end of
    the file), its first record the file's record number `first_record`, holding `records` page
    records (responses and resources). Read, ledgered and committed as a file of its own, so a
    multi-GB WARC streams through batches and a rerun after a crash skips the slices committed."""

    source: Path | StoredObject
    start: int
    end: int | None
    first_record: int
    records: int


def display_path(path: Path | StoredObject | WarcSlice) -> str:
    """`path` as storable text: bytes that are not UTF-8 in a file name become `\\xNN` escapes;
    an object is its URL; a WARC slice its file's."""
    if isinstance(path, WarcSlice):
        return display_path(path.source)
    if isinstance(path, StoredObject):
        return path.url
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def ledger_key(path: Path | StoredObject) -> str:
    """The input ledger's name for a file: its absolute path (the same file given relatively from
    another folder is still recognised), or an object's URL; a WARC slice's is its file's with
    `#<start>` after it."""
    if isinstance(path, WarcSlice):
        return f"{ledger_key(path.source)}#{path.start}"
    if isinstance(path, StoredObject):
        return path.url
    return display_path(Path(os.path.abspath(path)))


def fingerprint(path: Path | StoredObject) -> Fingerprint | None:
    """(size, mtime_ns, ctime_ns) of a file, or None when it cannot be stat'ed; for an object,
    (size, last modified, a number from its version); for a WARC slice, its file's."""
    if isinstance(path, WarcSlice):
        return fingerprint(path.source)
    if isinstance(path, StoredObject):
        version = int(hashlib.sha256(path.version.encode("utf-8")).hexdigest()[:15], 16)
        return path.size, path.modified_ns, version
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _problem(path: Path, exc: OSError | None, reason: str, detail: str | None = None) -> InputFile:
    return InputFile(display_path(path), None, detail or f"{type(exc).__name__}: {exc.strerror}", reason)


def iter_inputs(paths: Sequence[str | os.PathLike], outputs: Sequence[str | os.PathLike] = (),
                skipped: list[str] | None = None) -> Iterator[Path | StoredObject | InputFile]:
    """Input files under `paths` in path order, one at a time, and (as InputFile with a reason)
    entries that cannot be walked.

    Directories are walked recursively, following symbolic links; hidden entries are skipped, and
    so are output folders met on the way: the `outputs` given (the run's own, which may not hold
    its contract yet) and any folder holding a dataset's `DATASET_MARKER`. Each folder so skipped
    is appended to `skipped`. A
    link back to a directory already being walked is reported as `symlink_loop`, and an
    unreadable directory as `unreadable_directory`, rather than skipped silently. Files of other
    types are yielded too, so ingestion quarantines them rather than losing them. An object-store
    URL names one object or every object under a prefix (hidden names skipped), listed in key
    order; a listing the store refuses is reported as `unreadable_directory`. Raises
    FileNotFoundError, before yielding anything, for a path that does not exist.
    """
    given = sorted(paths, key=str)
    listings: dict[str, list[StoredObject] | InputFile] = {}
    for path in given:
        if is_url(path):
            listings[str(path)] = _list_objects(str(path))
        elif not (Path(path).exists() or Path(path).is_symlink()):
            raise FileNotFoundError(f"input path does not exist: {path}")
    seen: set[Path] = set()
    skipped = [] if skipped is None else skipped
    # An output on an object store may come as a UPath, whose text is its URL.
    outputs = [output if isinstance(output, (str, Path)) else str(output) for output in outputs]
    local_outputs = {identity for output in outputs if not is_url(output)
                     for identity in [_identity(Path(output))] if identity is not None}
    remote_outputs = [str(output).rstrip("/") + "/" for output in outputs if is_url(output)]
    for path in given:
        if is_url(path):
            listed = listings[str(path)]
            yield from ([listed] if isinstance(listed, InputFile) else _without_datasets(listed, remote_outputs,
                                                                                          skipped))
            continue
        path = Path(path)
        if path.is_dir():
            here = os.stat(path)
            entries = _walk(path, {(here.st_dev, here.st_ino)}, local_outputs, skipped)
        else:
            entries = iter([path])
        for entry in entries:
            if isinstance(entry, Path):
                if entry in seen:
                    continue
                seen.add(entry)
            yield entry


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing directory, else None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def _without_datasets(objects: list[StoredObject], outputs: Sequence[str], skipped: list[str]) -> list[StoredObject]:
    """`objects` but those under one of the `outputs` prefixes (`s3://bucket/out/`) or under a
    prefix holding a dataset's marker; each prefix left out is appended to `skipped`."""
    marker = "/" + DATASET_MARKER
    prefixes = list(outputs) + [o.url[: -len(DATASET_MARKER)] for o in objects if o.url.endswith(marker)]
    if not prefixes:
        return objects
    kept, left_out = [], set()
    for item in objects:
        prefix = next((p for p in prefixes if item.url.startswith(p)), None)
        if prefix is None:
            kept.append(item)
        elif prefix not in left_out:
            left_out.add(prefix)
            skipped.append(prefix.rstrip("/"))
    return kept


def _modified_ns(info: dict) -> int:
    """An object's last modification in ns, from the names fsspec's stores give it."""
    value = next((info[k] for k in ("LastModified", "last_modified", "updated", "mtime", "created") if info.get(k)), 0)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return int(value.timestamp() * 1_000_000) * 1000
    return int(float(value) * 1e9)


def _list_objects(url: str) -> list[StoredObject] | InputFile:
    """The objects at `url` (one object, or all under it as a prefix) in key order; raises
    FileNotFoundError when there are none, and gives an InputFile naming the error when the
    store refuses the listing."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(url)
        root = root.rstrip("/")
        infos = {root: fs.info(root)} if fs.isfile(root) else fs.find(root, detail=True)
    except FileNotFoundError:
        infos = {}
    except Exception as exc:  # noqa: BLE001 - a store's errors are many (permissions, endpoint, network)
        return InputFile(url, None, f"{type(exc).__name__}: {exc}"[:500], "unreadable_directory")
    objects = []
    for name, info in sorted(infos.items()):
        relative = name[len(root):].strip("/")
        if info.get("type") == "directory" or any(part.startswith(".") for part in relative.split("/") if part):
            continue
        version = next((str(info[k]) for k in ("ETag", "etag", "generation", "md5Hash", "version_id") if info.get(k)),
                       "")
        objects.append(StoredObject(fs.unstrip_protocol(name), int(info.get("size") or 0), _modified_ns(info),
                                    version))
    if not objects:
        raise FileNotFoundError(f"input path does not exist: {url}")
    return objects


def _walk(directory: Path, visited: set[tuple[int, int]], outputs: set[tuple[int, int]] = frozenset(),
          skipped: list[str] | None = None) -> Iterator[Path | InputFile]:
    """Files under `directory` in the order sorted paths have (a folder's entries by name, each
    folder's files where its name falls); `visited` holds the folders already walked. Folders that
    are one of `outputs` ((device, inode)) or hold a dataset's marker are left out, named in
    `skipped`."""
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
        if (target.st_dev, target.st_ino) in outputs or os.path.isfile(os.path.join(entry.path, DATASET_MARKER)):
            if skipped is not None:
                skipped.append(display_path(Path(entry.path)))
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
            yield from _walk(Path(entry.path), visited, outputs, skipped)
        elif entry.name not in folder_names:
            yield Path(entry.path)


def _is_dir(entry: os.DirEntry) -> bool:
    """Whether the entry is a directory, following links (a link to itself is not: it is a file
    that read_input reports as a `symlink_loop`)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def input_exists(path: str | os.PathLike) -> bool:
    """Whether an input path exists, or an object-store URL names at least one object. A store
    that will not answer counts as existing: the run reports its error on the entry."""
    if not is_url(path):
        return Path(path).exists() or Path(path).is_symlink()
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(str(path))
        return fs.exists(root.rstrip("/"))
    except Exception:  # noqa: BLE001 - reported by the run, with the store's message
        return True


def discover_inputs(paths: Sequence[str | os.PathLike]) -> tuple[list[Path], list[InputFile]]:
    """(input files under `paths`, in path order; entries that cannot be walked): `iter_inputs`, whole."""
    files, problems = [], []
    for entry in iter_inputs(paths):
        (problems if isinstance(entry, InputFile) else files).append(entry)
    return files, problems


def _open(path: Path | StoredObject):
    if isinstance(path, StoredObject):
        import fsspec

        return fsspec.open(path.url, "rb").open()
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


class SliceIndex:
    """The slices of the WARC files planned before, by file and fingerprint (a JSON object each
    under `<output>/_cache/warc_slices/`): a run plans a WARC it has read before, whose slices the
    input ledger then skips, without reading it through again. A cache: losing it costs a read."""

    def __init__(self, output_dir: Path | None):
        self.folder = None if output_dir is None else output_dir / "_cache" / "warc_slices"

    def _path(self, path: Path | StoredObject):
        return self.folder / f"{hashlib.sha256(ledger_key(path).encode('utf-8')).hexdigest()[:24]}.json"

    def get(self, path: Path | StoredObject) -> list[WarcSlice] | None:
        print_ = fingerprint(path)
        if self.folder is None or print_ is None:
            return None
        try:
            stored = json.loads(self._path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if stored.get("key") != ledger_key(path) or tuple(stored.get("fingerprint", ())) != print_:
            return None
        return [WarcSlice(path, *piece) for piece in stored["slices"]]

    def put(self, path: Path | StoredObject, slices: list[WarcSlice]) -> None:
        print_ = fingerprint(path)
        if self.folder is None or print_ is None:
            return
        from tasks.io.files import write_json

        try:
            write_json(self._path(path), {"key": ledger_key(path), "fingerprint": list(print_),
                                          "slices": [[s.start, s.end, s.first_record, s.records] for s in slices]})
        except OSError:
            pass  # a cache: the next run reads the file through again


def warc_slices(path: Path | StoredObject, index: SliceIndex | None = None) -> Iterator[WarcSlice | InputFile]:
    """A WARC file as slices of `WARC_SLICE_RECORDS` page records, found by reading it through
    once (headers parsed, payloads skipped; a `.warc.gz` decompressed) or in `index`. Where its
    records cannot be parsed further (a truncated file), the last slice runs to the end of the
    file, where reading it quarantines the damage. A file that cannot be opened is an InputFile
    naming why."""
    known = index.get(path) if index is not None else None
    if known is not None:
        yield from known
        return
    found = []
    for piece in _scan_warc(path):
        if isinstance(piece, WarcSlice):
            found.append(piece)
        yield piece
    if found and index is not None:
        index.put(path, found)


def _scan_warc(path: Path | StoredObject) -> Iterator[WarcSlice | InputFile]:
    from warcio.archiveiterator import ArchiveIterator

    start, first, records, number = 0, 0, 0, 0
    try:
        handle = _open(path)
    except Exception as exc:  # noqa: BLE001 - local and store errors alike
        yield InputFile(display_path(path), None, f"{type(exc).__name__}: {exc}"[:500], "unreadable_file")
        return
    with handle:
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                if not record.format.startswith("warc"):
                    raise ValueError(record.format)
                offset = iterator.get_record_offset()  # also skips the payload
                if records >= WARC_SLICE_RECORDS:
                    yield WarcSlice(path, start, offset, first, records)
                    start, first, records = offset, number, 0
                records += record.rec_type in PAGE_RECORD_TYPES
                number += 1
        except Exception:  # noqa: BLE001 - damaged from here: its slice reports it when read
            records += 1
    if records or number == 0:
        yield WarcSlice(path, start, None, first, max(records, 1))


def read_input(path: Path | StoredObject | WarcSlice, max_bytes: int | None = None,
               max_page_bytes: int | None = None) -> InputFile:
    """One input file's bytes; a file that is not a regular file, too large (a `.txt` article over
    `max_bytes`, an HTML page over `max_page_bytes`; a JSONL file's records are checked one by one,
    a WARC's as they are read) or unreadable comes back with its reason instead of its bytes."""
    if isinstance(path, WarcSlice):
        return _read_slice(path)
    if isinstance(path, StoredObject):
        return _read_object(path, _size_limit(path.suffix, max_bytes, max_page_bytes))
    name = display_path(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return InputFile(name, None, "not a regular file (a FIFO, socket or device)", "not_a_regular_file")
        limit = _size_limit(path.suffix, max_bytes, max_page_bytes)
        if limit and info.st_size > limit[0]:
            return InputFile(name, None, too_large(info.st_size, *limit), "too_large")
        return InputFile(name, path.read_bytes())
    except OSError as exc:
        reason = "symlink_loop" if exc.errno == errno.ELOOP else "unreadable_file"
        return InputFile(name, None, f"{type(exc).__name__}: {exc.strerror or exc}", reason)


def _read_slice(entry: WarcSlice) -> InputFile:
    """The bytes of a WARC slice's records, or why they could not be read."""
    name = display_path(entry)
    try:
        with _open(entry.source) as handle:
            handle.seek(entry.start)
            data = handle.read() if entry.end is None else handle.read(entry.end - entry.start)
        return InputFile(name, data, first_record=entry.first_record)
    except Exception as exc:  # noqa: BLE001 - local and store errors alike
        return InputFile(name, None, f"{type(exc).__name__}: {exc}"[:500], "unreadable_file",
                         first_record=entry.first_record)


def _size_limit(suffix: str, max_bytes: int | None, max_page_bytes: int | None) -> tuple[int, str] | None:
    """The size limit a file with `suffix` is read under and the option's name, if any: a page's
    markup is held to `max_page_bytes` (its main text to `max_bytes`, once extracted), a text
    article to `max_bytes`."""
    suffix = suffix.lower()
    page = suffix in HTML_SUFFIXES
    if suffix not in ARTICLE_SUFFIXES or (max_page_bytes if page else max_bytes) is None:
        return None
    return size_limit(page, max_bytes, max_page_bytes)


def _read_object(entry: StoredObject, limit: tuple[int, str] | None) -> InputFile:
    """An object's bytes, or why the store would not give them (`unreadable_file`: the next run
    tries it again)."""
    import fsspec

    if limit and entry.size > limit[0]:
        return InputFile(entry.url, None, too_large(entry.size, *limit), "too_large")
    try:
        fs, path = fsspec.core.url_to_fs(entry.url)
        return InputFile(entry.url, fs.cat_file(path))
    except Exception as exc:  # noqa: BLE001 - a store's errors are many (permissions, throttling, network)
        return InputFile(entry.url, None, f"{type(exc).__name__}: {exc}"[:500], "unreadable_file")


def read_inputs(paths: Sequence[str | os.PathLike], max_bytes: int | None = None,
                max_page_bytes: int | None = None) -> list[InputFile]:
    """Every input file under `paths`, read (see `read_input`), and every entry that could not be walked."""
    return [entry if isinstance(entry, InputFile) else read_input(entry, max_bytes, max_page_bytes)
            for entry in iter_inputs(paths)]


def read_files(entries: Sequence[Path | StoredObject | InputFile], max_bytes: int | None = None,
               inputs: Sequence[str | os.PathLike] = (), max_page_bytes: int | None = None) -> list[InputFile]:
    """The entries of one batch read (see `read_input`), each named within the `inputs` it was
    found under (`source_name`); entries that could not be walked as they are."""
    files = [entry if isinstance(entry, InputFile) else read_input(entry, max_bytes, max_page_bytes)
             for entry in entries]
    return [dataclasses.replace(f, name=source_name(f.path, inputs)) for f in files]


def source_name(path: str, inputs: Sequence[str | os.PathLike]) -> str:
    """A file's name within the input it was found under: its path from that input's parent
    folder (`bbc/business/001.txt` for `business/001.txt` under the input `corpus/bbc`, whatever
    the working folder), so files of one folder, or of folders of different names, never share
    one; a file given as an input itself is its file name. `/` separates the parts.

    The first input, in the order inputs are walked, that holds `path` names it; a path under
    none (a WARC the run fetched into its output) is its file name."""
    for given in sorted(inputs, key=str):
        if is_url(given) != is_url(path):
            continue
        if is_url(path):
            root = str(given).rstrip("/")
            if path == root:
                return PurePosixPath(path).name
            if path.startswith(root + "/"):
                return f"{PurePosixPath(root).name or root.split('://', 1)[1]}/{path[len(root) + 1:]}"
            continue
        root, here = Path(given), Path(path)
        if here == root:
            return here.name
        if here.is_relative_to(root):
            return PurePosixPath(Path(os.path.abspath(root)).name, *here.relative_to(root).parts).as_posix()
    return PurePosixPath(path).name


def record_count(path: Path | StoredObject | WarcSlice) -> int:
    """How many records a file holds, for planning batches: its lines for JSONL, its page records
    for a WARC slice, else 1."""
    if isinstance(path, WarcSlice):
        return path.records
    if path.suffix.lower() != ".jsonl":
        return 1
    lines, last = 0, b"\n"
    try:
        with _open(path) as handle:
            while chunk := handle.read(_CHUNK):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except Exception:  # noqa: BLE001 - unreadable: reading it in its batch reports why
        return 1
    return max(1, lines + (last != b"\n"))


@dataclass
class Batch:
    """Input entries read, ingested and committed together; `fingerprints` are the files' ledger
    records, written when the batch commits."""

    number: int
    entries: list[Path | StoredObject | InputFile] = field(default_factory=list)
    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)
    records: int = 0


class BatchPlan:
    """The input entries in batches of about `batch_size` records, planned as they are walked: a
    batch takes whole files until it holds `batch_size` records (a JSONL file's lines count; a
    file with more records than that is a batch of its own). Files the ledger (`committed`:
    ledger key -> fingerprints) records with the fingerprint they have now are left out, counted
    in `unchanged`."""

    def __init__(self, paths: Sequence[str | os.PathLike], committed: Mapping[str, set[Fingerprint]],
                 batch_size: int, problems: Sequence[InputFile] = (), slice_index: SliceIndex | None = None,
                 outputs: Sequence[str | os.PathLike] = ()):
        self.paths, self.committed, self.batch_size = list(paths), committed, max(1, batch_size)
        self.slice_index, self.outputs = slice_index, list(outputs)
        self.skipped_folders: list[str] = []  # output folders met inside the inputs, left out
        self.problems = list(problems)  # entries known not to be readable (URLs that could not be fetched)
        self.unchanged = 0
        self.entries = 0

    def __iter__(self) -> Iterator[Batch]:
        batch = Batch(number=1)
        for entry in itertools.chain(self.problems, _with_warc_slices(
                iter_inputs(self.paths, self.outputs, self.skipped_folders), self.slice_index)):
            # Files are counted (for progress and the manifest), a WARC once: at its last slice.
            whole = not isinstance(entry, WarcSlice) or entry.end is None
            self.entries += whole
            if not isinstance(entry, InputFile):
                key, print_ = ledger_key(entry), fingerprint(entry)
                if print_ is not None and print_ in self.committed.get(key, ()):
                    self.unchanged += whole
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


def _with_warc_slices(entries: Iterator[Path | StoredObject | InputFile], index: SliceIndex | None = None
                      ) -> Iterator[Path | StoredObject | WarcSlice | InputFile]:
    """The entries, each WARC file as its slices (`warc_slices`)."""
    for entry in entries:
        if isinstance(entry, InputFile) or not is_warc(display_path(entry)):
            yield entry
        else:
            yield from warc_slices(entry, index)


def read_gold(paths: Sequence[Path], corpus_dir: Path | None, clean: Callable[[str], str]) -> list[dict]:
    """Gold records (`id`, `text`, `entities`) from JSONL files. A record without `text` names its
    article by `source` (relative to `corpus_dir`) and `sha256` of its text as the pipeline cleans
    it (`clean`, `tasks.documents.clean.clean_text`), so corpora that must not be committed are annotated
    without copying them."""
    if corpus_dir is not None and not corpus_dir.is_dir():
        raise ValueError(f"corpus folder {corpus_dir} does not exist: --corpus names the folder the gold "
                         "records' `source` paths are relative to (corpora are not part of the repository)")
    records = []
    for path in paths:
        for _, record in jsonl_records(path):
            if "text" not in record:
                if corpus_dir is None:
                    raise ValueError(f"{path}: record {record['id']} has no text; pass the corpus directory")
                record["text"] = clean((corpus_dir / record["source"]).read_text(encoding="utf-8"))
                digest = hashlib.sha256(record["text"].encode("utf-8")).hexdigest()
                if digest != record["sha256"]:
                    raise ValueError(f"{path}: {record['id']} does not match its annotated text (sha256 differs)")
            records.append(record)
    return records


def read_identities(paths: Sequence[Path]) -> list[list[str]] | None:
    """Each entity gold record's identities (one per gold mention, in order): the record's own
    `identities` where every record of a file has them, else the identity gold beside the file
    (`identities_X.jsonl` beside `entities_X.jsonl`); None when a file has neither. ValueError
    when they do not line up with the mentions."""
    identities = []
    for path in map(Path, paths):
        entities = jsonl_records(path)
        if entities and all("identities" in record for _, record in entities):
            named, source = [(number, record) for number, record in entities], path
        else:
            source = path.with_name(path.name.replace("entities_", "identities_", 1))
            if source == path or not source.is_file():
                return None
            named = jsonl_records(source)
        if len(entities) != len(named):
            raise ValueError(f"{source}: {len(named)} records, {path.name} has {len(entities)}")
        for (_, record), (number, names) in zip(entities, named, strict=True):
            if names["id"] != record["id"] or len(names["identities"]) != len(record["entities"]):
                raise ValueError(f"{source}:{number}: does not line up with {path.name} (id or mention count)")
        identities += [names["identities"] for _, names in named]
    return identities


def jsonl_records(path: Path) -> list[tuple[int, dict]]:
    """(line number from 1, record) of each non-blank line of a gold JSONL file."""
    return [(number, json.loads(line))
            for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1)
            if line.strip()]


def read_page_gold(paths: Sequence[Path], pages_dir: Path) -> list[dict]:
    """Page gold records (`page`, `sha256`, `kind`, `body`, ...) from JSONL files, each with its
    page's bytes (`data`) from `pages_dir`, which holds the pages under the names the gold gives;
    ValueError when a page is missing or is not the one annotated (its sha256 differs)."""
    records = []
    for path in paths:
        for _, record in jsonl_records(path):
            page = Path(pages_dir) / record["page"]
            data = page.read_bytes() if page.is_file() else None
            if data is None or hashlib.sha256(data).hexdigest() != record["sha256"]:
                raise ValueError(f"{page} is missing or not the page the gold was annotated on")
            records.append(record | {"data": data})
    return records
