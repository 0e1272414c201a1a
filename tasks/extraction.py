"""Extraction as a run does it, from texts to entity and number mentions. The flow's shards bind
these same functions as tasks; `newsfacts eval` calls `extract_mentions`, so what is scored is
what a run writes."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from spacy.language import Language
from spacy.tokens import Doc

from tasks.entities import extract_entities
from tasks.nlp import annotate_texts, extraction_components, window_parser
from tasks.numbers import extract_numbers


def annotate(nlp: Language, texts: Sequence[str]) -> list[Doc]:
    """Docs with entities and sentences: only the components a run enables (`extraction_components`)."""
    return annotate_texts(nlp, texts, extraction_components(nlp))


def numbers_of(nlp: Language, doc_ids: Sequence[str], texts: Sequence[str], docs: Sequence[Doc]) -> pl.DataFrame:
    """Number mentions of annotated docs; the parser runs only on a few words around each amount."""
    return extract_numbers(doc_ids, texts, docs, window_parser(nlp))


def extract_mentions(nlp: Language, doc_ids: Sequence[str], texts: Sequence[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(entity mentions, number mentions) of `texts`, exactly as a run's shard extracts them."""
    docs = annotate(nlp, texts)
    return extract_entities(doc_ids, docs), numbers_of(nlp, doc_ids, texts, docs)
