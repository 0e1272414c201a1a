"""A long run's memory does not grow with the words it has seen: each shard runs in a spaCy memory
zone, and what it extracts is what extraction outside a zone gives."""

from conftest import SEEDS
from flows.shards import _extract
from tasks.defaults import DEFAULT_MODEL
from tasks.extraction import extract_mentions
from tasks.nlp import load_model

# Words no English model has seen, with a place, a person and amounts around them.
TEXTS = [
    "Zorblaxian envoy Quentaro Vexmund met 1,284 Glimtharians in Pruxholm on Tuesday, "
    "the ministry in Kyiv said. About 60% of them were Drovnikers.",
    "Vexmund told reporters in London that Pruxholm's council had spent $3.7m on the Klaverine bridge.",
]


def test_a_shard_adds_nothing_to_the_vocabulary_and_extracts_what_a_plain_pipeline_does():
    nlp = load_model(DEFAULT_MODEL)
    texts = [*TEXTS, *(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))]
    doc_ids = [f"doc{i}" for i in range(len(texts))]
    before = len(nlp.vocab.strings)
    entities, numbers = _extract(doc_ids, texts, DEFAULT_MODEL)
    assert len(nlp.vocab.strings) == before
    assert entities.height > 10 and numbers.height > 5

    # Outside a zone the same texts add their new words, and give the same rows.
    plain_entities, plain_numbers = extract_mentions(nlp, doc_ids, texts)
    assert len(nlp.vocab.strings) > before
    assert entities.equals(plain_entities) and numbers.equals(plain_numbers)
