"""Quarantine rows: every record a stage cannot pass on, with the stage and a named reason."""

from __future__ import annotations

import hashlib

import polars as pl

from tasks.schemas import QUARANTINE, frame

EXCERPT_CHARS = 160


def quarantine_row(
    *,
    stage: str,
    record_kind: str,
    reason: str,
    detail: str,
    source_path: str | None = None,
    source_id: str | None = None,
    record_index: int | None = None,
    doc_id: str | None = None,
    excerpt: str | None = None,
) -> dict:
    """One quarantine row whose id depends only on what failed and where, so reruns dedupe it."""
    key = "\x1f".join(
        str(part)
        for part in (stage, record_kind, reason, detail, source_path, source_id, record_index, doc_id)
    )
    return {
        "quarantine_id": hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24],
        "run_id": "",
        "stage": stage,
        "record_kind": record_kind,
        "reason": reason,
        "detail": detail,
        "source_path": source_path,
        "source_id": source_id,
        "record_index": record_index,
        "doc_id": doc_id,
        # An excerpt, never the whole text: enough to find the record, small enough for logs and UIs.
        "excerpt": excerpt[:EXCERPT_CHARS] if excerpt else None,
    }


def quarantine_frame(rows: list[dict]) -> pl.DataFrame:
    """Quarantine rows as a frame with the declared schema."""
    return frame(rows, QUARANTINE)
