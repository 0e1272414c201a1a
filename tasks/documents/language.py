"""Language of each document, so extraction with an English model runs only on English text."""

from __future__ import annotations

from functools import lru_cache

import polars as pl
from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Enough text for a confident guess; detecting on a whole long article only costs time.
SAMPLE_CHARS = 1000
# Below this many letters a guess is noise: such a text keeps the language `und` (undetermined).
MIN_LETTERS = 20
UNDETERMINED = "und"


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    # The model ships inside the py3langid wheel: nothing is downloaded.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the text's language; (`und`, 0.0) for too little text."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    language, probability = _identifier().classify(sample)
    return language, round(float(probability), 4)


def with_language(documents: pl.DataFrame) -> pl.DataFrame:
    """Documents with `language` and `language_score` set from their clean text."""
    detected = [detect_language(text) for text in documents["text"]]
    return documents.with_columns(
        language=pl.Series([lang for lang, _ in detected], dtype=pl.String),
        language_score=pl.Series([score for _, score in detected], dtype=pl.Float32),
    )


def extractable(languages: list[str], min_score: float) -> pl.Expr:
    """Which documents extraction runs on: in one of `languages`, or not confidently in another
    (a short or mixed text stays in, since the English model is the best guess there is)."""
    return pl.col("language").is_in(languages) | (pl.col("language") == UNDETERMINED) | (
        pl.col("language_score") < min_score)
