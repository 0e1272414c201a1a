"""Number mentions: value, range, kind, unit, qualifier and what is counted.

Detection and normalisation are pure text functions (`find_numbers`); the counted object comes
from a dependency parse of only the sentences that hold a quantity (`attach_objects`).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import polars as pl
from spacy.tokens import Doc
from text_to_num import text2num

from tasks.confidence.calibrated import with_confidence
from tasks.documents.sentences import sentence_index, sentence_starts
from tasks.numbers.dates import find_dates
from tasks.schemas import NUMBERS, frame
from tasks.units import (
    COUNTRY_CURRENCIES,
    CURRENCY_CODES,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    CASED_MEASURE_SPELLINGS,
    MEASURE_SPELLINGS,
    MINOR_UNITS,
    PER_NOUNS,
    TIME_SPELLINGS,
    TIME_UNITS,
    measure_name,
    per_name,
    spelling_pattern,
    time_name,
)

_UNITS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_SCALES = "hundred|thousand|million|billion|trillion"
_WORD_ATOM = rf"(?:(?:{_TENS})(?:[-\s](?:{_UNITS}))?|{_UNITS})"
# At most 15 words after the first (`nine hundred and ninety-nine thousand nine hundred and
# ninety-nine` takes 6), so a run of number words is never one unbounded mention.
_WORDS_AFTER = rf"(?:(?:\s+and)?\s+(?:{_WORD_ATOM}|{_SCALES})){{0,15}}"
WORD_NUMBER = rf"(?:a\s+dozen|dozen|a\s+(?:{_SCALES}){_WORDS_AFTER}|{_WORD_ATOM}{_WORDS_AFTER})"
# A number in digits. At most 15 digits before the point (in groups of exactly three after a
# comma) and 15 after it: a float keeps no more exactly, and a longer run is an account number,
# a barcode or an id, never an amount in news, so nothing in it is extracted (a match of part of
# it would give a wrong value). A comma before anything but exactly three digits separates a list
# (`1,2,3`), as it does before a space.
_INTEGER = r"(?:\d{1,3}(?:,\d{3}(?!\d)){1,4}|\d{1,15})(?!\d|,\d{3}(?!\d))"
_DECIMALS = r"\.\d{1,15}(?!\d)"
DIGITS = rf"(?:{_INTEGER}(?:{_DECIMALS}|(?!\.\d))|{_DECIMALS})"
# `1e308`, `3.2E-4`, `1.5×10^6`, `1.5 x 10⁶`. After a whole number, an unsigned capital `E` is a
# name (Boeing's `7E7`, 9 times in the BBC corpus), so only these exponents keep a whole number
# from being read as an identifier (`5G`); after a decimal point any `e` or `E` is an exponent.
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TIMES_TEN = rf"\s?[×x]\s?10(?:\^[-+−]?\d+|[⁻⁺]?[{_SUPERSCRIPT_DIGITS}]{{1,3}})"
EXPONENT = rf"(?:e[-+−]?\d+|{_TIMES_TEN})(?!\w)"
WHOLE_NUMBER_EXPONENT = rf"(?:(?-i:e)[-+−]?\d+|(?-i:E)[-+−]\d+|{_TIMES_TEN})(?!\w)"
# A sign is a sign only where no letter, digit, percent or degree sign, closing bracket or dash
# precedes it: `-5`, `(-5%)`, `$-5`, `-$5`, but not the hyphen of `5-10`, `8%-10%`, `2014-2015`,
# `COVID-19` or `F-16`.
SIGNS = "-+\u2212"
SIGN_AFTER = r"(?<![\w%°)\]\-\u2212\u2013\u2014])"
LONG_DIGIT_RUN = re.compile(r"\d{16}")
# No mention is longer: `no fewer than 123,456,789.25 to 987,654,321.75 square kilometres` is 64.
MAX_SURFACE = 100
MAGNITUDE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
MAGNITUDE_ABBR = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "tn": 1e12, "trn": 1e12}
MAGNITUDE_LETTERS = {"B": 1e9, "T": 1e12}
#: Yen as the financial press writes it, `Y120bn`, `Y10,000`: a capital Y before an amount with a
#: scale or thousands (not `Y2K`, not a school year's `Y2`).
_YEN_AMOUNT = r"(?-i:Y)(?:\d[\d.,]*\s?(?:bn|mn|m|tn|trn|billion|million|trillion)\b|\d{1,3}(?:,\d{3})+(?!\d))"
VULGAR_FRACTIONS = {"½": 1 / 2, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 1 / 4, "¾": 3 / 4, "⅕": 1 / 5, "⅖": 2 / 5, "⅗": 3 / 5,
                    "⅘": 4 / 5, "⅙": 1 / 6, "⅚": 5 / 6, "⅛": 1 / 8, "⅜": 3 / 8, "⅝": 5 / 8, "⅞": 7 / 8}
VAGUE_BASE = {"dozens": 12, "tens": 10, "scores": 20, "hundreds": 100, "thousands": 1e3, "millions": 1e6, "billions": 1e9}
VAGUE = r"(?:dozens|tens|scores|hundreds|thousands|millions|billions)(?:\s+of\s+(?:thousands|millions|billions))?"

FRACTIONS = {"half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "two thirds": 2 / 3, "a quarter": 0.25,
             "one quarter": 0.25, "three quarters": 0.75}
# `half` only where it is an amount (`half of the`, `half a million`), not `second half`.
FRACTION = r"(?<!second\s)(?<!first\s)(?:half|a\s+third|one\s+third|two[-\s]thirds|a\s+quarter|one\s+quarter|three[-\s]quarters)(?=\s+(?:of|a|an)\b)"
# The unit vocabulary and its spellings live in `tasks.units`; the grammar reads these.
MEASURE_UNITS = spelling_pattern(MEASURE_SPELLINGS) + r"|(?-i:" + spelling_pattern(CASED_MEASURE_SPELLINGS) + ")"
_CURRENCY_PREFIXES = "|".join(re.escape(s[:-1]) for s in sorted(CURRENCY_SYMBOLS, key=len, reverse=True)
                              if s.endswith("$") and len(s) > 1)
_CURRENCY_MARKS = "".join(s for s in CURRENCY_SYMBOLS if len(s) == 1 and s != "$")
_COUNTRY_ADJECTIVES = spelling_pattern(COUNTRY_CURRENCIES)
MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)")
ORDINAL_WORDS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(), start=1)}

QUALIFIERS_BEFORE = [
    (">=", r"at\s+least|no\s+(?:fewer|less)\s+than|a\s+minimum\s+of"),
    ("<=", r"at\s+most|up\s+to|no\s+more\s+than|a\s+maximum\s+of|as\s+many\s+as"),
    (">", r"more\s+than|just\s+over|over|above|in\s+excess\s+of|upwards\s+of|exceeding"),
    ("<", r"less\s+than|fewer\s+than|just\s+under|under|below|nearly|almost"),
    ("~", r"about|around|approximately|roughly|some|an\s+estimated|estimated|close\s+to|circa"),
]
QUALIFIER_BEFORE = re.compile(
    r"(?:^|(?<=\W))(?:" + "|".join(f"(?P<q{i}>{p})" for i, (_, p) in enumerate(QUALIFIERS_BEFORE)) + r")\s+$",
    re.IGNORECASE,
)
QUALIFIER_AFTER = re.compile(r"^\s+or\s+(?P<dir>more|less|fewer)\b|^(?P<plus>\+)|^-plus\b", re.IGNORECASE)

NUMBER_PATTERN = re.compile(
    rf"""
    (?P<time>\b\d{{1,2}}(?::\d{{2}})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)|\b(?:[01]?\d|2[0-3]):[0-5]\d\b)
  | (?P<date>\b\d{{4}}-[01]\d-[0-3]\d\b
      | \b{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?
      | \b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\b(?:,?\s+\d{{4}}\b)?
      | \b{MONTHS}\s+\d{{4}}\b
      | (?<![\w$£€¥.,])(?:1[89]|20)\d{{2}}s?\b(?![.,]\d|\s?%|\s?percent))
  | (?P<phone>(?<![\w,.])(?<!\d[\s.-])(?:\+\d{{1,3}}[\s.-]?)?(?:\(?\d{{2,5}}\)?[\s.-]){{2,4}}\d{{3,4}}\b
      (?![,.]\d|[\s.-]\(?\d))
  | (?P<ident>\b(?:Section|Article|Chapter|Clause|Resolution|Flight|Route|Paragraph|No\.)\s+\d+[A-Za-z]?\b
      | \b(?!{_YEN_AMOUNT})[A-Za-z]+-?\d+[A-Za-z\d]*\b
      | \b\d+(?!(?:st|nd|rd|th|s|bn|mn|m|k|tn|trn|am|pm|p|{MEASURE_UNITS})\b|{WHOLE_NUMBER_EXPONENT})[A-Za-z]+\w*\b)
  | (?P<ordinal>\b\d+(?:st|nd|rd|th)\b|\b(?:{"|".join(ORDINAL_WORDS)})\b)
  | (?P<quantity>
      (?P<sign>{SIGN_AFTER}[{SIGNS}](?=(?:{_CURRENCY_PREFIXES})?\$|[{_CURRENCY_MARKS}]|\.?\d))?
      (?P<cur_pre>(?-i:\b(?:{_CURRENCY_PREFIXES}))?\$\s?|[{_CURRENCY_MARKS}]\s?|(?-i:\bRs\.?\s?)
        |(?P<yen>\b(?={_YEN_AMOUNT})(?-i:Y))
        |(?-i:\b(?:{"|".join(CURRENCY_CODES)}))\s?)?
      (?(cur_pre)(?(sign)|(?P<cur_sign>[{SIGNS}])?))
      (?:(?P<fraction_digits>(?<![\w./])(?:(?P<whole>\d{{1,3}})[ \t])?
             (?P<numerator>\d{{1,2}})/(?P<denominator>\d{{1,3}})
             (?![\d/])(?(whole)|(?=-?\s?(?:{MEASURE_UNITS}|(?:{"|".join(TIME_UNITS)})s?)(?!\w)))
           | (?<![\w.])(?:(?P<whole_vulgar>\d{{1,3}})\s?)?(?P<vulgar>[{"".join(VULGAR_FRACTIONS)}]))
       | (?P<digits>(?(yen)|(?<![\w.]))(?:(?<!\d,)|(?!\d{{3}}(?!\d))){DIGITS})(?P<exponent>{EXPONENT})?
           (?:\s?(?P<mag_word>thousand|million|billion|trillion)\b|(?P<mag_abbr>bn|mn|m|k|tn|trn)\b
              |(?(cur_pre)(?P<mag_letter>(?-i:[BT]))\b))?
       | (?P<fraction>\b{FRACTION})\b(?:\s+(?:a|an)\s+(?P<frac_mag>dozen|hundred|thousand|million|billion)\b)?
       | (?P<vague>\b{VAGUE})\b
       | (?P<words>\b{WORD_NUMBER})\b(?P<and_half>\s+and\s+a\s+half\b)?)
      (?: (?P<pct>\s?%|\s(?:percent|per\s+cent)\b)(?P<pp>\s+points?\b)?
        | (?P<pp_only>\s+percentage\s+points?\b)
        | (?P<cur_post>[\s-](?:(?P<cur_country>{_COUNTRY_ADJECTIVES})\s+)?(?:{"|".join(CURRENCY_WORDS)})s?\b
            |\s(?-i:(?:{"|".join(CURRENCY_CODES)}))\b|\s?[{_CURRENCY_MARKS}](?![\w$]))
        | (?P<minor>\s?(?:cents?|pence|penny)\b|(?-i:p)\b)
        | (?P<duration>(?:-|\s)(?:{"|".join(TIME_UNITS)}|centurie|hr|yr|min)s?\b(?P<old>-old\b|\s+old\b)?)
        | (?P<measure>(?:-|\s?)(?:{MEASURE_UNITS})(?!\w))
      )?)
    """,
    re.VERBOSE | re.IGNORECASE,
)
# `rose by $2 to $43.25`: the change, then the level it reached, not a range.
CHANGE_BY_BEFORE = re.compile(r"\bby\s+(?:more\s+than\s+|over\s+|about\s+|around\s+|nearly\s+|almost\s+|just\s+|"
                              r"some\s+|less\s+than\s+)?$", re.IGNORECASE)
RANGE_JOINERS = re.compile(r"^\s*(?:-|–|—|(?:-\s*)?to)\s*$", re.IGNORECASE)
BETWEEN_BEFORE = re.compile(r"(?:^|(?<=\W))(?P<word>between|from)\s+$", re.IGNORECASE)
AND_JOINER = re.compile(r"^\s+and\s+$", re.IGNORECASE)
TO_JOINER = re.compile(r"^\s+to\s+$", re.IGNORECASE)
AMOUNT_KINDS = ("count", "percent", "money", "measure")


@dataclass(frozen=True)
class NumberMention:
    """One number as found in a text; `start`/`end` are character offsets into that text."""

    start: int
    end: int
    value: float | None  # None for dates and times: their value is a calendar one (`tasks.numbers.dates`)
    kind: str
    unit: str = ""
    qualifier: str = "="
    value_low: float | None = None
    value_high: float | None = None
    object: str = ""
    change: str = ""
    count_type: str = ""
    per_unit: str = ""


def _currency_after(written: str, country: str | None) -> str:
    """The code of a currency named after an amount (`yen`, `Hong Kong dollars`, `EUR`)."""
    words = " ".join(written.replace("-", " ").split())
    if words in CURRENCY_SYMBOLS:  # `15€`: a symbol after the amount, as much of Europe writes it
        return CURRENCY_SYMBOLS[words]
    if words.isupper() and len(words) == 3:
        return words
    name = words.split()[-1].lower()
    name = name if name in CURRENCY_WORDS else name[:-1]
    if country and name in ("dollar", "pound", "franc", "rupee", "peso", "krona", "krone", "lira", "dinar", "riyal"):
        return COUNTRY_CURRENCIES.get(" ".join(country.lower().split()), CURRENCY_WORDS[name])
    return CURRENCY_WORDS[name]


def words_value(words: str) -> float | None:
    """The value of a spelled-out number (`seven`, `twenty-five`, `two million`, `a dozen`)."""
    words = " ".join(words.lower().split())
    if words in ("dozen", "a dozen"):
        return 12.0
    if words.startswith("a "):
        words = "one " + words[2:]
    try:
        return float(text2num(words, "en"))
    except ValueError:
        return None


def vague_range(words: str) -> tuple[float, float]:
    """(low, high) for a vague amount: `tens of thousands` is 20,000 to 90,000."""
    parts = words.lower().split()
    base = VAGUE_BASE[parts[0]]
    scale = MAGNITUDE_WORDS[parts[-1].rstrip("s")] if len(parts) == 3 else 1.0
    return 2 * base * scale, 9 * base * scale


def _exponent_of(written: str) -> int | None:
    """The power of ten an exponent writes (`e-4` -> -4, `×10^6` -> 6, ` x 10⁶` -> 6); None
    beyond 999, where no float reaches (and `int` refuses thousands of digits)."""
    power = re.sub(r"^(?:e|\s?[×x]\s?10\^?)", "", written, flags=re.IGNORECASE)
    power = power.translate(str.maketrans(_SUPERSCRIPT_DIGITS + "⁻⁺−", "0123456789-+-"))
    return int(power) if len(power.lstrip("+-").lstrip("0")) <= 3 else None


def _digits_value(match: re.Match) -> float | None:
    """The value of a number written in digits, signed, with its exponent and magnitude; None
    when a float cannot hold it (`1e400`, `1e-400`): such a number is not extracted, so no row
    carries inf or a zero the text does not say."""
    negative = "-" in (match["sign"] or match["cur_sign"] or "").replace("\u2212", "-")
    # Decimal keeps `16.4 million` at 16400000, not 16399999.999999998.
    value = Decimal(match["digits"].replace(",", ""))
    if match["exponent"]:
        power = _exponent_of(match["exponent"])
        if power is None:
            return None
        value = value.scaleb(power)
    if match["mag_word"]:
        value *= Decimal(MAGNITUDE_WORDS[match["mag_word"].lower()])
    elif match["mag_abbr"]:
        value *= Decimal(MAGNITUDE_ABBR[match["mag_abbr"].lower()])
    elif match["mag_letter"]:  # `€10B`, `$2.174T`: a capital after a currency's amount
        value *= Decimal(MAGNITUDE_LETTERS[match["mag_letter"]])
    number = float(-value if negative else value)
    if not math.isfinite(number) or (number == 0 and value != 0):
        return None
    return number


def _quantity(match: re.Match) -> NumberMention | None:
    """A quantity atom's value, kind and unit (None: a number no float holds, or words that are no number)."""
    low = high = None
    if match["fraction_digits"]:
        # `2 1/2`, `1/4 inch` (a bare `9/11` or `24/7` is no fraction), `⅓ cup`, `2½`.
        if match["vulgar"]:
            value = float(match["whole_vulgar"] or 0) + VULGAR_FRACTIONS[match["vulgar"]]
        elif (denominator := int(match["denominator"])) == 0 or (match["whole"]
                                                                  and int(match["numerator"]) >= denominator):
            return None  # `1/0`; `3 7/5` is no mixed number (a score, a list)
        else:
            value = float(match["whole"] or 0) + int(match["numerator"]) / int(match["denominator"])
    elif match["digits"]:
        value = _digits_value(match)
        if value is None:
            return None
    elif match["fraction"]:
        value = FRACTIONS[" ".join(match["fraction"].lower().replace("-", " ").split())]
        if match["frac_mag"]:
            value *= 12 if match["frac_mag"].lower() == "dozen" else words_value(match["frac_mag"])
    elif match["vague"]:
        low, high = vague_range(match["vague"])
        value = (low + high) / 2
    else:
        value = words_value(match["words"])
        if value is None:
            return None
        if match["and_half"]:
            # Half of the last scale: `two and a half` 2.5, `a dozen and a half` 18, `a million and a half` 1.5m.
            last = match["words"].lower().split()[-1]
            value += 0.5 * (12 if last == "dozen" else words_value(last) if last in _SCALES.split("|") else 1)
    kind, unit = "count", ""
    if match["yen"] is not None:
        kind, unit = "money", "JPY"  # `Y120bn`, `Y10,000`: the financial press's yen
    elif match["cur_pre"]:
        symbol = "".join(match["cur_pre"].split())
        kind, unit = "money", CURRENCY_SYMBOLS.get(symbol, CURRENCY_SYMBOLS.get(symbol.upper(), symbol.upper()))
    elif match["cur_post"] and match["cur_post"].strip().lower() == "won" and value < 1000 \
            and not (match["mag_word"] or match["mag_abbr"]):
        # `Burnout 3 won the award`: the verb, not South Korea's currency.
        return NumberMention(match.start(), match.start("cur_post"), value, "count")
    elif match["cur_post"]:
        kind, unit = "money", _currency_after(match["cur_post"], match["cur_country"])
    elif match["minor"]:
        # Hundredths of a currency; whose `cents` are is read in context (`with_units_in_context`).
        value /= 100
        low, high = (low / 100 if low is not None else None), (high / 100 if high is not None else None)
        kind, unit = "money", MINOR_UNITS[match["minor"].strip().lower()] or ""
    elif match["pct"] or match["pp_only"]:
        kind, unit = "percent", "percentage_point" if (match["pp"] or match["pp_only"]) else "percent"
    elif match["duration"]:
        # Any whitespace, not just a space, may join number and unit (`5\nyears` in hard-wrapped text).
        unit_word = match["duration"][:len(match["duration"]) - len(match["old"] or "")].strip().strip("-")
        kind, unit = ("age" if match["old"] else "duration"), time_name(unit_word)
    elif match["measure"]:
        kind, unit = "measure", measure_name(match["measure"].strip(" -"))
    return NumberMention(match.start(), match.end(), value, kind, unit,
                         "~" if low is not None else "=", low, high)


def _atom(match: re.Match) -> NumberMention | None:
    """One matched number, before ranges and qualifiers are joined (None: no number after all)."""
    surface = match.group(0)
    if LONG_DIGIT_RUN.search(surface):
        # An identifier or ordinal around a code (`AB12345678901234567`) would take the code as
        # its value; DIGITS already leaves such runs out of amounts.
        return None
    if match["time"] or match["date"]:
        # Read to keep their digits from other numbers; `tasks.numbers.dates` finds and resolves dates.
        return NumberMention(match.start(), match.end(), None, "time" if match["time"] else "date")
    if match["phone"]:
        # A phone number is an identifier: kept, never a quantity; its value is the last group.
        return NumberMention(match.start(), match.end(), float(re.findall(r"\d+", surface)[-1]), "other")
    if match["ident"]:
        return NumberMention(match.start(), match.end(), float(re.findall(r"\d+", surface)[-1]), "other")
    if match["ordinal"]:
        digits = re.findall(r"\d+", surface)
        value = int(digits[0]) if digits else ORDINAL_WORDS[surface.lower()]
        return NumberMention(match.start(), match.end(), float(value), "ordinal")
    return _quantity(match)


def _join_ranges(text: str, atoms: list[NumberMention]) -> list[NumberMention]:
    """`between 87% and 99%`, `5-10`, `from 3 to 4`: two amounts of one kind become one range."""
    out: list[NumberMention] = []
    i = 0
    while i < len(atoms):
        first = atoms[i]
        second = atoms[i + 1] if i + 1 < len(atoms) else None
        # `5-10 days`, `87 and 99%`: the unit may be written only after the second value.
        # `$30-35`: the unit written only before the first value.
        bare_second = second is not None and first.unit and second.kind == "count" and first.kind in AMOUNT_KINDS \
            and text[first.end:second.start] in ("-", "\u2013")
        if second is not None and (first.kind == second.kind or first.kind == "count" or bare_second) and (
            second.kind in AMOUNT_KINDS + ("duration",)
        ) and not CHANGE_BY_BEFORE.search(text[max(0, first.start - 40):first.start]):
            gap = text[first.end:second.start]
            opener = BETWEEN_BEFORE.search(text[max(0, first.start - 12):first.start])
            word = opener["word"].lower() if opener else ""
            if (word == "between" and (AND_JOINER.match(gap) or TO_JOINER.match(gap))) or (
                word == "from" and TO_JOINER.match(gap)) or (
                not word and RANGE_JOINERS.match(gap) and first.qualifier == "=" == second.qualifier
            ):
                start = first.start - (len(opener.group(0)) if opener else 0)
                low, high = sorted((first.value_low or first.value, second.value_high or second.value))
                unit = second.unit or first.unit
                kind = first.kind if bare_second else second.kind
                out.append(NumberMention(start, second.end, (low + high) / 2, kind, unit, "=", low, high))
                i += 2
                continue
        out.append(first)
        i += 1
    return out


def _attach_qualifier(text: str, mention: NumberMention, after_end: int = 0, before_start: int | None = None
                      ) -> NumberMention:
    """`more than 1,000` (>), `about 60%` (~), `1,000 or more` (>=): the words join the mention.
    Only words after `after_end` and before `before_start` (the mentions either side) are read,
    so `5 or more than 6` gives `5 or more` and `6`, not two overlapping mentions."""
    before = QUALIFIER_BEFORE.search(text[max(0, after_end, mention.start - 30):mention.start])
    if before:
        symbol = next(QUALIFIERS_BEFORE[int(name[1:])][0] for name, v in before.groupdict().items() if v)
        return replace(mention, start=mention.start - len(before.group(0)), qualifier=symbol)
    stop = mention.end + 12 if before_start is None else min(before_start, mention.end + 12)
    after = QUALIFIER_AFTER.search(text[mention.end:stop])
    if after:
        symbol = "<=" if (after["dir"] or "").lower() in ("less", "fewer") else ">="
        return replace(mention, end=mention.end + len(after.group(0)), qualifier=symbol)
    return mention


# Every number holds a digit or one of these words. NUMBER_PATTERN is one large case-blind
# alternation tried at every character, so it runs only in stretches around these (55% of the
# time on the BBC corpus, with the same matches: `number_matches` documents why).
CANDIDATE = re.compile(
    rf"\d|[{''.join(VULGAR_FRACTIONS)}]"
    rf"|\b(?:{_UNITS}|{_TENS}|{_SCALES}|hundreds|thousands|millions|billions|trillions|dozens?|tens|scores"
    rf"|half|thirds?|quarters?|{'|'.join(ORDINAL_WORDS)})\b",
    re.IGNORECASE,
)
# How far a match reaches before its first candidate (`Resolution 1441`, `HK$ 5`, `September 30`)
# and after its last (`5 square kilometres`, `3 percentage points`, plus the lookaheads), in text
# whose gaps are at most two whitespace characters, as clean text's are. Stretches are widened
# to whole words, so a word glued to digits (`COVID-19`) is whole whatever its length.
REACH_BEFORE, REACH_AFTER = 24, 40
LONG_SPACE = re.compile(r"\s{3,}")


def number_matches(text: str) -> list[re.Match]:
    """NUMBER_PATTERN's matches in `text`, as a scan of the whole text finds them.

    Only stretches of text around candidates are scanned, from the start of the word
    REACH_BEFORE characters before a candidate to the end of the word REACH_AFTER after it
    (overlapping stretches merged). No match lies outside them: each holds a candidate, starts at
    most REACH_BEFORE characters and a word before its first one and ends, lookaheads included,
    within REACH_AFTER of its last; the candidates in one match are closer than that, so one
    stretch holds it whole. Lookbehinds and `\b` see the text before a stretch, as in a whole
    scan. A text with longer runs of whitespace (not clean) is scanned whole.
    """
    if LONG_SPACE.search(text):
        return list(NUMBER_PATTERN.finditer(text))
    matches: list[re.Match] = []
    stretch_start, reach = 0, -1  # the current stretch, up to the word at `reach`
    for candidate in CANDIDATE.finditer(text):
        start = candidate.start() - REACH_BEFORE
        if start > reach and reach >= 0:
            end = _word_end(text, reach)
            start = _word_start(text, start)
            if start > end:  # disjoint: the stretch so far is complete
                matches.extend(NUMBER_PATTERN.finditer(text, stretch_start, end))
                stretch_start = start
        elif reach < 0:
            stretch_start = _word_start(text, start)
        reach = candidate.end() + REACH_AFTER
    if reach >= 0:
        matches.extend(NUMBER_PATTERN.finditer(text, stretch_start, _word_end(text, reach)))
    return matches


def _word_start(text: str, at: int) -> int:
    """Where the word at offset `at` starts (0 for a text without whitespace before it)."""
    if at <= 0:
        return 0
    return max(text.rfind(" ", 0, at), text.rfind("\n", 0, at), text.rfind("\t", 0, at)) + 1


def _word_end(text: str, at: int) -> int:
    """Where the word at offset `at` ends (the text's end if no whitespace follows)."""
    if at >= len(text):
        return len(text)
    ends = [i for i in (text.find(" ", at), text.find("\n", at), text.find("\t", at)) if i >= 0]
    return min(ends) if ends else len(text)


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in `text`, in order, with value, range, kind, unit and qualifier."""
    dates = find_dates(text)
    date_starts = [d.start for d in dates]

    def in_a_date(atom: NumberMention) -> bool:
        i = bisect.bisect_right(date_starts, atom.start) - 1
        return any(dates[j].start < atom.end and atom.start < dates[j].end for j in (i, i + 1) if 0 <= j < len(dates))

    # The number grammar still reads dates and times (so `February 24` is not a count of 24); the
    # date grammar (`tasks.numbers.dates`) says which they are, and numbers inside one are part of it.
    atoms = [atom for match in number_matches(text) if (atom := _atom(match)) is not None
             and atom.kind not in ("date", "time") and not in_a_date(atom)]
    joined = _join_ranges(text, atoms)
    mentions: list[NumberMention] = []
    for i, mention in enumerate(joined):
        if mention.kind in AMOUNT_KINDS:
            mention = _attach_qualifier(text, mention, mentions[-1].end if mentions else 0,
                                        joined[i + 1].start if i + 1 < len(joined) else None)
        mentions.append(mention)
    # The grammar's parts are bounded, so this only guards against a rule yet to be written that
    # is not: a longer span holds more than one number and its words.
    mentions = [m for m in mentions if m.end - m.start <= MAX_SURFACE]
    mentions = with_units_in_context(text, mentions)
    mentions = [replace(m, change=change_of(text, m)) if m.kind in AMOUNT_KINDS else m for m in mentions]
    mentions += [NumberMention(d.start, d.end, None, d.kind) for d in dates]
    return sorted(mentions, key=lambda m: m.start)


# --- units read in context ------------------------------------------------------------------

_PER_A_WORDS = (*TIME_SPELLINGS, "share", "shares", "head", "person", "barrel", "tonne", "ton", "gallon", "litre",
                "liter", "kilo", "kilogram", "pound", "ounce", "unit", "copy", "ticket")
# `$58.24 per barrel`, `15 cents a share`, `£500 a month`, `$300 per square foot`, `100 km per hour`.
PER_AFTER = re.compile(
    rf"^\s*(?:(?:per|/)\s*(?P<per>{spelling_pattern([*TIME_SPELLINGS, *PER_NOUNS, *MEASURE_SPELLINGS])})"
    rf"|-?(?:a|an|each)[\s-]+(?P<a>{spelling_pattern(_PER_A_WORDS)}))(?![\w-])"
    # `$142m a year earlier`, `a year ago`: when, not per.
    r"(?!\s+(?:earlier|ago|before|later|on|back|previously|after|since|from)\b)", re.IGNORECASE)
# `hundreds of years`: a vague length of time.
OF_TIME_AFTER = re.compile(r"^\s+of\s+(?P<unit>years|months|weeks|days|hours|minutes|decades|centuries)\b",
                           re.IGNORECASE)
# `billions of dollars`: a vague amount of a currency.
OF_CURRENCY_AFTER = re.compile(rf"^\s+of\s+(?:(?P<country>{_COUNTRY_ADJECTIVES})\s+)?"
                               rf"(?P<name>{'|'.join(CURRENCY_WORDS)})s?\b", re.IGNORECASE)
# `275 pound-feet`: torque, not sterling.
TORQUE_AFTER = re.compile(r"^(?:-|\s)(?:feet|foot)\b", re.IGNORECASE)
# Pounds that weigh: a weighing word before them, or what they are of after them.
# Not `lost` or `gained`: a firm loses pounds sterling.
WEIGHT_BEFORE = re.compile(r"\b(?:weigh\w*|heav(?:y|ier|iest)|light(?:er|est)|overweight|obese)\b[^.;!?]{0,30}$",
                           re.IGNORECASE)
WEIGHT_AFTER = re.compile(r"^\s+(?:of\s+(?:\w+\s+)?(?:cocaine|heroin|cannabis|marijuana|drugs|meat|beef|pork|fish|"
                          r"food|sugar|flour|explosives?|weight|fat|muscle|butter|cheese|gold|silver|rice|potatoes|"
                          r"fruit|vegetables|coffee|tea)|heavier|lighter)\b", re.IGNORECASE)
# `2m tall`, `a 100m sprint`: metres, not millions.
METRES_AFTER = re.compile(r"^\s*(?:tall|high|long|wide|deep|thick|across|away|below|above|sprint|race|hurdles|"
                          r"freestyle|relay|dash|in\s+(?:height|length|width|diameter|depth))\b", re.IGNORECASE)
METRES_BEFORE = re.compile(r"\b(?:measur\w*|height|length|width|depth|diameter|span|wingspan|depth)\s+(?:of\s+)?"
                           r"(?:about\s+|some\s+|nearly\s+|almost\s+|around\s+|over\s+|up\s+to\s+)?$", re.IGNORECASE)
# `25.3 ppg`: a player's points per game.
POINTS_PER_GAME_AFTER = re.compile(r"^\s?ppg\b", re.IGNORECASE)
AGED_BEFORE = re.compile(r"\b(?:aged|age)\s+(?:between\s+|from\s+|over\s+|under\s+)?$", re.IGNORECASE)
DOLLAR_LIKE = ("USD", "EUR", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD")


def with_units_in_context(text: str, mentions: list[NumberMention]) -> list[NumberMention]:
    """Units the words around an amount settle: what it is per (`per barrel`, `a share`: the span
    runs on over them; a measure per a time unit is a rate, `kilometer_per_hour`), torque and
    weight `pounds` apart from sterling, `2m tall` in metres, `aged 15` an age, and whose
    `cents` (the dollar or euro last named, else the US dollar's)."""
    out: list[NumberMention] = []
    currency = "USD"
    for i, m in enumerate(mentions):
        stop = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
        after, before = text[m.end:min(stop, m.end + 40)], text[max(0, m.start - 40):m.start]
        surface = text[m.start:m.end]
        if m.kind == "money" and m.unit == "GBP" and re.search(r"pounds?$", surface, re.IGNORECASE):
            torque = TORQUE_AFTER.match(after)
            if torque:
                m = replace(m, end=m.end + torque.end(), kind="measure", unit="pound_force_foot")
            elif WEIGHT_BEFORE.search(before) or WEIGHT_AFTER.match(after):
                m = replace(m, kind="measure", unit="pound")
        elif m.kind == "money" and m.unit == "":
            m = replace(m, unit=currency)
        elif m.kind == "count" and re.search(r"\d\s?m$", surface) and (METRES_AFTER.match(after)
                                                                         or METRES_BEFORE.search(before)):
            scale = 1e-6
            m = replace(m, kind="measure", unit="meter", value=m.value * scale,
                        value_low=m.value_low * scale if m.value_low is not None else None,
                        value_high=m.value_high * scale if m.value_high is not None else None)
        elif m.kind == "count" and (stat := POINTS_PER_GAME_AFTER.match(after)):
            m = replace(m, end=m.end + stat.end(), kind="measure", unit="point", per_unit="game")
        elif m.kind == "count" and AGED_BEFORE.search(before):
            m = replace(m, kind="age", unit="year")
        elif m.kind == "count" and m.value_low is not None and (of := OF_CURRENCY_AFTER.match(after)):
            m = replace(m, end=m.end + of.end(), kind="money",
                        unit=_currency_after(of["name"], of["country"]))
        elif m.kind == "count" and m.value_low is not None and (of := OF_TIME_AFTER.match(after)):
            m = replace(m, end=m.end + of.end(), kind="duration", unit=time_name(of["unit"]))
        if m.kind == "money" and m.unit in DOLLAR_LIKE:
            currency = m.unit
        if m.kind in AMOUNT_KINDS:
            per = PER_AFTER.match(text[m.end:stop])
            if per is not None:
                what = per_name(per["per"] or per["a"])
                if m.kind == "measure" and what in TIME_UNITS:
                    m = replace(m, end=m.end + per.end(), unit=f"{m.unit}_per_{what}")
                else:
                    m = replace(m, end=m.end + per.end(), per_unit=what)
        out.append(m)
    return out


# --- what is counted -------------------------------------------------------------------------

NOUNS = ("NOUN", "PROPN")


def _is_noun(token) -> bool:
    """A noun by its tag when the pipeline tagged it, else a word that is neither number nor symbol."""
    if token.pos_:
        return token.pos_ in NOUNS
    return token.is_alpha and not token.like_num and not token.is_stop


# GDELT's event counts, by the words that govern a count (`killing 25 people`, `five were injured`).
COUNT_TRIGGERS = {
    "KILL": {"kill", "killed", "killing", "kills", "die", "died", "dies", "dying", "dead", "death", "deaths",
             "murdered", "massacred", "toll", "fatalities", "lives"},
    "WOUND": {"injure", "injured", "injuring", "injuries", "wound", "wounded", "wounding", "hurt"},
    "ARREST": {"arrest", "arrested", "arresting", "arrests", "detain", "detained", "detaining", "detainees"},
    "KIDNAP": {"kidnap", "kidnapped", "kidnapping", "abducted", "abducting", "hostages", "hostage"},
    "AFFECT": {"affected", "affecting", "infected", "infecting", "sickened", "hospitalised", "hospitalized"},
    "SEIZE": {"seize", "seized", "seizing", "confiscated"},
    "PROTEST": {"protest", "protested", "protesting", "protesters", "protestors", "demonstrators", "marchers"},
    "DISPLACE": {"displaced", "displacing", "fled", "fleeing", "refugees", "homeless"},
    "EVACUATE": {"evacuate", "evacuated", "evacuating", "evacuees"},
}
COUNT_TYPES = {word: kind for kind, words in COUNT_TRIGGERS.items() for word in words}
CHANGE_WORDS = {
    "up": {"rose", "rise", "rises", "rising", "risen", "up", "jumped", "jump", "jumps", "increased", "increase",
           "increases", "grew", "grow", "grows", "growth", "gained", "gain", "gains", "climbed", "climb", "soared",
           "soar", "surged", "surge", "boosted", "boost", "raised", "raise", "higher", "doubled", "tripled"},
    "down": {"fell", "fall", "falls", "falling", "fallen", "down", "dropped", "drop", "drops", "declined",
             "decline", "declines", "decreased", "decrease", "slumped", "slump", "lost", "cut", "cuts", "shrank",
             "shrink", "plunged", "plunge", "tumbled", "slid", "lower", "reduced", "reduce", "halved", "slashed"},
}
CHANGES = {word: direction for direction, words in CHANGE_WORDS.items() for word in words}
CLAUSE_BREAK = re.compile(r"[,;:.!?()\u2014\u2013\n]|\band\b|\bbut\b|\bwhile\b")


def change_of(text: str, mention: NumberMention) -> str:
    """`up`/`down` when the words just before (`rose 5%`, `fell by 2%`, `cut to`) or after
    (`a 76% jump`) say the amount is a rise or fall, within the clause; else empty."""
    before = CLAUSE_BREAK.split(text[max(0, mention.start - 60):mention.start])[-1]
    for word in reversed(re.findall(r"[a-z]+", before.lower())[-5:]):
        if word in CHANGES:
            return CHANGES[word]
    after = re.match(r"\s+((?:[a-z]+\s+){0,1}[a-z]+)", text[mention.end:mention.end + 30].lower())
    for word in (after.group(1).split() if after else []):
        if word in CHANGES and word not in ("up", "down"):
            return CHANGES[word]
    return ""


def counted_object(sentence: Doc, start: int, end: int) -> tuple[str, str]:
    """(what a number counts, its GDELT count type) in a parsed sentence: `300,000 troops` ->
    (`troops`, ''), `killing 25 people` -> (`people`, `KILL`), `injuring 50` -> ('', `WOUND`)."""
    span = sentence.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return "", ""
    token = span[-1]
    while token.head.i != token.i and span.start <= token.head.i < span.end:
        token = token.head
    head = token.head
    noun = None
    # What is counted follows the amount; a head before it is a verb the untagged parse took for a
    # noun (`profits rose 8%` -> `rose`).
    if token.dep_ in ("nummod", "quantmod", "compound", "amod", "nmod", "npadvmod") and _is_noun(head) \
            and head.i >= span.end:
        noun = head
    else:
        pobj = [grand for child in token.children if child.dep_ == "prep" and child.lower_ == "of"
                for grand in child.children if grand.dep_ == "pobj"]
        if pobj and _is_noun(pobj[0]):
            noun = pobj[0]
    count_type = _count_type(noun if noun is not None else token)
    if noun is None:
        return "", count_type
    left = noun.i
    for child in sorted(noun.lefts, key=lambda t: -t.i):
        if child.i == left - 1 and child.dep_ in ("compound", "amod") and child.i >= span.end:
            left = child.i
    right = noun.i
    for conj in sorted(noun.conjuncts, key=lambda t: t.i):
        # `people and firms`, but not a comma-separated list running on through the sentence.
        between = sentence[right + 1:conj.i]
        if conj.i > right and _is_noun(conj) and len(between) <= 2 and not any(t.is_punct for t in between):
            right = conj.i
    return sentence[left:right + 1].text, count_type


def _count_type(token) -> str:
    """The count type named by the token, its modifiers, or the words governing it (three levels up)."""
    for candidate in [token, *token.children]:
        if candidate.lower_ in COUNT_TYPES:
            return COUNT_TYPES[candidate.lower_]
    for _ in range(3):
        # `injuring 50 in one strike`: a count inside a prepositional phrase is not what the verb counts.
        if token.head.i == token.i or (token.dep_ == "pobj" and token.head.lower_ != "of"):
            break
        token = token.head
        if token.lower_ in COUNT_TYPES:
            return COUNT_TYPES[token.lower_]
    return ""


WORDS_BEFORE, WORDS_AFTER = 4, 5
WORD = re.compile(r"\S+")


def windows_to_parse(
    text: str, mentions: Sequence[NumberMention], bounds: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Character windows worth parsing: a few words either side of each amount, inside its
    sentence, overlapping windows merged. Parsing these instead of whole sentences keeps the
    parser's cost near the number of amounts; the counting verb and noun are that close."""
    starts = [s for s, _ in bounds]
    windows: list[tuple[int, int]] = []
    for mention in mentions:
        if mention.kind not in AMOUNT_KINDS:
            continue
        sent_start, sent_end = bounds[sentence_index(starts, mention.start)]
        before = _last_word_starts(text, sent_start, mention.start, WORDS_BEFORE)
        after = [m.end() for m in itertools.islice(WORD.finditer(text, mention.end, sent_end), WORDS_AFTER)]
        start = before[-WORDS_BEFORE] if len(before) >= WORDS_BEFORE else sent_start
        end = after[WORDS_AFTER - 1] if len(after) >= WORDS_AFTER else (after[-1] if after else mention.end)
        if windows and start <= windows[-1][1] and sentence_index(starts, windows[-1][0]) == \
                sentence_index(starts, start):
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


# Words that, right after an amount, show nothing is counted by it (`rose 8% in January`, `fell
# 9% to $2bn`): the counted noun follows the amount directly (`300,000 troops`, `£1bn ($1.9bn)
# investment deal`, `a 12-nation bloc`) or after `of`. Windows whose every amount is followed by
# one of these or by punctuation, and that hold no count-type word, are not parsed (see
# `needs_parse` for what that skips and changes on the BBC corpus).
NOTHING_COUNTED_AFTER = frozenset(
    "in to a an the from on for by at but this that these those per during after before against "
    "will would was is were are be been has have had as over out since while each than into "
    "until when which who its their his her our your last next".split())
QUOTES = "\"'\u2018\u2019\u201c\u201d"
NEXT_TOKEN = re.compile(rf"[-\s{QUOTES}]*(?:\([^()]{{0,40}}\)[\s{QUOTES}]*)?(?P<token>\S+)?")


def _counts_something(text: str, mention: NumberMention, window_end: int) -> bool:
    """Whether the word after `mention` may be what it counts (so the window needs its parse)."""
    token = NEXT_TOKEN.match(text, mention.end, window_end)["token"]
    if not token or not token[0].isalnum():
        return False  # the window or the clause ends
    word = re.match(r"[^\W\d_]*", token).group(0)
    # `a-year job`, `A320 aircraft`: a word joined to more is not the function word it starts with.
    return word.lower() not in NOTHING_COUNTED_AFTER or not token.rstrip(",.;:!?)").isalpha()


def _last_word_starts(text: str, start: int, end: int, count: int) -> list[int]:
    """Starts of the last `count` words of `text[start:end]`, as `WORD.finditer(text, start, end)`
    gives them; read back from `end` only as far as they reach, so a sentence of 10,000 numbers
    costs each of them a few words, not the whole sentence before it."""
    reach = 64
    while True:
        # Only the first word found can be cut by `pos`: with more than `count`, the last ones are whole.
        pos = max(start, end - reach)
        found = [m.start() for m in WORD.finditer(text, pos, end)]
        if pos == start or len(found) > count:
            return found[-count:]
        reach *= 4


def needs_parse(text: str, window: tuple[int, int], mentions: Sequence[NumberMention]) -> bool:
    """Whether parsing `window` can give any of its amounts an object or a count type.

    On the BBC corpus, 2,208 of 7,315 windows (28% of the parsed words) need no parse; skipping
    them changes the object of 26 of 15,155 mentions, 23 of which the parse had wrong (`a
    predicted extra £250m. Turnover for the quarter` gave the object `Turnover`)."""
    start, end = window
    inside = [m for m in mentions if m.kind in AMOUNT_KINDS and start <= m.start and m.end <= end]
    if any(_counts_something(text, m, end) for m in inside):
        return True
    return any(word in COUNT_TYPES for word in re.findall(r"[a-z]+", text[start:end].lower()))


def attach_objects(
    mentions: Sequence[NumberMention], windows: Sequence[tuple[int, int]], parsed: Sequence[Doc | None]
) -> list[NumberMention]:
    """Mentions with `object` and `count_type` set from the parsed windows around them (None: a
    window left unparsed, see `needs_parse`)."""
    out = []
    first_window = _window_finder(windows)
    for mention in mentions:
        index = first_window(mention.start, mention.end)
        if mention.kind not in AMOUNT_KINDS or index is None or parsed[index] is None:
            out.append(mention)
            continue
        offset = windows[index][0]
        counted, count_type = counted_object(parsed[index], mention.start - offset, mention.end - offset)
        out.append(replace(mention, object=counted, count_type=count_type))
    return out


def _window_finder(windows: Sequence[tuple[int, int]]) -> Callable[[int, int], int | None]:
    """A lookup of the first window holding [start, end), as a scan of `windows` in order finds it.

    Windows come in order of their starts; only those starting at or before `start` can hold the
    span, and the walk back from the last of them stops where no earlier window reaches `end`
    (at once when windows do not overlap), so a document with thousands of windows is not
    scanned once per mention."""
    starts = [s for s, _ in windows]
    if starts != sorted(starts):
        return lambda start, end: next(
            (i for i, (s, e) in enumerate(windows) if s <= start and end <= e), None)
    reach = list(itertools.accumulate((e for _, e in windows), max))

    def first(start: int, end: int) -> int | None:
        found = None
        i = bisect.bisect_right(starts, start) - 1
        while i >= 0 and reach[i] >= end:
            if end <= windows[i][1]:
                found = i
            i -= 1
        return found

    return first


def _windows_needing_parse(text: str, windows: Sequence[tuple[int, int]], mentions: Sequence[NumberMention]
                           ) -> list[bool]:
    """`needs_parse` of each window, given only the mentions starting inside it (the only ones it
    reads; `find_numbers` gives mentions in order and without overlap), not all of them each time."""
    starts = [m.start for m in mentions]
    return [needs_parse(text, (s, e), mentions[bisect.bisect_left(starts, s):bisect.bisect_right(starts, e)])
            for s, e in windows]


#: Kinds whose unit is rated (`unit_confidence`): a date, time, ordinal or identifier has none to get wrong.
RATED_UNIT_KINDS = ("count", "percent", "money", "measure", "duration", "age")
_SYMBOLS = re.compile(r"[$€£¥₹%‰]")
_LETTERS = re.compile(r"[A-Za-z]+")
_NUMBER_WORDS = re.compile(rf"^(?:{_UNITS}|{_TENS}|{_SCALES}|and|a|an|dozen|half|quarter|bn|m|mn|k|tn)$",
                           re.IGNORECASE)


_NEXT_WORD = re.compile(r"[^\S\n]*(\S*)")


_FUNCTION_WORDS = frozenset("""a an and are as at be but by for from had has have in into is it its of on or over
per than that the their then to under up was were who with""".split())


def _shape_after(text: str, end: int) -> str:
    """What follows a number: a `mark` right after it (`8"`, `2'`, `30°`), `none` (the end, a
    break or punctuation), a `function` word (`of`, `to`, `in`), a lower-case `word`, a `short` one
    (3 letters or fewer: an abbreviation a unit may be), a `symbolic` one (`^`, `/`, digits: a
    unit written as a formula) or a `capitalised` one."""
    if text[end:end + 1] in ("'", '"', "\u2032", "\u2033", "\u00b0"):
        return "mark"
    word = _NEXT_WORD.match(text, end)[1].rstrip(".,;:!?)\"\u201d\u2019'")
    if not word or not any(c.isalnum() for c in word):
        return "none"
    if not word.isalpha():
        return "symbolic"
    if word[0].isupper():
        return "capitalised"
    if word.lower() in _FUNCTION_WORDS:
        return "function"
    return "short" if len(word) <= 3 else "word"


def unit_evidence(text: str, m: NumberMention) -> dict | None:
    """What a number's unit rests on, for its `unit_confidence`: its kind and unit, how the unit is
    written in the mention (a symbol, a word or an abbreviation, or nothing: read from the words
    around it or none at all), what follows it (a unit it did not read), and the mention's shape;
    None for kinds with no unit to rate."""
    if m.kind not in RATED_UNIT_KINDS:
        return None
    surface = text[m.start:m.end]
    words = [w for w in _LETTERS.findall(surface) if not _NUMBER_WORDS.match(w)]
    written = ("symbol" if _SYMBOLS.search(surface) else "none" if not words
               else "abbreviation" if len(words[-1]) <= 3 else "word")
    after = _shape_after(text, m.end)
    return {"kind": m.kind, "unit": m.unit or "none", "written": written, "kind_written": f"{m.kind}/{written}",
            "after": after, "kind_after": f"{m.kind}/{bool(m.unit)}/{after}",
            "per_unit": float(bool(m.per_unit)), "range": float(m.value_low is not None),
            "spelled": float(not any(c.isdigit() for c in surface)), "empty_unit": float(not m.unit),
            "words": math.log1p(len(surface.split()))}


def object_evidence(m: NumberMention) -> dict | None:
    """What a number's counted object rests on, for its `object_confidence`: the kind, whether an
    object was found and how long it is, whether it is a name, and whether a count type was read
    beside it; None for kinds no object is read for."""
    if m.kind not in AMOUNT_KINDS:
        return None
    return {"kind": m.kind, "found": float(bool(m.object)), "object_words": math.log1p(len(m.object.split())),
            "capitalised": float(m.object[:1].isupper()), "count_type": float(bool(m.count_type)),
            "kind_found": f"{m.kind}/{bool(m.object)}", "unit": float(bool(m.unit))}


def number_rows(doc_id: str, text: str, mentions: Sequence[NumberMention], starts: list[int]) -> list[dict]:
    """Table rows for one document's mentions (with the evidence their confidences are computed
    from, `unit_evidence` and `object_evidence`)."""
    return [
        {
            "doc_id": doc_id,
            "start_char": m.start,
            "end_char": m.end,
            "surface": text[m.start:m.end],
            "value": m.value,
            "value_low": m.value_low,
            "value_high": m.value_high,
            "kind": m.kind,
            "unit": m.unit,
            "object": m.object,
            "qualifier": m.qualifier,
            "change": m.change,
            "count_type": m.count_type,
            "per_unit": m.per_unit,
            "sentence_index": sentence_index(starts, m.start),
            "date_value": None,
            "date_granularity": None,
            "unit_evidence": unit_evidence(text, m),
            "object_evidence": object_evidence(m),
        }
        for m in mentions
    ]


def extract_numbers(
    doc_ids: Sequence[str], texts: Sequence[str], docs: Sequence[Doc], parse: Callable[[list[str]], list[Doc]]
) -> pl.DataFrame:
    """Number mentions of all docs (whose sentences are already set; `texts` are their texts,
    which `Doc.text` would rebuild from every token); `parse` is called once with the text around
    every amount, across all docs, and gives the counted objects."""
    found = []
    for doc, text in zip(docs, texts, strict=True):
        starts = sentence_starts(doc)
        bounds = list(zip(starts, starts[1:] + [len(text)], strict=True))
        mentions = find_numbers(text)
        windows = windows_to_parse(text, mentions, bounds)
        found.append((starts, mentions, windows, _windows_needing_parse(text, windows, mentions)))
    window_texts = [text[s:e] for text, (_, _, windows, wanted) in zip(texts, found)
                    for (s, e), keep in zip(windows, wanted) if keep]
    parsed_all = iter(parse(window_texts) if window_texts else [])
    rows = []
    for doc_id, text, (starts, mentions, windows, wanted) in zip(doc_ids, texts, found, strict=True):
        parsed = [next(parsed_all) if keep else None for keep in wanted]
        rows.extend(number_rows(doc_id, text, attach_objects(mentions, windows, parsed), starts))
    units, objects = [row.pop("unit_evidence") for row in rows], [row.pop("object_evidence") for row in rows]
    return frame(rows, NUMBERS).with_columns(**with_confidence("unit", units), **with_confidence("object", objects))
