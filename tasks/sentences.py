"""Sentences found by their punctuation, for what is read without the model's sentences: the
clause a date is in, an event's sentence, the sentence a report quotes."""

from __future__ import annotations

import re

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
