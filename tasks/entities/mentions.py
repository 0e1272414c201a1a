"""Entity mentions: one row per named-entity span the NER found in a document."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from spacy.tokens import Doc

from tasks.documents.sentences import sentence_index, sentence_starts
from tasks.schemas import ENTITIES, ENTITY_LABELS, frame


def entity_rows(doc_id: str, doc: Doc) -> list[dict]:
    """Named-entity mentions of one doc; numeric labels (DATE, CARDINAL, ...) are left to numbers."""
    starts = sentence_starts(doc)
    return [
        {
            "doc_id": doc_id,
            "start_char": ent.start_char,
            "end_char": ent.end_char,
            "text": ent.text,
            "label": ent.label_,
            "sentence_index": sentence_index(starts, ent.start_char),
        }
        for ent in doc.ents
        if ent.label_ in ENTITY_LABELS
    ]


def extract_entities(doc_ids: Sequence[str], docs: Sequence[Doc]) -> pl.DataFrame:
    """Entity mentions of all docs, in document and text order."""
    return frame([row for doc_id, doc in zip(doc_ids, docs, strict=True) for row in entity_rows(doc_id, doc)],
                 ENTITIES)
