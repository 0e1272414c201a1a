"""A long run's memory does not grow with the words it has seen: shards run in a spaCy memory zone
that closes every `ZONE_DOCUMENTS` documents, and what they extract is what extraction outside a
zone gives."""

from conftest import SEEDS
from flows import shards
from flows.shards import _extract, release_zone
from tasks.defaults import DEFAULT_MODEL
from tasks.extraction import extract_mentions
from tasks.nlp import load_model

# Words no English model has seen, with a place, a person and amounts around them.
TEXTS = [
    "Zorblaxian envoy Quentaro Vexmund met 1,284 Glimtharians in Pruxholm on Tuesday, "
    "the ministry in Kyiv said. About 60% of them were Drovnikers.",
    "Vexmund told reporters in London that Pruxholm's council had spent $3.7m on the Klaverine bridge.",
]


def test_shards_add_nothing_to_the_vocabulary_once_their_zone_closes(monkeypatch):
    nlp = load_model(DEFAULT_MODEL)
    texts = [*TEXTS, *(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))]
    doc_ids = [f"doc{i}" for i in range(len(texts))]
    release_zone()
    monkeypatch.setattr(shards, "ZONE_DOCUMENTS", len(texts))
    before = len(nlp.vocab.strings)
    entities, numbers = _extract(doc_ids, texts, DEFAULT_MODEL)
    assert entities.height > 10 and numbers.height > 5
    assert "Glimtharians" in nlp.vocab.strings  # the zone stays open for the next shard...
    _extract(["next"], ["Officials in Kyiv counted 12 votes."], DEFAULT_MODEL)
    assert "Glimtharians" not in nlp.vocab.strings  # ...until it has seen ZONE_DOCUMENTS documents
    release_zone()
    assert len(nlp.vocab.strings) == before

    # Outside a zone the same texts add their new words, and give the same rows.
    plain_entities, plain_numbers = extract_mentions(nlp, doc_ids, texts)
    assert len(nlp.vocab.strings) > before
    assert entities.equals(plain_entities) and numbers.equals(plain_numbers)
