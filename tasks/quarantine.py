"""Quarantine rows: every record a stage cannot pass on, with the stage and a named reason."""

from __future__ import annotations

import hashlib

import polars as pl

from tasks.schemas import QUARANTINE, frame

EXCERPT_CHARS = 160
#: What a quarantine row's id is a hash of, with its stage: what failed and where.
KEY_COLUMNS = ("record_kind", "reason", "detail", "source_path", "source_id", "record_index", "doc_id")


def quarantine_id(stage: str, *key) -> str:
    """24 hex digits of a hash of the stage and the KEY_COLUMNS' values, so reruns dedupe a row."""
    text = "\x1f".join(str(part) for part in (stage, *key))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def quarantine_row(
    *,
    record_kind: str,
    reason: str,
    detail: str,
    source_path: str | None = None,
    source_id: str | None = None,
    record_index: int | None = None,
    doc_id: str | None = None,
    excerpt: str | None = None,
) -> dict:
    """One quarantine row. Its `stage` (and so its id) is the step that returns it, which the
    pipeline's runner names (`with_stage`): stage logic does not know the step it runs in."""
    return {
        "quarantine_id": None,
        "run_id": "",
        "stage": None,
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


def with_stage(rows: pl.DataFrame, stage: str) -> pl.DataFrame:
    """The rows as quarantined by the step named `stage`, with the ids that depend on it."""
    ids = [quarantine_id(stage, *key) for key in rows.select(KEY_COLUMNS).iter_rows()]
    return rows.with_columns(stage=pl.lit(stage, dtype=pl.String), quarantine_id=pl.Series(ids, dtype=pl.String))
