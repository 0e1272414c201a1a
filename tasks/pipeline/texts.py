"""A slice of the pipeline on texts as they are, for scoring against gold annotated on them:
`newsfacts eval` runs the same steps as a run, from `extract_mentions` on,
with a fresh entity catalog, so what they score is what a run writes. The texts are not cleaned
(the gold's offsets are into them as given) and no gate runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from tasks.config import RunConfig
from tasks.pipeline.declaration import steps_between
from tasks.pipeline.runner import Runner
from tasks.schemas import DOCUMENTS, ENTITY_CATALOG, frame


def documents_of(texts: Sequence[str], datelines: Sequence[str | None] | None = None,
                 published: Sequence[dt.date | None] | None = None) -> pl.DataFrame:
    """The texts as documents whose ids are their positions ("0", "1", ...), with their datelines
    and publication dates when known."""
    return frame([{"doc_id": str(i), "text": text, "flags": [],
                   "dateline": datelines[i] if datelines else None,
                   "published_date": published[i] if published else None}
                  for i, text in enumerate(texts)], DOCUMENTS)


def run_on_texts(texts: Sequence[str], last: str, model: str, datelines: Sequence[str | None] | None = None,
                 published: Sequence[dt.date | None] | None = None) -> dict[str, Any]:
    """The batch values after the pipeline's steps from `extract_mentions` to `last` ran on the
    texts in this process (see `documents_of`)."""
    from tasks.nlp.extraction import extract_shards

    values = {"documents": documents_of(texts, datelines, published), "extracted": None,
              "shard_extractor": extract_shards, "entity_catalog": frame([], ENTITY_CATALOG)}
    return Runner(RunConfig(model=model)).run(steps_between("extract_mentions", last), values).values


def by_document(rows: pl.DataFrame, texts: Sequence[str]) -> list[list[dict]]:
    """Rows of a table grouped by the text they are in, in order (`documents_of`'s ids)."""
    grouped: list[list[dict]] = [[] for _ in texts]
    for row in rows.iter_rows(named=True):
        grouped[int(row["doc_id"])].append(row)
    return grouped
