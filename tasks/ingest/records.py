"""Ingestion: raw file bytes -> one row per article, with header date and dateline parsed out.

Pure functions: the bytes are read in `tasks.io`; nothing here touches the file system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

import polars as pl

from tasks.defaults import DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_PAGE_BYTES
from tasks.documents.clean import LONE_SURROGATES
from tasks.formats import size_limit, too_large
from tasks.ingest.article_words import MIN_ARTICLE_WORDS, word_count
from tasks.ingest.decode import Undecodable, decode_bytes
from tasks.ingest.html import Page, canonical_url, domain_of, extract_page, looks_like_html
from tasks.quarantine import quarantine_row
from tasks.schemas import INGESTED, frame


# ` date 2022-09-30 Russian President ...`: the scraper's inline header, before the body. Its value
# is one token, or an ISO date and a time with a space between (`2022-09-30 10:00:00`); any token
# holding a digit is taken as a header's value, so that a malformed one (`30/09/2022`) is removed
# from the text and flagged rather than read as the article's first word.
DATE_HEADER = re.compile(
    r"\A\s*date\s+(?P<value>\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:\s?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?|[^\s\d]*\d\S*)(?=\s|\Z)\s*",
    re.IGNORECASE)
# What a header starts with, even when nothing after it reads as a date (` date yesterday ...`):
# lower-case, as the scraper writes it, so an article opening `Date night ...` is not flagged.
HEADER_START = re.compile(r"\A\s*date\s+\S")
# `MOSCOW, Russia — ...`: an upper-case place, optionally a region/country, then a dash.
DATELINE = re.compile(
    r"\A(?P<dateline>[A-Z][A-Z.'\- ]*[A-Z.](?:,\s*[A-Z][\w.'\- ]{0,40}?)?)\s*(?:\([^)\n]{1,40}\)\s*)?[—–-]{1,2}\s+"
)


@dataclass
class Ingested:
    """What one input file yielded: article rows and quarantine rows."""

    rows: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)


def doc_id_for(body: str) -> str:
    """Stable id of an article's content: the same text always gets the same id."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def split_date_header(text: str) -> tuple[dt.date | None, str]:
    """(published date, text without the header) for a ` date VALUE` header, VALUE read as the
    JSONL `date` field is (`parse_date_field`: a date, optionally with a time and a zone).

    A value that is no date (`2022-13-45`, `30/09/2022`) is still removed from the text and leaves
    the date empty.
    """
    match = DATE_HEADER.match(text)
    if not match:
        return None, text
    return parse_date_field(match.group("value")), text[match.end():]


def find_dateline(body: str) -> str | None:
    """The leading dateline (`MOSCOW, Russia`) of an article body, if it has one."""
    match = DATELINE.match(body)
    if not match:
        return None
    dateline = match.group("dateline").strip()
    # A dateline leads with an all-capital place; `A —` or a capitalised sentence is not one.
    first = dateline.split(",")[0].replace(".", "").replace(" ", "")
    if len(first) < 2 or not first.replace("'", "").replace("-", "").isupper():
        return None
    return dateline


# A zone after a time, as news feeds write it, in the form `datetime.fromisoformat` reads.
_ZONE = re.compile(r"\s?(?:Z|UTC|GMT)\Z", re.IGNORECASE)
_UNPADDED = re.compile(r"\A(\d{4})-(\d{1,2})-(\d{1,2})(?=\D|\Z)")


def parse_date_field(value: object) -> dt.date | None:
    """A JSONL `date` (or a date header's value) as a date: ISO 8601 `YYYY-MM-DD`, optionally with
    a time (`T` or a space between) and a zone (`Z`, `UTC`, `+02:00`). The date is the one written,
    in the writer's zone, not converted to UTC: a story published late on the 30th in New York is
    the 30th's news there."""
    if not isinstance(value, str):
        return None
    # `2022-9-3` is a date too, which `fromisoformat` reads only with two-digit months and days.
    text = _UNPADDED.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", _ZONE.sub("+00:00", value.strip()))
    try:
        return dt.datetime.fromisoformat(text).date() if len(text) > 10 else dt.date.fromisoformat(text)
    except ValueError:
        return None


