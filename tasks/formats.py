"""The input formats newsfacts reads, as names and record types: what `tasks.io` needs to find,
slice and size-check inputs, and what the readers (`tasks.ingest.records`, `tasks.ingest.warc`) parse.

Declarations only: nothing here reads or parses anything."""

from __future__ import annotations

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
INPUT_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES
#: Suffixes whose file is one article, read whole (its size checked before reading: `max_document_bytes`
#: for text, `max_page_bytes` for a page).
ARTICLE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
#: WARC record types that hold a page; the others (warcinfo, request, metadata, revisit,
#: conversion) describe a crawl, not news, and are passed over.
PAGE_RECORD_TYPES = ("response", "resource")


def is_warc(name: str) -> bool:
    """Whether a file name is a WARC's (`.warc`, `.warc.gz`)."""
    return name.lower().endswith((".warc", ".warc.gz"))


def size_limit(page: bool, max_document_bytes: int, max_page_bytes: int) -> tuple[int, str]:
    """The limit an input is held to before it is read, and the option's name: a page's markup to
    `max_page_bytes` (its main text to `max_document_bytes` once extracted), an article's text to
    `max_document_bytes`."""
    return (max_page_bytes, "max_page_bytes") if page else (max_document_bytes, "max_document_bytes")


def too_large(size: int, limit: int, name: str = "max_document_bytes", what: str = "") -> str:
    """Why an article (or `what` of it: its main text) of `size` bytes is quarantined as `too_large`
    under the run's `limit`, the option called `name`."""
    return f"{what + ' ' if what else ''}{size:,} bytes, more than {name}={limit:,}"
