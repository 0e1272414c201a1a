"""WARC records -> articles: one HTTP response per record, as Common Crawl's CC-NEWS stores them.

Pure: the bytes of a run of whole records (`tasks.io.inputs.WarcSlice`) in, rows and quarantine
out. Records are read one at a time with warcio, so a slice costs the memory of its largest page.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re

from tasks.defaults import DEFAULT_MAX_PAGE_BYTES
from tasks.formats import PAGE_RECORD_TYPES, too_large
from tasks.ingest.decode import Undecodable, decode_bytes
from tasks.quarantine import quarantine_row

#: Payload media types read as pages.
HTML_TYPES = ("text/html", "application/xhtml+xml")
CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def warc_date(value: str | None) -> dt.datetime | None:
    """A `WARC-Date` (`2022-09-30T10:00:00Z`, fractions of a second allowed) in UTC."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return None


def ingest_warc(source_path: str, data: bytes, first_record: int, max_document_bytes: int,
                max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES):
    """Articles of the WARC records in `data`, the first of them the file's record number
    `first_record` (from 0; a row's `record_index`): each HTML page's main text
    (`tasks.ingest.records.ingest_page`), and the items of each feed that carry their full content
    (`tasks.ingest.records.ingest_feed`; the pages of the others are records of their own when fetched).

    A response that is not a 2xx (`http_error`, `http_redirect`), not HTML (`not_html`), cut short
    (`truncated_record`: `WARC-Truncated`, or fewer bytes than its `Content-Length`) or too large
    (`too_large`: a payload over `max_page_bytes`, a page's main text over `max_document_bytes`) is
    quarantined with its record id; a record that cannot be parsed ends the slice
    as `truncated_record`.
    """
    from warcio.archiveiterator import ArchiveIterator

    from tasks.ingest.feeds import is_feed
    from tasks.ingest.records import Ingested, ingest_feed, ingest_page

    out = Ingested()
    number = first_record
    records = iter(ArchiveIterator(io.BytesIO(data)))
    while True:
        where = {"source_path": source_path, "record_index": number}
        try:
            record = next(records, None)
            if record is None:
                break
            if not record.format.startswith("warc"):  # warcio reads on where a WARC reader must stop
                raise ValueError(f"not a WARC record (read as {record.format!r})")
            kind, headers = record.rec_type, record.rec_headers
            if kind not in PAGE_RECORD_TYPES:
                number += 1
                continue
            where["source_id"] = (headers.get_header("WARC-Record-ID") or "").strip("<>") or f"record-{number}"
            url = headers.get_header("WARC-Target-URI")
            payload = record.content_stream().read(max_page_bytes + 1)
            short = record.raw_stream.limit if len(payload) <= max_page_bytes else 0
        except Exception as exc:  # noqa: BLE001 - warcio's errors on damaged bytes are many
            # At the file's first record the file is no WARC; later, the rest of it is damaged.
            out.quarantine.append(quarantine_row(
                record_kind="record" if number else "file",
                reason="truncated_record" if number else "invalid_warc",
                detail=f"record {number} cannot be read: {type(exc).__name__}: {exc}"[:500], **where))
            break
        number += 1
        fetched = {"url": url, "fetched_at": warc_date(headers.get_header("WARC-Date"))}
        feed = is_feed(_content_type(record), payload)
        problem = _problem(record, payload, short, max_page_bytes, too_large, feed)
        if problem:
            reason, detail = problem
            out.quarantine.append(quarantine_row(record_kind="record", reason=reason,
                                                 detail=f"{detail} ({url})", **where))
            continue
        if feed:
            items = ingest_feed(where["source_path"], payload, where["record_index"], **fetched)
            out.rows += items.rows
            out.quarantine += items.quarantine
            continue
        try:
            text, encoding = _decode(payload, _content_type(record))
        except Undecodable as exc:
            out.quarantine.append(quarantine_row(record_kind="record", reason=exc.reason,
                                                 detail=f"{exc.detail} ({url})", **where))
            continue
        page = ingest_page(text, encoding, where, max_document_bytes=max_document_bytes, **fetched)
        out.rows += page.rows
        out.quarantine += page.quarantine
    return out


def _content_type(record) -> str:
    headers = record.http_headers if record.rec_type == "response" else record.rec_headers
    return (headers.get_header("Content-Type") if headers else None) or ""


def _problem(record, payload: bytes, short: int, max_page_bytes: int, too_large, feed: bool
             ) -> tuple[str, str] | None:
    """(reason, detail) of a record that holds no page or feed to read, or None."""
    truncated = record.rec_headers.get_header("WARC-Truncated")
    if truncated or short:
        return "truncated_record", (f"WARC-Truncated: {truncated}" if truncated
                                    else f"{short:,} bytes fewer than its Content-Length")
    if len(payload) > max_page_bytes:
        return "too_large", too_large(len(payload), max_page_bytes, "max_page_bytes")
    if record.rec_type == "response":
        if record.http_headers is None:
            return "not_html", "a response record with no HTTP response in it"
        status = record.http_headers.get_statuscode() or ""
        line = record.http_headers.protocol + " " + record.http_headers.statusline
        if status.startswith("3"):
            location = record.http_headers.get_header("Location")
            return "http_redirect", f"{line.strip()}" + (f" to {location}" if location else "")
        if not status.startswith("2"):
            return "http_error", line.strip()
    media = _content_type(record).split(";")[0].strip().lower()
    if not feed and media not in HTML_TYPES and not (not media and payload.lstrip()[:1] == b"<"):
        return "not_html", f"a payload of type {media or '(none given)'}, not an HTML page"
    return None


def _decode(payload: bytes, content_type: str) -> tuple[str, str]:
    """The page's text and encoding: in the charset its Content-Type names when that decodes it,
    else as any other input (UTF-8, a byte-order mark, a detected legacy encoding)."""
    declared = CHARSET.search(content_type)
    if declared:
        try:
            name = codecs.lookup(declared.group(1)).name
            return payload.decode(name), name.replace("_", "-")
        except (LookupError, UnicodeDecodeError):
            pass
    decoded = decode_bytes(payload)
    return decoded.text, decoded.encoding
