"""Date and time expressions: found in text (`find_dates`), then resolved to TimeML TIMEX3 values
against the document's date (`resolve_date`).

`Friday` in an article of Friday 2022-09-30 is `2022-09-30`; `last week` the ISO week before the
document's (`2022-W38`); `February 24` the nearest February 24 on or before the document's date
when its clause speaks of the past (`said`, `was`, a verb in -ed, `ago`), after it when it speaks
of the future (`will`, `next`, `is due to`), and the nearest either side when it does neither
(`holders of record Nov. 15`); `the 1990s` the
decade `199`; `3 p.m.` the day of a date in its sentence, else the document's, at 15:00. A
relative expression in an undated document, or one with no fixed value (`recent weeks`), keeps
a null value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from dateutil.relativedelta import relativedelta

from tasks.confidence.calibrated import with_confidence
from tasks.documents.sentences import SENTENCE_BREAK, sentence_span

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
MONTH_NUMBER = {name: i for i, name in enumerate(MONTH_NAMES, start=1)} | {
    name[:3]: i for i, name in enumerate(MONTH_NAMES, start=1)} | {"sept": 9}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                 "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
                 "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
                 "nineteenth": 19, "twentieth": 20, "twenty-first": 21}
DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
                "eighties": 8, "nineties": 9}
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
# The months a season starts and ends in (winter: from December, counted with the year it ends in).
SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (1, 2)}
COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}

_MONTH = (r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d{2}"
_WEEKDAY = r"(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_RELATIVE = r"(?:last|this|next|past|coming|previous|following)"
_UNIT = r"(?:week|month|year|weekend|quarter|decade)"
_COUNT = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"
_ORDINAL = r"(?:\d{1,2}(?:st|nd|rd|th)|" + "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True)) + ")"

# What a date can start with: a digit or one of these words. Tried first, at word starts only, it
# keeps the long alternation below from being tried at every character (the same matches: see
# tests/test_dates.py).
_FIRST = ("now|right|currently|these|recently|more|year|comparable|the|later|earlier|during|throughout|for|last|this|next|past|coming|previous|following|early|late|mid|on|in"
          "|today|tonight|yesterday|tomorrow|recent|first|second|third|fourth|final|spring|summer|autumn|winter"
          "|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties|a|an|one|two|three|four|five|six"
          "|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|q[1-4]|" + "|".join(ORDINAL_WORDS)
          + "|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun")
# One alternation, most specific first; named groups say which form matched. A month or season alone
# counts only with a word that makes it one (`_is_date`: `in May`, not the verb `may`).
DATE_FORMS = rf"""
      (?P<iso>\b(?P<iso_y>{_YEAR})-(?P<iso_m>[01]\d)-(?P<iso_d>[0-3]\d)\b)
    | (?P<time>\b(?:[01]?\d|2[0-3])(?::(?P<t_min>[0-5]\d))?\s?(?P<ampm>a\.m\.|p\.m\.|am\b|pm\b)
        |\b(?:[01]?\d|2[0-3]):[0-5]\d\b(?:\s?(?:GMT|BST|UTC|EST|ET|CET))?
        |\b(?:[01]\d|2[0-3])[0-5]\d\s?(?:GMT|BST|UTC|hrs|hours\s+GMT)\b)
    | (?P<mdy>\b(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>{_DAY})\b(?:,?\s+(?P<mdy_y>{_YEAR})\b)?)
    | (?P<dmy>\b(?P<dmy_d>{_DAY})\s+(?:of\s+)?(?P<dmy_m>{_MONTH})(?![a-z])(?:,?\s+(?P<dmy_y>{_YEAR})\b)?)
    | (?P<my>\b(?P<my_rel>(?:last|this|next|early|late|mid-?)\s*)?(?P<my_m>{_MONTH})(?![a-z])
        (?:\s+(?:of\s+)?(?P<my_y>{_YEAR})\b)?)
    | (?P<decade>\b(?:the\s+)?(?:(?P<dec_c>1[89]|20)(?P<dec_d>\d)0s|'(?P<dec_s>\d)0s
        |(?P<dec_w>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties))\b)
    | (?P<century>\b(?:the\s+)?(?P<cent>{_ORDINAL})[\s-]+[Cc]entury\b)
    | (?P<quarter>\b(?:the\s+)?(?P<q_n>first|second|third|fourth|final|last)[\s-]+quarter
          (?:\s+of\s+(?P<q_y>{_YEAR}))?\b
        |\bQ(?P<q_d>[1-4])(?:\s+(?P<q_y2>{_YEAR}))?\b)
    | (?P<half>\b(?:the\s+)?(?P<h_n>first|second)\s+half\s+of\s+
        (?:(?P<h_y>{_YEAR})|the\s+year|(?P<h_rel>last|this|next)\s+year)\b)
    | (?P<season>\b(?:(?P<s_rel>last|this|next|the|in)\s+)?(?P<s_name>spring|summer|autumn|winter)
        (?:\s+(?:of\s+)?(?P<s_y>{_YEAR}))?\b)
    | (?P<ago>\b(?P<ago_n>{_COUNT})\s+(?P<ago_u>day|week|month|year|decade)s?\s+ago\b)
    | (?P<relunit>\b(?P<ru_rel>{_RELATIVE})\s+(?P<ru_u>{_UNIT})\b)
    | (?P<pod>\b(?P<pod_day>(?-i:[Tt]his|[Yy]esterday|[Tt]omorrow|[Ll]ast)|{_WEEKDAY})\s+
        (?P<pod_part>(?-i:morning|afternoon|evening|night))\b)
    | (?P<weekday>\b(?:(?P<wd_rel>last|this|next|on)\s+)?(?P<wd>{_WEEKDAY})\b)
    | (?P<deictic>\b(?-i:[Tt]oday|[Tt]onight|[Yy]esterday|[Tt]omorrow)\b(?!'s\s+(?-i:[A-Z])))
    | (?P<anaphor>\b(?:(?:later|earlier)\s+in|during|throughout)\s+(?P<an_the>the\s+(?P<an_u>week|month|year|day))\b)
    | (?P<q_ana>(?:\b(?:in|for|during|throughout)\s+(?P<q_the>the\s+(?:(?:latest|most\s+recent|same|current)\s+)?quarter)
        |\b(?P<q_latest>the\s+(?:latest|most\s+recent)\s+(?:quarter|period)))\b(?![\s-]+(?:of|century|final|mile|hour)\b))
    | (?P<yq>\b(?:(?P<yq_rel>this|last|next)\s+year[\'\u2019]s|(?:the\s+)?(?P<yq_y>{_YEAR}))\s+
        (?P<yq_n>first|second|third|fourth)[\s-]+quarter\b)
    | (?P<yago>\b(?:(?:the\s+)?(?:comparable\s+)?year[\s-](?:ago|earlier)(?:\s+(?:quarter|period))?
        |(?:a|one)\s+year\s+(?:earlier|before))\b)
    | (?P<vague>\b(?P<vague_rel>recent|coming|past|next|last)\s+(?:few\s+)?(?:days|weeks|months|years)\b)
    | (?P<ref>\b(?P<ref_now>(?:right\s+)?now(?!-)|currently|these\s+days)\b
        |\b(?P<ref_past>(?:more\s+)?recently|the\s+past\b(?!\s+(?:\d|few|several|{_COUNT}\b|{_UNIT}|days?\b)))
        |\b(?P<ref_future>the\s+(?:near\s+|distant\s+)?future)\b)
    | (?P<year>(?<![\w$£€¥.,/])(?P<y>{_YEAR})(?!s\b)\b(?![.,]\d|\s?%|\s?percent))
"""
DATE_PATTERN = re.compile(rf"(?<!\w)(?=\d|'\d|(?:{_FIRST}))(?:{DATE_FORMS})", re.VERBOSE | re.IGNORECASE)
ANAPHOR = re.compile(r"the\s+(?:(?P<which>latest|most\s+recent|same|current)\s+)?"
                     r"(?P<unit>week|month|year|day|quarter|(?<=latest\s)period|(?<=recent\s)period)", re.IGNORECASE)
FUTURE = re.compile(r"(?:\b(?:will|won't|shall|next|(?:is|are)\s+due\s+to|is\s+to|are\s+to|plans?\s+to|planned"
                    r"|expected\s+(?:to|in|on|by)|going\s+to|scheduled|set\s+to|upcoming|coming|later\s+this)|'ll)\b",
                    re.IGNORECASE)
# A clause that speaks of the past: a past-tense verb or a word that points back. A date whose
# clause speaks neither of the future nor of the past is the nearest one.
PAST = re.compile(r"\b(?:was|were|had|did|said|told|ago|earlier|previously|recently|last|[a-z]{3,}ed)\b",
                  re.IGNORECASE)
# Words before a date that point to a deadline or a due day, which a past verb does not put in the
# past (`extended to Nov. 20`, `is payable Jan. 2`, `completed by Dec. 15`, `effective June 1`).
FORWARD_BEFORE = re.compile(r"\b(?:to|until|till|by|through|effective|payable|due|expires?|expiring)\s+(?:on\s+)?$",
                            re.IGNORECASE)
# Where a clause starts or ends: a date's tense is its clause's (`..., which came into force on Thursday`).
CLAUSE_BREAK = re.compile(r"[,;:()\u2014]|\b(?:which|that|who|while|but|and|after|before|when|although|as)\b",
                          re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    """A date or time expression: `kind` is `date` or `time`; `start`/`end` offsets into the text."""

    start: int
    end: int
    kind: str


def find_dates(text: str) -> list[DateMention]:
    """Every date and time expression in `text`, in order, without overlap."""
    found = []
    for match in DATE_PATTERN.finditer(text):
        start, end = match.span()
        surface = match.group(0)
        if not _is_date(text, match):
            continue
        if match["anaphor"]:
            start = match.start("an_the")  # `later in the week` -> `the week`
        elif match["q_ana"] and match["q_the"]:
            start = match.start("q_the")  # `in the quarter` -> `the quarter`
        elif match["weekday"] and match["wd_rel"] and match["wd_rel"].lower() == "on":
            start += len(surface) - len(match["wd"])  # `on Friday` -> `Friday`
        elif surface[:4].lower() == "the " and not match["ref"]:  # `the past` is not `past`
            start += 4
        found.append(DateMention(start, end, "time" if match["time"] or match["pod"] else "date"))
    return found


# Words before a month name alone that make it the month (`in May`, not the verb `may`).
MONTH_BEFORE = re.compile(r"\b(?:in|since|until|till|by|from|during|before|after|of|early|late|mid|end)\s+$",
                          re.IGNORECASE)


def _is_date(text: str, match: re.Match) -> bool:
    """Whether a match is a date in its context: a month alone (`March`) or a season (`summer`)
    needs a word that makes it one (`in March`, `last summer`, `the summer`), or a year."""
    if match["my"] and not match["my_rel"] and not match["my_y"]:
        month = match["my_m"].rstrip(".")
        if month in ("May", "March"):
            return MONTH_BEFORE.search(text[max(0, match.start() - 12):match.start()]) is not None
        return len(month) > 4 or month in ("June", "July")
    if match["season"] and not match["s_rel"] and not match["s_y"]:
        return False
    if match["deictic"] and match["deictic"][0].isupper():
        # `Today` within a sentence is a name (BBC Radio 4's `Today` programme), not the day.
        before = text[max(0, match.start() - 3):match.start()]
        return match.start() == 0 or SENTENCE_BREAK.search(before) is not None
    return True


def clause_around(text: str, start: int, end: int) -> str:
    """The clause of the sentence holding text[start:end] (what says whether it is to come)."""
    sentence_start, sentence_end = sentence_span(text, start, end, reach=300)
    opened = [m.end() for m in CLAUSE_BREAK.finditer(text, sentence_start, start)]
    closed = CLAUSE_BREAK.search(text, end, sentence_end)
    return text[opened[-1] if opened else sentence_start:closed.start() if closed else sentence_end]


def refer_back(unit: str, anchor: dt.date, earlier: Sequence[str], latest: bool = False) -> tuple[str | None, str | None]:
    """`later in the week`, `during the year`, `in the quarter`: the week (day, month, quarter,
    year) of the last expression before it precise enough to have one (a quarter only from a
    quarter), else the document's own; `the latest quarter` with none before it is the last one
    ended (results are reported after their quarter)."""
    for value in reversed(earlier):
        if unit == "quarter" and re.fullmatch(r"\d{4}-Q[1-4]", value):
            return value, "quarter"
        day = start_of(value)
        if unit == "year" and re.fullmatch(r"\d{4}(?:-.*)?", value):
            return value[:4], "year"
        if day is None:
            continue
        if unit == "month" and not re.fullmatch(r"\d{4}-W\d{2}", value):
            return f"{day.year}-{day.month:02d}", "month"
        if unit == "week" and (re.fullmatch(r"\d{4}-W\d{2}", value) or len(value) >= 10):
            return _iso_week(day), "week"
        if unit == "day" and len(value) >= 10:
            return day.isoformat(), "day"
    if unit == "quarter":
        quarter = (anchor.month - 1) // 3 - (1 if latest else 0)
        return f"{anchor.year + quarter // 4}-Q{quarter % 4 + 1}", "quarter"
    return {"day": (anchor.isoformat(), "day"), "week": (_iso_week(anchor), "week"),
            "month": (f"{anchor.year}-{anchor.month:02d}", "month"), "year": (str(anchor.year), "year")}[unit]


def start_of(value: str | None) -> dt.date | None:
    """The first day of a TIMEX3 day, week, month or time value (`2022-W38` -> 2022-09-19); None
    for coarser or no values."""
    if not value:
        return None
    if re.fullmatch(r"\d{4}-W\d{2}", value):
        return dt.date.fromisocalendar(int(value[:4]), int(value[6:]), 1)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return dt.date(int(value[:4]), int(value[5:]), 1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:T.*)?", value):
        return dt.date.fromisoformat(value[:10])
    return None


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _month_value(month: int, anchor: dt.date, future: bool | None) -> str:
    year = anchor.year
    if future is None:  # no tense: the nearest such month
        year += min((-1, 0, 1), key=lambda shift: abs(12 * shift + month - anchor.month))
    elif future and month < anchor.month:
        year += 1
    elif not future and month > anchor.month:
        year -= 1
    return f"{year}-{month:02d}"


def _day_value(month: int, day: int, anchor: dt.date, future: bool | None) -> str | None:
    try:
        candidate = dt.date(anchor.year, month, day)
        if future is None:  # no tense: the nearest such day
            candidates = [candidate]
            for year in (anchor.year - 1, anchor.year + 1):
                try:
                    candidates.append(dt.date(year, month, day))
                except ValueError:  # 29 February
                    pass
            candidate = min(candidates, key=lambda date: abs((date - anchor).days))
        elif future and candidate < anchor:
            candidate = dt.date(anchor.year + 1, month, day)
        elif not future and candidate > anchor:
            candidate = dt.date(anchor.year - 1, month, day)
    except ValueError:
        return None
    return candidate.isoformat()


def refers_back(surface: str) -> bool:
    """Whether an expression's value is a year before one said earlier (`a year earlier`, `the
    year-ago quarter`): it names no new period, so it is not one a later expression refers to."""
    match = DATE_PATTERN.fullmatch(surface.strip()) or DATE_PATTERN.search(surface)
    if match is None:
        return False
    if match["yago"]:
        return True
    return bool(match["ago"]) and match["ago_u"].lower() == "year" and match["ago_n"].lower() in ("a", "one", "1")


def _year_before(anchor: dt.date, earlier: Sequence[str]) -> tuple[str, str]:
    """`a year ago`, `a year earlier`, `the year-ago quarter`: in results, the same quarter a year
    before the last quarter the document named; else the year before the document's."""
    quarter = next((value for value in reversed(earlier) if re.fullmatch(r"\d{4}-Q[1-4]", value)), None)
    if quarter is not None:
        return f"{int(quarter[:4]) - 1}{quarter[4:]}", "quarter"
    return str(anchor.year - 1), "year"


def _valid_day(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _month_of(name: str) -> int:
    key = name.lower().rstrip(".")
    return MONTH_NUMBER.get(key) or MONTH_NUMBER[key[:3]]


def _ordinal(text: str) -> int:
    text = text.lower()
    return int(re.sub(r"\D", "", text)) if text[0].isdigit() else ORDINAL_WORDS[text]


def resolve_date(surface: str, anchor: dt.date | None, sentence: str = "",
                 day_in_sentence: str | None = None, earlier: Sequence[str] = ()) -> tuple[str | None, str | None]:
    """(TIMEX3 value, granularity) of one expression; (None, None) when it has no fixed value or
    needs a document date it does not have. `sentence` is the text around it (for the future);
    `day_in_sentence`, a day (`YYYY-MM-DD`) another expression of the sentence names, dates a time;
    `earlier`, the values of the document's expressions before it, dates `later in the week`."""
    anaphor = ANAPHOR.fullmatch(surface.strip())
    if anaphor is not None:  # found after `later in`, `during`: `the week` names one already said
        unit = "quarter" if anaphor["unit"].lower() == "period" else anaphor["unit"].lower()
        latest = (anaphor["which"] or "").lower() in ("latest", "most recent")
        return refer_back(unit, anchor, earlier, latest) if anchor is not None else (None, None)
    match = DATE_PATTERN.fullmatch(surface.strip()) or DATE_PATTERN.search(surface)
    if match is None:
        return None, None
    future = True if FUTURE.search(sentence) else False if PAST.search(sentence) or not sentence else None
    at = sentence.find(surface)
    if future is False and at >= 0 and FORWARD_BEFORE.search(sentence[max(0, at - 30):at]):
        future = None  # `extended to Nov. 20`, `payable Jan. 2`: a past verb sets a date either side
    if match["iso"]:
        value = _valid_day(int(match["iso_y"]), int(match["iso_m"]), int(match["iso_d"]))
        return (value, "day") if value else (None, None)
    if match["time"]:
        day = day_in_sentence or (anchor.isoformat() if anchor else None)
        if day is None:
            return None, None
        numbers = re.findall(r"\d+", match["time"])
        if len(numbers) == 1 and len(numbers[0]) == 4:  # `1200 GMT`
            hour, minute = int(numbers[0][:2]), int(numbers[0][2:])
        else:
            hour, minute = int(numbers[0]), int(numbers[1]) if len(numbers) > 1 else 0
        ampm = (match["ampm"] or "").lower().replace(".", "")
        if ampm:
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        return f"{day}T{hour:02d}:{minute:02d}", "time"
    if match["mdy"] or match["dmy"]:
        prefix = "mdy" if match["mdy"] else "dmy"
        month, day = _month_of(match[f"{prefix}_m"]), int(re.sub(r"\D", "", match[f"{prefix}_d"]))
        year = match[f"{prefix}_y"]
        if year:
            value = _valid_day(int(year), month, day)
            return (value, "day") if value else (None, None)
        if anchor is None:
            return None, None
        value = _day_value(month, day, anchor, future)
        return (value, "day") if value else (None, None)
    if match["my"]:
        month = _month_of(match["my_m"])
        if match["my_y"]:
            return f"{match['my_y']}-{month:02d}", "month"
        if anchor is None:
            return None, None
        relative = (match["my_rel"] or "").strip().lower()
        if relative == "next":
            return _month_value(month, anchor + relativedelta(months=1), True), "month"
        if relative == "last":
            return _month_value(month, anchor - relativedelta(months=1), False), "month"
        return _month_value(month, anchor, future), "month"
    if match["decade"]:
        if match["dec_c"]:
            return f"{match['dec_c']}{match['dec_d']}", "decade"
        digit = int(match["dec_s"]) if match["dec_s"] else DECADE_WORDS[match["dec_w"].lower()]
        century = "19" if digit > 1 or anchor is None or anchor.year < 2000 else "20"
        return f"{century}{digit}", "decade"
    if match["century"]:
        return f"{_ordinal(match['cent']) - 1:02d}", "century"
    if match["quarter"]:
        number = int(match["q_d"]) if match["q_d"] else {"first": 1, "second": 2, "third": 3, "fourth": 4,
                                                          "final": 4, "last": 4}[match["q_n"].lower()]
        year = match["q_y"] or match["q_y2"]
        if year is None and anchor is not None:
            # A quarter not yet begun is last year's, unless the clause speaks of the future.
            year = str(anchor.year - (number > (anchor.month - 1) // 3 + 1 and not future))
        return (f"{year}-Q{number}", "quarter") if year else (None, None)
    if match["yq"]:
        number = {"first": 1, "second": 2, "third": 3, "fourth": 4}[match["yq_n"].lower()]
        if match["yq_y"]:
            return f"{match['yq_y']}-Q{number}", "quarter"
        if anchor is None:
            return None, None
        return f"{anchor.year + {'last': -1, 'next': 1}.get(match['yq_rel'].lower(), 0)}-Q{number}", "quarter"
    if match["yago"]:
        return _year_before(anchor, earlier) if anchor is not None else (None, None)
    if match["half"]:
        if match["h_y"]:
            year = int(match["h_y"])
        elif anchor is None:
            return None, None
        else:
            year = anchor.year + {"last": -1, "next": 1}.get((match["h_rel"] or "").lower(), 0)
        return f"{year}-H{1 if match['h_n'].lower() == 'first' else 2}", "half"
    if match["season"]:
        code = SEASONS[match["s_name"].lower()]
        if match["s_y"]:
            return f"{match['s_y']}-{code}", "season"
        if anchor is None:
            return None, None
        first, last = SEASON_MONTHS[code]
        relative = (match["s_rel"] or "").lower()
        shift = 0
        if relative == "last" and anchor.month <= last:
            shift = -1
        elif relative == "next" and anchor.month >= first:
            shift = 1
        return f"{anchor.year + shift}-{code}", "season"
    if match["year"]:
        return match["y"], "year"
    if match["ref"]:
        return ("PRESENT_REF" if match["ref_now"] else "PAST_REF" if match["ref_past"] else "FUTURE_REF"), "reference"
    if match["vague"]:
        return ("FUTURE_REF" if match["vague_rel"].lower() in ("coming", "next") else "PAST_REF"), "reference"
    if anchor is None:
        return None, None
    if match["deictic"]:
        word = match["deictic"].lower()
        day = anchor + dt.timedelta(days={"yesterday": -1, "tomorrow": 1}.get(word, 0))
        return day.isoformat(), "day"
    if match["pod"]:  # `Thursday evening`, `this morning`, `last night`: TimeML's parts of a day
        word = match["pod_day"].lower()
        if word in WEEKDAYS:
            day = resolve_date(match["pod_day"], anchor, sentence)[0]
        else:
            day = (anchor + dt.timedelta(days={"yesterday": -1, "last": -1, "tomorrow": 1}.get(word, 0))).isoformat()
        return f"{day}T{PARTS_OF_DAY[match['pod_part'].lower()]}", "time"
    if match["weekday"]:
        target = WEEKDAYS.index(match["wd"].lower())
        relative = (match["wd_rel"] or "").lower()
        if relative == "next" or (relative != "last" and future):
            ahead = (target - anchor.weekday()) % 7 or (7 if relative == "next" else 0)
            return (anchor + dt.timedelta(days=ahead)).isoformat(), "day"
        back = (anchor.weekday() - target) % 7
        if relative == "last" and back == 0:
            back = 7
        return (anchor - dt.timedelta(days=back)).isoformat(), "day"
    if match["ago"]:
        count = match["ago_n"].lower()
        n = int(count) if count.isdigit() else COUNT_WORDS[count]
        unit = match["ago_u"].lower()
        if unit == "day":
            return (anchor - dt.timedelta(days=n)).isoformat(), "day"
        if unit == "week":
            return _iso_week(anchor - dt.timedelta(weeks=n)), "week"
        if unit == "month":
            then = anchor - relativedelta(months=n)
            return f"{then.year}-{then.month:02d}", "month"
        if unit == "decade":
            return str((anchor.year - 10 * n) // 10), "decade"
        if n == 1:
            return _year_before(anchor, earlier)
        return str(anchor.year - n), "year"
    if match["relunit"]:
        relative, unit = match["ru_rel"].lower(), match["ru_u"].lower()
        step = {"last": -1, "past": -1, "previous": -1, "this": 0, "next": 1, "coming": 1, "following": 1}[relative]
        if relative in ("past", "coming"):  # `the past year`: a period up to now, not a calendar year
            return None, None
        if unit == "weekend":
            saturday = anchor + dt.timedelta(days=5 - anchor.weekday())  # this week's
            saturday += dt.timedelta(weeks=step if step or not future else 0)
            return _iso_week(saturday), "week"
        if unit == "week":
            return _iso_week(anchor + dt.timedelta(weeks=step)), "week"
        if unit == "month":
            then = anchor + relativedelta(months=step)
            return f"{then.year}-{then.month:02d}", "month"
        if unit == "quarter":
            quarter = (anchor.month - 1) // 3 + step
            year = anchor.year + quarter // 4
            return f"{year}-Q{quarter % 4 + 1}", "quarter"
        if unit == "decade":
            return str(anchor.year // 10 + step), "decade"
        return str(anchor.year + step), "year"
    return None, None


def reference_date(columns: Sequence[str]) -> pl.Expr:
    """What a document's relative dates are read from: its `published_date`, else (a page fetched
    without a date of its own) the day it was fetched."""
    if "fetched_at" in columns:
        return pl.coalesce("published_date", pl.col("fetched_at").dt.date()).alias("published_date")
    return pl.col("published_date")


#: ISO 8601's designators of the time units, as TimeML writes a duration (`P3D`, `P18M`, `PT2H`;
#: decades and centuries in years, as TimeBank writes them: `two decades` `P20Y`).
DURATION_DESIGNATORS = {"year": "Y", "month": "M", "week": "W", "day": "D", "hour": "TH", "minute": "TM",
                        "second": "TS"}
YEARS_IN = {"decade": 10, "century": 100}


def duration_value(amount: float | None, unit: str | None) -> str | None:
    """A duration's TIMEX3 value (`three days` -> `P3D`, `two hours` -> `PT2H`), or None for a
    unit with no designator (`nights`) or no amount."""
    if unit in YEARS_IN and amount is not None:
        amount, unit = amount * YEARS_IN[unit], "year"
    designator = DURATION_DESIGNATORS.get(unit or "")
    if amount is None or designator is None:
        return None
    number = f"{amount:g}" if amount != int(amount) else str(int(amount))
    return f"PT{number}{designator[1:]}" if designator.startswith("T") else f"P{number}{designator}"


_WRITTEN_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b|'\d{2}\b")
_WEEKDAY_WORD = re.compile(_WEEKDAY, re.IGNORECASE)
_MONTH_WORD = re.compile(_MONTH + r"|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.", re.IGNORECASE)
_SHIFT_WORD = re.compile(rf"\b(?:{_RELATIVE}|ago|later|earlier|yesterday|today|tomorrow|tonight)\b", re.IGNORECASE)


def date_evidence(surface: str, clause: str, value: str, granularity: str | None, kind: str) -> dict:
    """What a date's value rests on, for its `date_confidence`: the expression's form (a weekday,
    a month, a shift from the document's date, a bare year), whether it writes its year, the tense
    that chose past or future, and the value's precision."""
    form = ("reference" if value.endswith("_REF") else "anaphor" if ANAPHOR.fullmatch(surface.strip())
            else "weekday" if _WEEKDAY_WORD.search(surface) else "shift" if _SHIFT_WORD.search(surface)
            else "month" if _MONTH_WORD.search(surface) else "digits" if re.fullmatch(r"[\d\s/.:-]+", surface)
            else "other")
    tense = "future" if FUTURE.search(clause) else "past" if PAST.search(clause) else "none"
    return {"kind": kind, "granularity": granularity, "form": form, "tense": tense,
            "written_year": float(_WRITTEN_YEAR.search(surface) is not None),
            "words": math.log1p(len(surface.split()))}


def with_date_values(numbers: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Number rows with `date_value` and `date_granularity` set for dates and times, resolved
    against their document's `published_date`, else the day it was fetched (`fetched_at`); a time
    takes the day of a date in its sentence. A duration keeps its amount and unit and gets its
    TIMEX3 value too (`P3D`). A date or time with a value gets its `date_confidence` (and
    `date_evidence`, what it was computed from, not written)."""
    anchors = documents.select("doc_id", "text", reference_date(documents.columns))
    texts = {doc_id: (text, anchor) for doc_id, text, anchor in anchors.iter_rows()}
    rows = numbers.select("doc_id", "start_char", "end_char", "kind", "sentence_index", "value", "unit").iter_rows()
    values: list[str | None] = []
    granularities: list[str | None] = []
    days: dict[tuple[str, int], str] = {}
    earlier: dict[str, list[str]] = {}  # rows come in document order
    pending = []
    for i, (doc_id, start, end, kind, sentence, amount, unit) in enumerate(rows):
        values.append(None)
        granularities.append(None)
        if kind == "duration":
            values[i] = duration_value(amount, unit)
            granularities[i] = "duration" if values[i] else None
            continue
        if kind not in ("date", "time") or doc_id not in texts:
            continue
        text, published = texts[doc_id]
        if kind == "time":
            pending.append((i, doc_id, start, end, sentence))
            continue
        values[i], granularities[i] = resolve_date(text[start:end], published, clause_around(text, start, end),
                                                   earlier=earlier.get(doc_id, ()))
        # `a year earlier` in results is last year's quarter: not the quarter the text is about.
        if values[i] is not None and not (granularities[i] == "quarter" and refers_back(text[start:end])):
            earlier.setdefault(doc_id, []).append(values[i])
        if granularities[i] == "day":
            days.setdefault((doc_id, sentence), values[i])
    for i, doc_id, start, end, sentence in pending:
        text, published = texts[doc_id]
        values[i], granularities[i] = resolve_date(text[start:end], published, clause_around(text, start, end),
                                                   days.get((doc_id, sentence)))
    evidence: list[dict | None] = [None] * len(values)
    for i, (doc_id, start, end, kind) in enumerate(numbers.select("doc_id", "start_char", "end_char", "kind")
                                                   .iter_rows()):
        if kind in ("date", "time") and values[i] is not None:
            text = texts[doc_id][0]
            evidence[i] = date_evidence(text[start:end], clause_around(text, start, end), values[i],
                                        granularities[i], kind)
    return numbers.with_columns(date_value=pl.Series(values, dtype=pl.String),
                                date_granularity=pl.Series(granularities, dtype=pl.String),
                                **with_confidence("date", evidence))
