"""The input formats newsfacts reads, as names and record types: what `tasks.io` needs to find,
slice and size-check inputs, and what the readers (`tasks.ingest.records`, `tasks.ingest.warc`) parse.

Declarations only: nothing here reads or parses anything."""

from __future__ import annotations

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
INPUT_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES
#: Suffixes whose file is one article, read whole (`max_document_bytes` checked before reading).
ARTICLE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
#: WARC record types that hold a page; the others (warcinfo, request, metadata, revisit,
#: conversion) describe a crawl, not news, and are passed over.
PAGE_RECORD_TYPES = ("response", "resource")


def is_warc(name: str) -> bool:
    """Whether a file name is a WARC's (`.warc`, `.warc.gz`)."""
    return name.lower().endswith((".warc", ".warc.gz"))


def too_large(size: int, limit: int) -> str:
    """Why an article of `size` bytes is quarantined as `too_large` under a `limit`."""
    return f"{size:,} bytes, more than max_document_bytes={limit:,}"
