"""A batch processed again (a batch committed before it changed what it looked up) reuses the
mentions its first pass extracted: only documents not extracted before go through the model, and
the rows, in their order, are those of one pass."""

from __future__ import annotations

import polars as pl

from tasks.defaults import DEFAULT_MODEL
from tasks.nlp.extraction import extract_shards
from tasks.pipeline.stages import Extraction, extract_mentions
from tests.conftest import SEEDS


def documents() -> pl.DataFrame:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))][:2]
    texts.append("Officials in Kharkiv said 1,200 people were evacuated on Monday.")
    return pl.DataFrame({"doc_id": ["d1", "d2", "d3"], "text": texts, "flags": [[], [], []]},
                        schema={"doc_id": pl.String, "text": pl.String, "flags": pl.List(pl.String)})


def test_a_second_pass_extracts_only_what_the_first_did_not():
    docs = documents()
    first = extract_mentions(docs, None, extract_shards, DEFAULT_MODEL, 2).values
    assert first["extraction"].doc_ids == ["d1", "d2", "d3"] and first["entities"].height > 10
    seen = []

    def recording(shards, model):
        seen.extend(doc_id for ids, _ in shards for doc_id in ids)
        return extract_shards(shards, model)

    again = extract_mentions(docs, first["extraction"], recording, DEFAULT_MODEL, 2).values
    assert seen == []
    # Only the first and last documents extracted before: the middle one goes through the model,
    # and its mentions take their place between theirs.
    earlier = Extraction(["d1", "d3"], first["entities"].filter(pl.col("doc_id") != "d2"),
                         first["numbers"].filter(pl.col("doc_id") != "d2"),
                         first["sentences"].filter(pl.col("doc_id") != "d2"))
    partly = extract_mentions(docs, earlier, recording, DEFAULT_MODEL, 2).values
    assert seen == ["d2"]
    for result in (again, partly):
        assert result["entities"].equals(first["entities"]) and result["numbers"].equals(first["numbers"])
        assert result["sentences"].equals(first["sentences"])
