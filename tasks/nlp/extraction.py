"""Extraction as a run does it, from texts to entity and number mentions and sentences, shard by
shard: `extract_shard` is what the flow's shard task runs (`flows.shards`), in the flow's process
or its extraction processes; `extract_shards` runs every shard here, for a pipeline run without
Prefect (`newsfacts eval`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import NamedTuple

import polars as pl
from spacy.language import Language
from spacy.tokens import Doc

from tasks.documents.sentences import sentence_bounds
from tasks.entities.mentions import extract_entities
from tasks.nlp.model import annotate_texts, extraction_components, load_model, window_parser
from tasks.numbers.mentions import extract_numbers
from tasks.schemas import SENTENCES, frame


class Mentions(NamedTuple):
    """What extraction gives for a set of documents."""

    entities: pl.DataFrame
    numbers: pl.DataFrame
    sentences: pl.DataFrame


def annotate(nlp: Language, texts: Sequence[str]) -> list[Doc]:
    """Docs with entities and sentences: only the components a run enables (`extraction_components`)."""
    return annotate_texts(nlp, texts, extraction_components(nlp))


def numbers_of(nlp: Language, doc_ids: Sequence[str], texts: Sequence[str], docs: Sequence[Doc]) -> pl.DataFrame:
    """Number mentions of annotated docs; the parser runs only on a few words around each amount."""
    return extract_numbers(doc_ids, texts, docs, window_parser(nlp))


def extract_sentences(doc_ids: Sequence[str], texts: Sequence[str], docs: Sequence[Doc]) -> pl.DataFrame:
    """Where each annotated doc's sentences are (the sentences `sentence_index` counts); their
    tone is measured later (`tasks.documents.tone`)."""
    return frame([{"doc_id": doc_id, "sentence_index": i, "start_char": start, "end_char": end}
                  for doc_id, text, doc in zip(doc_ids, texts, docs, strict=True)
                  for i, (start, end) in enumerate(sentence_bounds(doc, text))], SENTENCES)


def extract_mentions(nlp: Language, doc_ids: Sequence[str], texts: Sequence[str]) -> Mentions:
    """Entity mentions, number mentions and sentences of `texts`, exactly as a run's shard extracts them."""
    docs = annotate(nlp, texts)
    return Mentions(extract_entities(doc_ids, docs), numbers_of(nlp, doc_ids, texts, docs),
                    extract_sentences(doc_ids, texts, docs))


# --- shards ----------------------------------------------------------------------------------

#: Why a document could not be extracted: (doc_id, detail) rows.
FAILURES = {"doc_id": pl.String, "detail": pl.String}

# The shard's entity mentions, number mentions, sentences and failures, or why it failed.
ShardOutcome = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame] | str

# A process runs one shard at a time on its pipeline (spaCy is not thread-safe), and loads the
# pipeline afresh once it has read RELOAD_DOCUMENTS documents: a pipeline's vocabulary keeps every
# word it has seen, so without this a long run's memory grew with its input. A fresh load costs
# little against the documents read between loads. Chosen over spaCy's `memory_zone`, which bounds
# the vocabulary as well but turns off the tokenizer's cache inside the zone, so every word is
# split by the affix rules again each time it occurs (docs/benchmarks.md has what that cost).
RELOAD_DOCUMENTS = 5_000
_PIPELINE = threading.Lock()
_read = {"documents": 0}  # documents this process has read since it last loaded the pipeline


def _count_documents(documents: int) -> None:
    """Count `documents` about to be read, dropping the loaded pipelines first if they have read
    their RELOAD_DOCUMENTS (the next `load_model` loads them again, without the words seen)."""
    if _read["documents"] >= RELOAD_DOCUMENTS:
        load_model.cache_clear()
        _read["documents"] = 0
    _read["documents"] += documents


def _extract(doc_ids: list[str], texts: list[str], model: str) -> Mentions:
    # The frames hold copies of the docs' strings; the docs are not used after the shard.
    with _PIPELINE:
        _count_documents(len(texts))
        return extract_mentions(load_model(model), doc_ids, texts)


def extract_shard(doc_ids: list[str], texts: list[str], model: str
                  ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(entity mentions, number mentions, sentences, documents that failed with why) of one
    shard, in whichever process runs it (the model stays loaded in the process between shards).
    When the shard fails, each document is extracted alone, so one bad document costs only itself."""
    try:
        return (*_extract(doc_ids, texts, model), pl.DataFrame(schema=FAILURES))
    except Exception:
        logging.getLogger(__name__).warning("shard of %d documents failed; extracting them one by one",
                                            len(doc_ids))
    parts, failed = [], []
    for doc_id, text in zip(doc_ids, texts, strict=True):
        try:
            parts.append(_extract([doc_id], [text], model))
        except Exception as exc:
            failed.append({"doc_id": doc_id, "detail": f"{type(exc).__name__}: {exc}"[:500]})
    return *joined_mentions(parts), pl.DataFrame(failed, schema=FAILURES)


def no_mentions() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(entities, numbers, sentences) of no documents, with every column extraction gives (the
    confidences and their evidence too), so they concatenate with extracted ones."""
    return extract_entities([], []), extract_numbers([], [], [], lambda texts: []), frame([], SENTENCES)


def joined_mentions(parts: Sequence[Sequence[pl.DataFrame]]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(entities, numbers, sentences) of parts that each start with theirs, concatenated in order;
    `no_mentions()` when there are no parts."""
    if not parts:
        return no_mentions()
    entities, numbers, sentences = (pl.concat([part[i] for part in parts]) for i in range(3))
    return entities, numbers, sentences


def shards_of(doc_ids: list[str], texts: list[str], size: int) -> list[tuple[list[str], list[str]]]:
    """Documents in consecutive shards of `size`, in input order (so outputs never depend on workers)."""
    return [(doc_ids[i:i + size], texts[i:i + size]) for i in range(0, len(doc_ids), size)]


def shard_outcome(extract: Callable[[], tuple]) -> ShardOutcome:
    """What `extract` (one shard's extraction) gives, or why it failed: one shard's failure must
    not cost the batch."""
    try:
        return extract()
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"[:500]


def extract_shards(shards: list[tuple[list[str], list[str]]], model: str) -> list[ShardOutcome]:
    """Every shard extracted in this process, outcomes in shard order."""
    return [shard_outcome(lambda ids=ids, texts=texts: extract_shard(ids, texts, model)) for ids, texts in shards]
