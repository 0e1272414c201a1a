"""Tone, GDELT GKG-style: the share of a text's words that a sentiment lexicon rates positive and
negative, their difference (tone) and sum (polarity), and VADER's compound score beside them.

The lexicon is VADER's (vaderSentiment): about 7,500 English words and emoticons rated by people
from -4 to +4. `positive`/`negative` count words by their rating alone, as GKG counts its
dictionaries' words; `sentiment` is VADER's own score of the sentence, which reads negation
(`not good`), intensifiers and punctuation. Lexicon-based either way: no model, English only.
"""

from __future__ import annotations

import functools
import re

import polars as pl

from tasks.schemas import SENTENCES, polars_schema

# Words: letters with inner apostrophes or hyphens (`don't`, `well-known`); VADER rates lower-case words.
WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
TONE_COLUMNS = ("word_count", "positive", "negative", "tone", "polarity", "sentiment")
#: Their types, as the `sentences` table declares them.
TONE_SCHEMA = {name: dtype for name, dtype in polars_schema(SENTENCES).items() if name in TONE_COLUMNS}


@functools.lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentence_tone(text: str) -> dict:
    """The tone columns of one text (see the module docstring); percentages of its words."""
    analyzer = _analyzer()
    words = [w.lower().replace("\u2019", "'") for w in WORD.findall(text)]
    ratings = [analyzer.lexicon.get(w, 0.0) for w in words]
    count = len(words)
    positive = 100.0 * sum(r > 0 for r in ratings) / count if count else 0.0
    negative = 100.0 * sum(r < 0 for r in ratings) / count if count else 0.0
    return {"word_count": count, "positive": positive, "negative": negative, "tone": positive - negative,
            "polarity": positive + negative,
            "sentiment": analyzer.polarity_scores(text)["compound"] if count else 0.0}


def measure_tone(sentences: pl.DataFrame, documents: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(sentences with their tone, documents with theirs). A document's percentages are over all
    its words and its `sentiment` the word-weighted mean of its sentences'; documents without
    sentences (not extracted) keep null tone."""
    texts = dict(documents.select("doc_id", "text").iter_rows())
    rows = [sentence_tone(texts[doc_id][start:end])
            for doc_id, start, end in sentences.select("doc_id", "start_char", "end_char").iter_rows()]
    measured = sentences.drop(TONE_COLUMNS, strict=False).with_columns(
        pl.DataFrame(rows, schema=TONE_SCHEMA) if rows
        else [pl.lit(None, dtype).alias(name) for name, dtype in TONE_SCHEMA.items()])
    words = pl.col("word_count").cast(pl.Float64)
    per_doc = measured.group_by("doc_id").agg(
        word_count=pl.col("word_count").sum().cast(pl.Int32),
        positive=(pl.col("positive") * words).sum() / words.sum(),
        negative=(pl.col("negative") * words).sum() / words.sum(),
        sentiment=(pl.col("sentiment") * words).sum() / words.sum(),
    ).with_columns(
        tone=pl.col("positive") - pl.col("negative"), polarity=pl.col("positive") + pl.col("negative"),
    ).with_columns(
        # A document of no words (only numbers or symbols) has a tone of 0, not NaN.
        pl.col(c).fill_nan(0.0).cast(pl.Float32) for c in TONE_COLUMNS[1:]
    )
    documents = documents.drop(TONE_COLUMNS, strict=False).join(per_doc, on="doc_id", how="left",
                                                                 maintain_order="left")
    return measured, documents
