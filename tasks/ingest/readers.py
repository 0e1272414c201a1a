"""Which reader an input file goes to, by its name: a WARC archive, a feed, JSONL records, or one
article (text or an HTML page); anything else is quarantined as `unsupported_file_type`.

Pure: the bytes are read in `tasks.io`."""

from __future__ import annotations

from pathlib import PurePath

from tasks.defaults import DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_PAGE_BYTES
from tasks.formats import ARTICLE_SUFFIXES, HTML_SUFFIXES, INPUT_SUFFIXES, JSONL_SUFFIXES, is_warc
from tasks.ingest.feeds import is_feed_file
from tasks.ingest.records import Ingested, ingest_feed, ingest_jsonl_file, ingest_text_file
from tasks.ingest.warc import ingest_warc
from tasks.quarantine import quarantine_row


def ingest_file(
    source_path: str,
    data: bytes | None,
    read_error: str | None = None,
    read_reason: str = "unreadable_file",
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    first_record: int = 0,
    name: str | None = None,
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
) -> Ingested:
    """Rows and quarantine for one input file, by its suffix; never raises on bad content.

    `read_error` (with its quarantine reason `read_reason`) says why the file could not be read.
    A WARC file's `data` is a slice of it, whose first record is the file's `first_record`. `name`
    is the file's name within its input (`tasks.io.source_name`): a file that is one article's
    source id (its file name when not given). An article's text is held to `max_document_bytes`;
    an HTML page's markup (a file, a WARC record) to `max_page_bytes`, its main text to `max_document_bytes`.
    """
    if read_error is not None:
        # A WARC slice's error names its records: each slice is retried, and quarantined, on its own.
        where = f" (records from {first_record})" if is_warc(source_path) else ""
        return Ingested(quarantine=[quarantine_row(record_kind="file", reason=read_reason,
                                                   detail=read_error + where, source_path=source_path)])
    suffix = PurePath(source_path).suffix.lower()
    try:
        if is_warc(source_path):
            return ingest_warc(source_path, data or b"", first_record, max_document_bytes, max_page_bytes)
        if is_feed_file(source_path):
            return ingest_feed(source_path, data or b"")
        if suffix in JSONL_SUFFIXES:
            return ingest_jsonl_file(source_path, data or b"", max_document_bytes, max_page_bytes)
        if suffix in ARTICLE_SUFFIXES:
            return ingest_text_file(source_path, data or b"", max_document_bytes, html=suffix in HTML_SUFFIXES,
                                    name=name, max_page_bytes=max_page_bytes)
    except Exception as exc:  # a bug must cost one file, not the run
        return Ingested(quarantine=[quarantine_row(record_kind="file", reason="ingest_error",
                                                   detail=f"{type(exc).__name__}: {exc}"[:500],
                                                   source_path=source_path)])
    return Ingested(quarantine=[quarantine_row(record_kind="file", reason="unsupported_file_type",
                                               detail=f"suffix {suffix or '(none)'!r} is not one of {INPUT_SUFFIXES}",
                                               source_path=source_path)])
