"""Property-based tests (hypothesis) of extraction on hostile input, with the real model: on text
mixing arbitrary unicode with number-ish fragments, annotated exactly as the flow does it, every
number and entity offset lies inside the text and slices to the mention, and every row fits its
table. (The pure stages' properties: `tests/unit/test_properties.py`.)"""

from __future__ import annotations

import functools
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tasks import schemas
from tasks.defaults import DEFAULT_MODEL
from tasks.documents.clean import clean_text
from tasks.entities.mentions import extract_entities
from tasks.nlp import extraction
from tasks.nlp.model import load_model
from tasks.numbers.mentions import CURRENCY_CODES, CURRENCY_SYMBOLS, CURRENCY_WORDS, TIME_UNITS
from tests.strategies import NLP_TEXT, PROPERTIES, examples

# Some documents as the flow sees them (after clean_text), some raw: the extractors owe their
# offsets to any text without lone surrogates.
NLP_DOCS = st.lists(st.one_of(NLP_TEXT, NLP_TEXT.map(clean_text)), min_size=1, max_size=3)


@functools.lru_cache(maxsize=1)
def model():
    """The flow's default pipeline, loaded once for the module (examples carry no deadline)."""
    return load_model(DEFAULT_MODEL)


def annotate(texts: list[str]):
    """Docs as flows.shards.annotate_text makes them: NER, entity rules and sentences only."""
    return extraction.annotate(model(), texts)


MONEY_UNITS = {*CURRENCY_SYMBOLS.values(), *CURRENCY_CODES, *CURRENCY_WORDS.values()}


def _sentence_count(doc) -> int:
    return max(1, sum(1 for _ in doc.sents)) if doc.has_annotation("SENT_START") else 1


@settings(PROPERTIES, max_examples=examples(200))
@given(NLP_DOCS)
@example(["resulted in between 87% and 99% support; tens of thousands fled at 3 p.m., $5bn, seven-month"])
@example(["½ ٣ １２ 1e9 -0.5 ٣% 1,000 or more than 5", "killed 1,000 people"])
@example(["one\nsecond"])  # was unit '\nsecond' (fixed in tasks/numbers/mentions.py)
def test_number_rows_slice_to_their_surface_and_are_well_formed(texts):
    docs = annotate(texts)
    doc_ids = [f"d{i}" for i in range(len(texts))]
    numbers = extraction.numbers_of(model(), doc_ids, texts, docs)  # as flows.shards.numbers_stage
    schemas.conform(numbers, schemas.NUMBERS)
    by_id = dict(zip(doc_ids, docs, strict=True))
    for row in numbers.iter_rows(named=True):
        text = by_id[row["doc_id"]].text
        assert 0 <= row["start_char"] < row["end_char"] <= len(text), row
        assert text[row["start_char"]:row["end_char"]] == row["surface"], row
        assert row["kind"] in schemas.NUMBER_KINDS and row["qualifier"] in schemas.QUALIFIERS
        assert row["change"] in schemas.CHANGES and row["count_type"] in schemas.COUNT_TYPES
        assert row["object"] in text
        # Units are normalised names: `5\nyears` (hard-wrapped text) is a duration in `year`, not `\nyear`.
        assert row["unit"] == row["unit"].strip() and not re.search(r"[^\S ]", row["unit"]), row
        if row["kind"] == "duration":
            assert row["unit"] in TIME_UNITS, row
        if row["kind"] == "money":
            assert row["unit"] in MONEY_UNITS, row
        if row["value_low"] is not None and row["value_high"] is not None:
            assert row["value_low"] <= row["value_high"], row
        assert 0 <= row["sentence_index"] < _sentence_count(by_id[row["doc_id"]])
    keys = numbers.select(schemas.PRIMARY_KEYS["numbers"])
    assert keys.n_unique() == keys.height, "two number rows share a primary key: the writer would drop one"


@settings(PROPERTIES, max_examples=examples(200))
@given(NLP_DOCS)
@example(["President Vladimir Putin met Володимир Зеленський and the West in Kyiv.\n\nTony Blair's NATO"])
def test_entity_rows_slice_to_their_text_and_are_well_formed(texts):
    docs = annotate(texts)
    doc_ids = [f"d{i}" for i in range(len(texts))]
    entities = extract_entities(doc_ids, docs)  # as flows.shards.entities_stage
    by_id = dict(zip(doc_ids, docs, strict=True))
    for row in entities.iter_rows(named=True):
        text = by_id[row["doc_id"]].text
        assert 0 <= row["start_char"] < row["end_char"] <= len(text), row
        assert text[row["start_char"]:row["end_char"]] == row["text"], row
        assert row["label"] in schemas.ENTITY_LABELS, row
        assert row["text"] and row["text"] == row["text"].strip(), row  # no edge space or line break
        assert 0 <= row["sentence_index"] < _sentence_count(by_id[row["doc_id"]])
    keys = entities.select(schemas.PRIMARY_KEYS["entities"])
    assert keys.n_unique() == keys.height
