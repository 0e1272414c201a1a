"""Property-based tests (hypothesis) of the number grammar's spans on hostile numbers.

Texts mix numbers (digits with separators, signs, exponents, currencies, units, number words,
lists, ranges, codes of hundreds of digits) with words. Whatever the mix:

- every mention lies inside the text, mentions come in order and never overlap;
- a mention is one number, or a range of two, with its words: at most 100 characters and at most
  two groups of digits (an identifier, e.g. a phone number, at most six);
- every value is finite, and a number written with no letters (no exponent, no magnitude) is
  below 1e15, as a number of at most 15 digits is;
- a negative value comes from a sign that no letter or digit precedes;
- scanning only around candidates finds what a scan of the whole text finds.

And, for texts built to know the answer: a signed amount with any currency and unit has its
signed value; lists split at commas and spaces give one mention per number.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tasks.numbers.mentions import NUMBER_PATTERN, find_numbers, number_matches

# The profile and example scale of the property tests (NEWSFACTS_PROPERTY_SCALE=20 runs deeper).
from tests.strategies import PROPERTIES, examples  # noqa: F401

# --- strategies ------------------------------------------------------------------------------

SIGNS = ["", "", "-", "\u2212", "+"]
CURRENCIES = ["", "", "$", "£", "€", "US$", "C$"]
UNITS = ["", "", "%", " percent", " km", "m", "bn", " million", " years", "-year", " percentage points",
         " euros", " tonnes"]
WORD_NUMBERS = ["one", "twenty-five", "two million", "a dozen", "nine hundred and ninety-nine thousand",
                "tens of thousands", "half of the", "seventh", "one two three four five six seven eight"]
WORDS = ["killed", "people", "rose", "fell", "the", "more than", "or more", "about", "at least", "up to",
         "between", "and", "to", "from", "COVID-19", "F-16", "7E7", "G7", "Section 427", "call", "well-known",
         "in", "2014-2015", "5-10", "8%-10%", "February 24", "3 p.m.", "0800 028 9276"]
SEPARATORS = [" ", " ", " ", ", ", ",", ". ", "-", " - ", "\n", "", "(", ")"]

WHOLE = st.integers(0, 10**15 - 1)
GROUPED = WHOLE.map(lambda n: f"{n:,}")
DECIMAL = st.tuples(st.integers(0, 10**6), st.text("0123456789", min_size=1, max_size=20)).map(
    lambda p: f"{p[0]}.{p[1]}")
DIGIT_RUN = st.text("0123456789", min_size=10, max_size=400)  # codes and absurd amounts
EXPONENT = st.tuples(st.sampled_from(["1", "2.5", "7", "3.2", "-1"]), st.sampled_from(["e", "E"]),
                     st.sampled_from(["", "-", "+"]), st.integers(0, 2000)).map(lambda p: "".join(map(str, p)))
TIMES_TEN = st.sampled_from(["1.5×10^6", "2 x 10⁶", "3×10^-4", "4 x 10^999"])
NUMERAL = st.one_of(st.builds(str, WHOLE), GROUPED, DECIMAL, DIGIT_RUN, EXPONENT, TIMES_TEN)
AMOUNT = st.builds(lambda s1, cur, s2, n, unit: f"{s1}{cur}{s2}{n}{unit}",
                   st.sampled_from(SIGNS), st.sampled_from(CURRENCIES), st.sampled_from(SIGNS), NUMERAL,
                   st.sampled_from(UNITS))
SMALL = st.integers(0, 99999).map(str)
NUMBER_LIST = st.tuples(st.lists(SMALL, min_size=2, max_size=40), st.sampled_from([",", ", ", " "])).map(
    lambda p: p[1].join(p[0]))
RANGE = st.builds(lambda a, joiner, b: joiner.format(a, b), AMOUNT,
                  st.sampled_from(["{}-{}", "{} to {}", "between {} and {}", "from {} to {}", "{}–{}"]), AMOUNT)
PIECE = st.one_of(AMOUNT, NUMBER_LIST, RANGE, st.sampled_from(WORD_NUMBERS + WORDS))
NUMBER_TEXT = st.lists(st.tuples(PIECE, st.sampled_from(SEPARATORS)), min_size=1, max_size=12).map(
    lambda pieces: "".join(piece + sep for piece, sep in pieces))

# A group of digits, one number however written: `1,234.5`, `2.5e6`, `1.5×10^6`.
DIGIT_GROUP = re.compile(
    r"\d+(?:[.,]\d+)*(?:[eE][-+\u2212]?\d+|\s?[×x]\s?10(?:\^[-+\u2212]?\d+|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))?")
# A number or a range of two with its qualifier and unit: `no fewer than 123,456,789.25 to
# 987,654,321.75 square kilometres` is 64 characters; 100 leaves room for rarer words, not a third number.
MAX_SURFACE = 100


# --- spans -----------------------------------------------------------------------------------

@settings(PROPERTIES, max_examples=examples(600))
@given(NUMBER_TEXT)
@example(" ".join(map(str, range(1, 300))))  # was one mention of the whole text (a `phone number`)
@example("5 or more than 6")  # `or more` and `more than` were both taken
@example("9" * 400 + " and 1e400")  # were inf and 400
@example("$-5, -$5, \u22125%, 1,2,3,4,5,6")
def test_mentions_are_ordered_disjoint_bounded_numbers(text):
    mentions = find_numbers(text)
    end = 0
    for m in mentions:
        surface = text[m.start:m.end]
        assert end <= m.start < m.end <= len(text), (m, [text[x.start:x.end] for x in mentions])
        end = m.end
        assert surface == surface.strip(), m
        assert len(surface) <= MAX_SURFACE, surface[:200]
        groups = DIGIT_GROUP.findall(surface)
        assert len(groups) <= (6 if m.kind == "other" else 2), (surface, m.kind, groups)
        for value in (m.value, m.value_low, m.value_high):
            assert value is None or math.isfinite(value), m
        if m.kind in ("date", "time"):
            assert m.value is None, m  # a calendar value (tasks.numbers.dates), never an amount
            continue
        if not re.search(r"[^\W\d_]|[×^]", surface):
            # No exponent, no magnitude: at most 15 digits before the point.
            assert abs(m.value) < 1e15, (surface, m.value)
        if m.value < 0 or (m.value_low or 0) < 0:
            signs = [i for i in range(m.start, m.end) if text[i] in "-\u2212" and (i == 0 or not text[i - 1].isalnum())]
            assert signs, (surface, m.value, text[max(0, m.start - 5):m.end])


@settings(PROPERTIES, max_examples=examples(400))
@given(NUMBER_TEXT)
@example("call 0800 028 9276 " + " ".join(map(str, range(90, 130))) + " -$5 1e308")
def test_scan_of_stretches_finds_what_a_whole_scan_finds(text):
    whole = [(m.span(), m.lastgroup, m.groupdict()) for m in NUMBER_PATTERN.finditer(text)]
    assert [(m.span(), m.lastgroup, m.groupdict()) for m in number_matches(text)] == whole


# --- values of texts built to know them -------------------------------------------------------

MAGNITUDE = {"": 1, "%": 1, " percent": 1, " km": 1, " euros": 1, " tonnes": 1, "m": 1e6, "bn": 1e9,
             " million": 1e6}


@settings(PROPERTIES, max_examples=examples(400))
@given(st.sampled_from(["", "-", "\u2212", "+"]), st.booleans(), st.sampled_from(CURRENCIES[2:] + [""]),
       st.one_of(WHOLE.map(str), GROUPED, st.integers(0, 10**6).map(lambda n: f"{n / 8:g}")),
       st.sampled_from(sorted(MAGNITUDE)))
@example("-", False, "$", "5", "")  # was 5 (the sign after a currency was not read)
@example("-", True, "$", "5", "")  # was 5 USD
@example("\u2212", True, "", "5", "%")  # was 5
def test_a_signed_amount_has_its_signed_value(sign, sign_first, currency, number, unit):
    # A bare year-like number is a date (`1875 euros` too, as before: the date rule reads no unit).
    assume(sign or currency or not re.fullmatch(r"(?:1[89]|20)\d\d", number) or unit in ("%", " percent", "m", "bn"))
    amount = f"{sign}{currency}{number}{unit}" if sign_first else f"{currency}{sign}{number}{unit}"
    text = f"it was {amount} in all"
    (mention,) = find_numbers(text)
    expected = (-1 if sign in ("-", "\u2212") else 1) * float(number.replace(",", "")) * MAGNITUDE[unit]
    assert text[mention.start:mention.end] == amount
    assert mention.value == pytest.approx(expected, rel=1e-12), (amount, mention)


def amount(text, mention):
    """A mention's value; for a year-like number (a date, whose value is a calendar one), the number."""
    return int(text[mention.start:mention.end]) if mention.kind == "date" else mention.value


# After a comma, exactly three digits continue a number (`1,234`): a list's later items have more or fewer.
NOT_THOUSANDS = st.integers(0, 10**7).filter(lambda n: len(str(n)) != 3)


@settings(PROPERTIES, max_examples=examples(300))
@given(st.integers(0, 10**7), st.lists(NOT_THOUSANDS, min_size=1, max_size=30), st.sampled_from([",", ", "]))
@example(1, [2, 3, 4, 5, 6], ",")  # was the one mention `1`
def test_a_list_split_at_commas_gives_each_number(first, rest, comma):
    numbers = [first, *rest]
    text = comma.join(map(str, numbers))
    assert [amount(text, m) for m in find_numbers(text)] == numbers


@settings(PROPERTIES, max_examples=examples(300))
@given(st.lists(st.integers(0, 10**7), min_size=6, max_size=300))
@example(list(range(1, 301)))
def test_a_run_of_numbers_split_at_spaces_gives_each_number(numbers):
    # Fewer than six could be a phone number (`0800 028 9276`); six or more never are.
    text = " ".join(map(str, numbers))
    mentions = find_numbers(text)
    assert [text[m.start:m.end] for m in mentions] == text.split(" ")
    assert [amount(text, m) for m in mentions] == numbers
