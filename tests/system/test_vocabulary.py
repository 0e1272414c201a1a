"""A long run's memory does not grow with the words it has seen: a process loads its pipeline
afresh once it has read `RELOAD_DOCUMENTS` documents, the old one and its vocabulary are freed,
and what the fresh one extracts is what the old one did."""

import gc
import weakref

from tasks.defaults import DEFAULT_MODEL
from tasks.nlp import extraction
from tasks.nlp.extraction import _extract, extract_mentions
from tasks.nlp.model import load_model
from tests.conftest import SEEDS

# Words no English model has seen, with a place, a person and amounts around them.
TEXTS = [
    "Zorblaxian envoy Quentaro Vexmund met 1,284 Glimtharians in Pruxholm on Tuesday, "
    "the ministry in Kyiv said. About 60% of them were Drovnikers.",
    "Vexmund told reporters in London that Pruxholm's council had spent $3.7m on the Klaverine bridge.",
]


def test_a_process_reloads_its_pipeline_and_frees_the_words_it_read(monkeypatch):
    texts = [*TEXTS, *(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))]
    doc_ids = [f"doc{i}" for i in range(len(texts))]
    monkeypatch.setattr(extraction, "RELOAD_DOCUMENTS", len(texts))
    load_model.cache_clear()  # a pipeline only this test holds, whatever ran before it
    monkeypatch.setitem(extraction._read, "documents", 0)
    fresh_strings = len(load_model(DEFAULT_MODEL).vocab.strings)

    entities, numbers, sentences = _extract(doc_ids, texts, DEFAULT_MODEL)
    assert entities.height > 10 and numbers.height > 5
    first = weakref.ref(load_model(DEFAULT_MODEL))
    assert "Glimtharians" in first().vocab.strings  # the pipeline keeps the words it read...
    # ...and gives the rows it gave when it had not read them.
    again = extract_mentions(first(), doc_ids, texts)
    assert entities.equals(again.entities) and numbers.equals(again.numbers) and sentences.equals(again.sentences)
    del again

    _extract(["next"], ["Officials in Kyiv counted 12 votes."], DEFAULT_MODEL)
    gc.collect()
    assert first() is None  # once it has read RELOAD_DOCUMENTS it is dropped and freed
    nlp = load_model(DEFAULT_MODEL)
    assert "Glimtharians" not in nlp.vocab.strings
    assert len(nlp.vocab.strings) <= fresh_strings + 20  # only the next shard's few words
