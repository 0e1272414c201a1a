"""Entity mentions: one row per named-entity span the NER found in a document, with what its
label rests on (`label_confidence`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import polars as pl
from spacy.tokens import Doc, Span

from tasks.confidence.calibrated import with_confidence
from tasks.documents.sentences import sentence_index, sentence_starts
from tasks.entities.gazetteer import demonyms, find_place, fold
from tasks.entities.rules import MODEL_LABELS, PERSON_TITLES
from tasks.schemas import ENTITIES, ENTITY_LABELS, frame


def entity_rows(doc_id: str, doc: Doc) -> list[dict]:
    """Named-entity mentions of one doc; numeric labels (DATE, CARDINAL, ...) are left to numbers."""
    starts = sentence_starts(doc)
    ents = [ent for ent in doc.ents if ent.label_ in ENTITY_LABELS]
    labels = Counter((ent.text, ent.label_) for ent in ents)
    spellings = Counter(ent.text for ent in ents)
    model = doc.user_data.get(MODEL_LABELS)
    shouted: dict[int, bool] = {}  # by sentence start: a headline or a results table in capitals
    return [
        {
            "doc_id": doc_id,
            "start_char": ent.start_char,
            "end_char": ent.end_char,
            "text": ent.text,
            "label": ent.label_,
            "sentence_index": sentence_index(starts, ent.start_char),
            "label_evidence": label_evidence(ent, model, labels[(ent.text, ent.label_)] / spellings[ent.text],
                                             spellings[ent.text], shouted),
        }
        for ent in ents
    ]


def label_evidence(ent: Span, model: dict | None, agreement: float, spellings: int,
                   shouted: dict[int, bool] | None = None) -> dict:
    """What a mention's span and label rest on, for its `label_confidence`: whether the model gave
    them or a correction did (`source`), the label, the name's shape and length, a title before
    it, whether the gazetteer knows it as a place or a nationality, and how the document's other mentions of the
    same spelling are labelled."""
    if model is None:  # a pipeline without the corrections: nothing says which gave the label
        source = "unknown"
    elif (ent.start_char, ent.end_char) in model:
        source = "model" if model[(ent.start_char, ent.end_char)] == ent.label_ else "relabelled"
    else:
        source = "reshaped" if any(a < ent.end_char and ent.start_char < b for a, b in model) else "added"
    words = [t.text for t in ent if t.is_alpha]
    shape = ("upper" if words and all(w.isupper() for w in words) else
             "title" if words and all(w[0].isupper() for w in words) else "mixed")
    before = ent.doc[ent.start - 1] if ent.start > 0 else None
    bounded = ent.doc.has_annotation("SENT_START")
    sentence = ent.sent if bounded else ent.doc[:]
    shouted = {} if shouted is None else shouted
    if sentence.start not in shouted:
        letters = [c for c in sentence.text if c.isalpha()]
        shouted[sentence.start] = bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)
    known_place = find_place(ent.text, fuzzy=False) is not None
    # A country's nationality adjective the gazetteer knows (`Chinese`), or a name it does not: a
    # group (`Tories`, which gold of other schemes calls an organisation), a plural (`Israelis`).
    demonym = fold(ent.text) in demonyms()
    after = ent.doc[ent.end] if ent.end < len(ent.doc) else None
    # The regression is linear: what a label's source, shape and gazetteer entry say differs by label.
    return {"label": ent.label_, "source": source, "shape": shape, "tokens": math.log1p(len(ent)),
            "label_source": f"{ent.label_}/{source}", "label_shape": f"{ent.label_}/{shape}",
            "label_place": f"{ent.label_}/{known_place}", "label_tokens": f"{ent.label_}/{min(len(ent), 3)}",
            "label_demonym": f"{ent.label_}/{demonym}",
            "the_before": float(before is not None and before.lower_ == "the"),
            "possessive_after": float(after is not None and after.text in ("'s", "\u2019s")),
            "acronym": float(len(ent) == 1 and ent.text.isupper() and len(ent.text) <= 5),
            "title_before": float(before is not None and before.lower_.rstrip(".") in PERSON_TITLES),
            "sentence_start": float(ent.start == sentence.start),
            "after_punctuation": float(before is not None and before.is_punct),
            "shouted_sentence": float(shouted[sentence.start]),
            "known_place": float(known_place),
            "digits": float(any(c.isdigit() for c in ent.text)),
            "agreement": agreement, "repeated": math.log1p(spellings - 1)}


def extract_entities(doc_ids: Sequence[str], docs: Sequence[Doc]) -> pl.DataFrame:
    """Entity mentions of all docs, in document and text order, with their `label_confidence`."""
    rows = [row for doc_id, doc in zip(doc_ids, docs, strict=True) for row in entity_rows(doc_id, doc)]
    evidence = [row.pop("label_evidence") for row in rows]
    return frame(rows, ENTITIES).with_columns(**with_confidence("label", evidence))