def article_row(
    *,
    source_path: str,
    source_id: str,
    record_index: int | None,
    raw_text: str,
    encoding: str,
    source_format: str,
    flags: list[str] | None = None,
    title: str | None = None,
    date: dt.date | None = None,
    source: str | None = None,
    url: str | None = None,
    page: Page | None = None,
    fetched_url: str | None = None,
    fetched_at: dt.datetime | None = None,
) -> dict:
    """The ingested row for one article's decoded text and metadata; `page` is what an HTML page
    gave (its text is `raw_text`), under what a record gave itself (`title`, `date`, `url`)."""
    header_date, body = split_date_header(raw_text)
    flags = list(flags or [])
    if header_date is None and HEADER_START.match(raw_text) and "invalid_date" not in flags:
        flags.append("invalid_date")
    page = page or Page(text=None)
    url = page.url if url is None else canonical_url(url) or url  # not http(s): as given
    return {
        "doc_id": doc_id_for(body),
        "source_id": source_id,
        "source_path": source_path,
        "record_index": record_index,
        "title": page.title if title is None else title,
        "published_date": date or header_date or page.published_date,
        "dateline": find_dateline(body.lstrip()),
        "source": source,
        "url": url,
        "domain": domain_of(url),
        "author": page.author,
        "site_name": page.site_name,
        "declared_language": page.language,
        "source_format": source_format,
        "fetched_url": fetched_url,
        "fetched_at": fetched_at,
        "encoding": encoding,
        "flags": flags,
        "raw_text": raw_text,
        "body": body,
    }


def encoding_flags(encoding: str, text: str) -> list[str]:
    """Flags for how the bytes became text: a legacy code page, or UTF-8 with damaged bytes."""
    if encoding not in ("utf-8", "utf-16", "utf-32"):
        return ["legacy_encoding"]
    return ["invalid_utf8_replaced"] if "\ufffd" in text else []


