"""Extraction as a run does it, from texts to entity and number mentions and sentences. The flow's
shards bind these same functions as tasks; `newsfacts eval` calls `extract_mentions`, so what is
scored is what a run writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import polars as pl
from spacy.language import Language
from spacy.tokens import Doc

from tasks.documents.sentences import sentence_bounds
from tasks.entities.mentions import extract_entities
from tasks.nlp.model import annotate_texts, extraction_components, window_parser
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
