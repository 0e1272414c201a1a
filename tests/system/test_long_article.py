"""A long article through the real extraction: offsets into the whole text, every copy of a repeated
article extracted as the article alone, and memory bounded by one NER batch, not by the article."""

import tracemalloc

import polars as pl
import pytest

from tasks.defaults import DEFAULT_MODEL
from tasks.documents.sentences import sentence_starts
from tasks.nlp.extraction import annotate, extract_mentions
from tasks.nlp.model import load_model, split_text
from tests.conftest import SEEDS

# The seeds joined into one article of 12,691 characters, 20 times: 253,858 characters, 6 pieces.
COPIES = 20


SEPARATOR = "\n\n"


# The NER's activations for one batch of at most MAX_BATCH_CHARS characters (about 3 KB a
# character: 150 MiB) and the article's Docs and rows, which grow with it at a tenth of that
# (measured: 148 MiB in all). Reading the article as one Doc needed 724 MiB.
MAX_TRACED_MIB = 250


@pytest.fixture(scope="module")
def long_run():
    """(article, long text, the article's mentions, the long text's mentions, traced peak MiB, the
    article's sentence count)."""
    nlp = load_model(DEFAULT_MODEL)
    article = SEPARATOR.join(path.read_text(encoding="utf-8").strip() for path in sorted(SEEDS.glob("*.txt")))
    alone = extract_mentions(nlp, ["doc"], [article])
    sentences = len(sentence_starts(annotate(nlp, [article])[0]))
    text = SEPARATOR.join([article] * COPIES)
    tracemalloc.start()
    try:
        repeated = extract_mentions(nlp, ["doc"], [text])
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return article, text, alone, repeated, peak, sentences


def test_the_long_article_is_read_in_pieces(long_run):
    _, text, *_ = long_run
    assert len(split_text(text)) > 1


def test_offsets_point_into_the_whole_text(long_run):
    _, text, _, (entities, numbers, sentences), *_ = long_run
    assert entities.height and numbers.height and sentences.height
    assert sentences["start_char"].to_list() == sorted(sentences["start_char"].to_list())
    for start, end, surface in entities.select("start_char", "end_char", "text").iter_rows():
        assert text[start:end] == surface
    for start, end, surface in numbers.select("start_char", "end_char", "surface").iter_rows():
        assert text[start:end] == surface


def test_every_copy_gives_what_the_article_alone_gives(long_run):
    """The same mentions, values and objects in each copy; not the same confidences, which count
    how often the whole document repeats a name (`label_evidence`)."""
    import polars.selectors as cs

    article, _, alone, repeated, _, sentences = long_run
    stride = len(article) + len(SEPARATOR)
    for one, many in zip(alone, repeated, strict=True):
        one, many = (frame.drop(cs.ends_with("_confidence", "_evidence")) for frame in (one, many))
        expected = pl.concat([
            one.with_columns(pl.col("start_char") + copy * stride, pl.col("end_char") + copy * stride,
                             pl.col("sentence_index") + copy * sentences)
            for copy in range(COPIES)])
        assert many.equals(expected)


def test_memory_is_bounded_by_a_batch_not_by_the_article(long_run):
    *_, peak, _ = long_run
    assert peak < MAX_TRACED_MIB, f"extraction traced {peak:.0f} MiB"