def ingest_text_file(source_path: str, data: bytes, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
                     html: bool = False, name: str | None = None,
                     max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> Ingested:
    """One article file: the whole file is the article, its `name` within its input (else its file
    name) the source id. An HTML page (`html`, or text that is one: a page saved under another
    name) gives its main text. A text is held to `max_document_bytes`; a page to `max_page_bytes`
    (one saved under a text file's name to `max_document_bytes`), and its main text to
    `max_document_bytes`."""
    out = Ingested()
    where = {"source_path": source_path, "source_id": name or PurePath(source_path).name}
    # A page saved under another name (`.txt`) is held to max_document_bytes, as its name says.
    limit = size_limit(html, max_document_bytes, max_page_bytes)
    if len(data) > limit[0]:
        out.quarantine.append(quarantine_row(record_kind="file", reason="too_large",
                                             detail=too_large(len(data), *limit), **where))
        return out
    try:
        decoded = decode_bytes(data)
    except Undecodable as exc:
        out.quarantine.append(
            quarantine_row(record_kind="file", reason=exc.reason, detail=exc.detail, **where))
        return out
    text = decoded.text
    if not text.strip():
        out.quarantine.append(
            quarantine_row(record_kind="file", reason="empty_file",
                           detail=f"{len(data)} bytes, no text", **where)
        )
        return out
    flags = encoding_flags(decoded.encoding, text)
    if html or looks_like_html(text):
        page, problem = page_text(text, max_document_bytes=max_document_bytes)
        if problem:
            out.quarantine.append(quarantine_row(record_kind="file", reason=problem[0],
                                                 detail=problem[1], excerpt=page.text, **where))
            return out
        out.rows.append(article_row(record_index=None, raw_text=page.text, encoding=decoded.encoding, flags=flags,
                                    source_format="html", page=page, **where))
        return out
    row = article_row(record_index=None, raw_text=text, encoding=decoded.encoding, flags=flags,
                      source_format="txt", **where)
    if not row["body"].strip():
        out.quarantine.append(
            quarantine_row(record_kind="file", reason="empty_text",
                           detail="nothing after the date header", excerpt=text, **where)
        )
        return out
    out.rows.append(row)
    return out


def ingest_page(html: str, encoding: str, where: dict, url: str | None = None, fetched_at: dt.datetime | None = None,
                source_format: str = "warc", max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> Ingested:
    """One fetched page (a WARC response) as an article, or quarantined (`no_main_text`, or
    `too_large`: a main text over `max_document_bytes`); `url` is where it was fetched from, `where`
    its source path, id and record index."""
    out = Ingested()
    page, problem = page_text(html, url, max_document_bytes)
    if problem:
        reason, detail = problem
        out.quarantine.append(quarantine_row(record_kind="record", reason=reason,
                                             detail=f"{detail} ({url})" if url else detail, excerpt=page.text,
                                             **where))
        return out
    out.rows.append(article_row(raw_text=page.text, encoding=encoding, flags=encoding_flags(encoding, page.text),
                                source_format=source_format, page=page, fetched_url=url, fetched_at=fetched_at,
                                **where))
    return out


def ingest_feed(source_path: str, data: bytes, record_index: int | None = None, url: str | None = None,
                fetched_at: dt.datetime | None = None) -> Ingested:
    """The items of an RSS or Atom feed (a file, or a fetched response: the WARC's `record_index`)
    that carry their full content, as articles; an item with only a link is not one here: its
    page is fetched (`tasks.io.fetch`) and read from the fetch's WARC. A file that is no feed is
    quarantined `invalid_feed`."""
    from tasks.ingest.feeds import NotAFeed, parse_feed

    out = Ingested()
    try:
        feed = parse_feed(data)
    except NotAFeed as exc:
        out.quarantine.append(quarantine_row(record_kind="file" if record_index is None else "record",
                                             reason="invalid_feed", detail=f"{exc} ({url})" if url else str(exc),
                                             source_path=source_path, record_index=record_index))
        return out
    for item in feed.items:
        if item.text is None:
            continue
        out.rows.append(article_row(
            source_path=source_path, source_id=item.item_id or f"item-{item.number}",
            record_index=item.number if record_index is None else record_index, raw_text=item.text,
            encoding="utf-8", source_format="feed", title=item.title, date=item.published, source=feed.title,
            url=item.link, page=Page(text=None, author=item.author), fetched_url=url, fetched_at=fetched_at))
    return out


def page_text(html: str, url: str | None = None, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
              ) -> tuple[Page, tuple[str, str] | None]:
    """An HTML page's main text and metadata (`tasks.ingest.html.extract_page`), and why it is no
    article, as a quarantine (reason, detail): no main text, or one over `max_document_bytes`
    (None when it is one)."""
    page = extract_page(html, url)
    words = word_count(page.text or "")
    if words < MIN_ARTICLE_WORDS:
        found = f"{words} words of main text" if words else "no main text"
        return page, ("no_main_text",
                      f"{found} after boilerplate removal (fewer than {MIN_ARTICLE_WORDS}): not an article")
    size = len(page.text.encode("utf-8"))
    if size > max_document_bytes:
        return page, ("too_large", too_large(size, max_document_bytes, what="its main text"))
    return page, None


def ingest_jsonl_file(source_path: str, data: bytes, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
                      max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> Ingested:
    """A JSONL file: one article object per line (`id`, and `text` or a page's `html`; `title`,
    `date`, `source`, `url` optional). A record's own `title`, `date` and `url` come before what
    its page says; `text` wins over `html` when a record has both. A `text` is held to
    `max_document_bytes`; an `html` to `max_page_bytes`, and its main text to `max_document_bytes`."""
    out = Ingested()
    try:
        decoded = decode_bytes(data)
    except Undecodable as exc:
        out.quarantine.append(quarantine_row(record_kind="file", reason=exc.reason,
                                             detail=exc.detail, source_path=source_path))
        return out
    content = decoded.text
    if not content.strip():
        out.quarantine.append(
            quarantine_row(record_kind="file", reason="empty_file",
                           detail=f"{len(data)} bytes, no records", source_path=source_path)
        )
        return out
    # Records end at a line feed only: JSON strings may hold U+2028, U+2029 and U+0085 unescaped,
    # which `str.splitlines` would break a record at.
    for line_number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        where = {"source_path": source_path, "record_index": line_number}
        try:
            record = without_surrogates(json.loads(line))
        # Besides bad syntax: a 5,000-digit number (ValueError), `[[[[...` nested too deep.
        except (ValueError, RecursionError) as exc:
            why = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
                else f"{type(exc).__name__}: {str(exc)[:200]}"
            out.quarantine.append(quarantine_row(record_kind="record", reason="malformed_jsonl",
                                                 detail=f"line {line_number}: {why}", excerpt=line, **where))
            continue
        problem = _record_problem(record)
        if problem:
            source_id = record.get("id") if isinstance(record, dict) else None
            out.quarantine.append(
                quarantine_row(record_kind="record", reason="invalid_record",
                               detail=f"line {line_number}: {problem}",
                               source_id=None if source_id is None else str(source_id),
                               excerpt=line, **where)
            )
            continue
        from_html = not isinstance(record.get("text"), str)
        given = record["html"] if from_html else record["text"]
        size = len(given.encode("utf-8", "surrogatepass"))
        limit = size_limit(from_html, max_document_bytes, max_page_bytes)
        if size > limit[0]:
            out.quarantine.append(
                quarantine_row(record_kind="record", reason="too_large",
                               detail=f"line {line_number}: {too_large(size, *limit)}",
                               source_id=str(record["id"]), **where))
            continue
        page = None
        if from_html:  # the page's main text is the article's
            page, problem = page_text(given, record.get("url"), max_document_bytes)
            if problem:
                out.quarantine.append(quarantine_row(record_kind="record", reason=problem[0],
                                                     detail=f"line {line_number}: {problem[1]}",
                                                     source_id=str(record["id"]), excerpt=page.text, **where))
                continue
        date = parse_date_field(record.get("date"))
        flags = encoding_flags(decoded.encoding, given)
        if date is None and record.get("date"):
            flags.append("invalid_date")
        row = article_row(
            source_id=str(record["id"]),
            raw_text=page.text if page else given,
            encoding=decoded.encoding,
            source_format="jsonl",
            flags=flags,
            title=record.get("title"),
            date=date,
            source=record.get("source"),
            url=record.get("url"),
            page=page,
            **where,
        )
        out.rows.append(row)
    return out


def without_surrogates(value: object) -> object:
    """A parsed JSON value with lone surrogates (from `\\ud800` escapes) in its strings replaced by
    U+FFFD: they are not text, and no Parquet string can hold them."""
    if isinstance(value, str):
        return LONE_SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_surrogates(v) for v in value]
    return value


def _record_problem(record: object) -> str | None:
    """Why a parsed JSONL value is not a usable article, or None."""
    if not isinstance(record, dict):
        return f"expected an object, got {type(record).__name__}"
    if record.get("id") in (None, ""):
        return "missing 'id'"
    if not isinstance(record["id"], (str, int)) or isinstance(record["id"], bool):
        return f"'id' must be a string or integer, got {type(record['id']).__name__}"
    if record.get("text") is None and isinstance(record.get("html"), str):
        if not record["html"].strip():
            return "'html' is empty"
    elif not isinstance(record.get("text"), str):
        return "missing 'text' (or 'html')" if record.get("text") is None else "'text' must be a string"
    elif not record["text"].strip():
        return "'text' is empty"
    for name in ("title", "source", "url", "date", "html"):
        if record.get(name) is not None and not isinstance(record[name], str):
            return f"{name!r} must be a string"
    return None


def split_conflicting_ids(rows: list[dict], known: Mapping[tuple[str, str], str] | None = None) -> Ingested:
    """Records whose (source, id) an earlier record already used with different text, quarantined
    as `conflicting_id`; the first in input order (or the one written before, in `known`:
    (source, source_id) -> doc_id) is kept. Only JSONL records carry publisher ids; a `.txt`
    file's id is its name. The same id with the same text is an exact duplicate, left to cleaning.
    """
    known = known or {}
    first: dict[tuple[str, str], str] = {}  # this input's; the known ids are looked up, never copied
    out = Ingested()
    for row in rows:
        if row["record_index"] is None:
            out.rows.append(row)
            continue
        key = (row["source"] or "", row["source_id"])
        seen = first.get(key) or known.get(key)
        if seen is None:
            seen = first[key] = row["doc_id"]
        if seen == row["doc_id"]:
            out.rows.append(row)
            continue
        # The detail names the kept document only, so a rerun quarantines the record under the same id.
        out.quarantine.append(quarantine_row(
            record_kind="record", reason="conflicting_id",
            detail=f"id {row['source_id']!r} already used by document {seen} with different text",
            source_path=row["source_path"], source_id=row["source_id"], record_index=row["record_index"],
            doc_id=row["doc_id"], excerpt=row["body"]))
    return out


def ingested_frame(rows: list[dict]) -> pl.DataFrame:
    """Ingested article rows as a frame with the declared schema."""
    return frame(rows, INGESTED)
