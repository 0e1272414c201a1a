"""Sentences: where the model's begin (`sentence_starts`), and sentences found by their punctuation,
for what is read without the model's: the clause a date is in, an event's sentence, the sentence a
report quotes."""

from __future__ import annotations

import bisect
import re

from spacy.attrs import IDX, SENT_START
from spacy.tokens import Doc

# A sentence ends after `.`, `!` or `?` (and a closing quote) before whitespace, or at a line break.
SENTENCE_BREAK = re.compile(r"[.!?][\"\u201d\u2019']?\s+|\n")
#: How far a sentence is looked for either side: longer ones are cut, so many lookups in a long
#: text stay cheap.
REACH = 1000


def sentence_span(text: str, start: int, end: int, reach: int = REACH) -> tuple[int, int]:
    """(start, end) of the sentence holding text[start:end], its end punctuation included."""
    breaks = [m.end() for m in SENTENCE_BREAK.finditer(text, max(0, start - reach), start)]
    after = SENTENCE_BREAK.search(text, end, end + reach)
    first = breaks[-1] if breaks else max(0, start - reach)
    if after is None:
        return first, min(len(text), end + reach)
    return first, after.start() + (0 if text[after.start()] == "\n" else 1)


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` holding [start, end), without the space around it."""
    first, last = sentence_span(text, start, end)
    return text[first:last].strip()


def sentence_starts(doc: Doc) -> list[int]:
    """Character offsets where the doc's sentences start (one sentence if none are set)."""
    if not len(doc) or not doc.has_annotation("SENT_START"):
        return [0]
    # Read as one array: iterating `doc.sents` builds a Python object per token and cost more
    # than the parser on the BBC corpus.
    marks = doc.to_array([SENT_START, IDX])
    starts = marks[marks[:, 0] == 1, 1].astype(int).tolist()
    return starts if starts and starts[0] == 0 else [0, *starts]


def sentence_bounds(doc: Doc, text: str) -> list[tuple[int, int]]:
    """(start, end) of each of the doc's sentences in `text`, its trailing spaces left out."""
    starts = sentence_starts(doc)
    return [(start, start + len(text[start:end].rstrip()))
            for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def sentence_index(starts: list[int], char: int) -> int:
    """Index of the sentence that contains character offset `char`."""
    return max(bisect.bisect_right(starts, char) - 1, 0)
