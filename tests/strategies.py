"""Hypothesis strategies the property tests share: hostile text, numbers, scales."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# More examples for a deeper local run: NEWSFACTS_PROPERTY_SCALE=20 pytest tests/system/test_properties.py
SCALE = float(os.environ.get("NEWSFACTS_PROPERTY_SCALE", "1"))


def examples(n: int) -> int:
    return max(1, round(n * SCALE))


# This module's profile (a parent settings object, so no other test module's settings change):
# derandomized, so CI runs the same examples every time; no example database written to the repo.
PROPERTIES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# Every code point, lone surrogates included (hypothesis leaves category Cs out unless asked).
ANY_CHAR = st.characters(exclude_categories=())


# Every code point the documents table can hold: clean_text replaces lone surrogates, so the
# text the NLP stages see never has one.
TEXT_CHAR = st.characters(exclude_categories=("Cs",))


SURROGATES = ["\ud800", "\udbff", "\udc80", "\udcff", "\udfff"]


HOSTILE = [
    # control characters, NUL, line and paragraph separators
    "\x00", "\x07", "\x1b", "\x1c", "\x7f", "\x85", "\x9f", "\r\n", "\r", "\t", "\x0b", "\x0c", "\u2028",
    "\u2029", "\n\n\n",
    # combining marks, invisible format characters, RTL marks and isolates, BOM, replacement char
    "\u0301", "\u0308", "\u0327", "e\u0301", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a",
    "\u202e", "\u2066", "\u2069", "\u00ad", "\u2060", "\ufeff", "\ufffd",
    # emoji (with ZWJ and flags), CJK, Cyrillic, Arabic, Hebrew, full-width, ligatures
    "😀", "🇺🇦", "👩\u200d👩\u200d👧", "漢字", "中文新闻", "Москва", "Володимир Зеленський", "مرحبا", "שלום",
    "ｆｕｌｌ", "ﬁ",
    # mojibake-ish: UTF-8 read as cp1252/latin-1, once or twice
    "â€™", "â€œ", "â€\x9d", "Ã©", "CafÃ©", "ÃƒÂ©", "Ð¡Ð»Ð°Ð²Ð°", "Â ",
    # words cleaning treats specially
    "the the", "a a", "The", "the", " ", "  ", "\n",
]


def _mixed(chars: st.SearchStrategy[str], pieces: list[str], max_pieces: int = 12) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.text(chars, max_size=8), st.sampled_from(pieces)), max_size=max_pieces).map("".join)


ANY_TEXT = _mixed(ANY_CHAR, HOSTILE + SURROGATES)


NUMBERISH = [
    "1,000", "3 p.m.", "87%", "between 87% and 99%", "tens of thousands", "$5bn", "seven-month", "½", "٣",
    "１２", "1e9", "-0.5", "from 3 to 4 miles", "5-10 days", "more than 1,000", "1,000 or more", "about 60%",
    "2.5 percentage points", "£600m", "US$1.13bn", "12 km", "40°C", "21st", "G7", "Section 427", "0800 028 9276",
    "February 24", "24th of March, 2022", "2014", "1990s", "10:30", "half of the", "a dozen", "twenty-five",
    "two million", "two-thirds of", "5 euros", "+", "-plus", "per cent", "%", "$", "€", "1.", ".5", "1,00",
    "1,000,000.5", "007", "1 000", "３ p.m.", "٣%", "½%", "99.9.9", "10-", "-10", "—", "–", "to", "and", "or", "of",
]


WORDISH = [
    "killed", "people", "injured", "troops", "rose", "fell", "were", "the", "at least", "up to", "nearly",
    "President Vladimir Putin", "the West", "Western leaders", "Mr. Smith", "Donetsk People's Republic",
    "Ukrainian", "Володимир Зеленський", "the Bank of England", "Tony Blair's", "New York", "Ukraine", "NATO",
    "Sen.", "Dr", "Kyiv", "Moscow", "Apple", "Chinese", "(AP)", "MOSCOW, Russia —", "\"", "'s", "’",
]


SEPARATORS = [" ", " ", " ", "", ", ", ". ", "\n", "\n\n", "-", " - ", "\t", "  "]


NLP_PIECE = st.one_of(
    st.sampled_from(NUMBERISH + WORDISH + [h for h in HOSTILE]),
    st.text(TEXT_CHAR, max_size=6),
)


NLP_TEXT = st.lists(st.tuples(NLP_PIECE, st.sampled_from(SEPARATORS)), min_size=1, max_size=14).map(
    lambda pieces: "".join(piece + sep for piece, sep in pieces))
