"""Other systems' answers in our terms, to score them beside ours: quantulum3, dateparser, and
Microsoft Recognizers-Text's English test specs read as gold."""

from __future__ import annotations

import functools
import json
import re
import warnings
from pathlib import Path

from tasks.units import COUNTRY_CURRENCIES, pint_name

CURRENCY_NAMES = {
    "dollar": "USD", "united states dollar": "USD", "us dollar": "USD", "euro": "EUR", "pound": "GBP",
    "british pound": "GBP", "pound sterling": "GBP", "yen": "JPY", "japanese yen": "JPY", "yuan": "CNY",
    "chinese yuan": "CNY", "rupee": "INR", "indian rupee": "INR", "swiss franc": "CHF", "ruble": "RUB",
    "russian ruble": "RUB", "hryvnia": "UAH", "ukrainian hryvnia": "UAH",
}
RECOGNIZERS_SPECS = {
    "Number/English/NumberModel.json": "number",
    "Number/English/NumberRangeModel.json": "range",
    "Number/English/OrdinalModel.json": "ordinal",
    "Number/English/PercentModel.json": "percent",
    "NumberWithUnit/English/CurrencyModel.json": "currency",
    "NumberWithUnit/English/DimensionModel.json": "dimension",
    "NumberWithUnit/English/AgeModel.json": "age",
    "NumberWithUnit/English/TemperatureModel.json": "temperature",
}
#: Each spec annotates one kind of number only, so each system is scored on its answers of that kind.
SPEC_KINDS = {
    "number": None, "range": None, "ordinal": {"ordinal"}, "percent": {"percent"}, "currency": {"money"},
    "dimension": {"measure"}, "age": {"age", "duration"}, "temperature": {"measure"},
}
TEMPERATURE_UNITS = {"c": "degree_Celsius", "f": "degree_Fahrenheit", "k": "kelvin"}


#: quantulum3's names that are another name of one of ours.
QUANTULUM_NAMES = {"pound-mass": "pound"}


def currency_code(name: str) -> str:
    """The ISO code of a currency's name (`euro`, `Hong Kong dollar`); the name, lower case, when it
    names no one currency (`franc`)."""
    words = " ".join(name.lower().split())
    if words in CURRENCY_NAMES:
        return CURRENCY_NAMES[words]
    country, _, currency = words.rpartition(" ")
    if currency in ("dollar", "peso", "franc", "pound", "rupee"):
        return COUNTRY_CURRENCIES.get(country, words)
    return words


def quantulum_numbers(text: str) -> list[dict]:
    """quantulum3's quantities in `text` as number rows (no object: quantulum3 does not give one)."""
    warnings.filterwarnings("ignore", module="quantulum3")
    from quantulum3 import classifier, parser

    # With scikit-learn installed (textacy brings it) quantulum3 loads its pickled unit classifier,
    # which scikit-learn releases since 1.3 cannot read; it is scored with its rules alone, as it
    # runs where scikit-learn is absent.
    classifier.USE_CLF = False

    rows = []
    for q in parser.parse(text):
        unit, entity = q.unit.name, q.unit.entity.name
        if entity == "dimensionless":
            unit = "percent" if unit == "percentage" else ""
        elif entity == "currency":
            unit = getattr(q.unit, "currency_code", None) or currency_code(unit)
        else:
            unit = pint_name(unit)
        start, end = q.span
        kind = {"dimensionless": "percent" if unit == "percent" else "count", "currency": "money",
                "time": "duration"}.get(entity, "measure")
        rows.append({"start": start, "end": end, "value": float(q.value), "value_low": None,
                     "value_high": None, "unit": unit, "object": "", "kind": kind})
    return rows


def _resolution(result: dict, kind: str) -> dict | None:
    resolution = result.get("Resolution") or {}
    value = str(resolution.get("value", ""))
    row = {"start": result["Start"], "end": result["End"] + 1, "value_low": None, "value_high": None,
           # The number, range and ordinal specs say nothing of units: `$20` there is the number 20.
           "unit": None if kind in ("number", "range", "ordinal") else "", "object": ""}
    if kind == "range":
        bounds = re.findall(r"-?[\d.]+", value)
        if len(bounds) != 2:
            return None  # open ranges (`more than 20`) have one bound
        row["value_low"], row["value_high"] = sorted(float(b) for b in bounds)
        row["value"] = (row["value_low"] + row["value_high"]) / 2
        return row
    try:
        row["value"] = float(value.rstrip("%").replace(",", ""))
    except ValueError:
        return None  # relative ordinals (`next`, `last`) have no number
    unit = resolution.get("unit", "")
    if kind == "percent":
        row["unit"] = "percent"
    elif kind == "currency":
        row["unit"] = currency_code(unit)
    elif kind == "temperature":
        row["unit"] = TEMPERATURE_UNITS.get(unit.lower(), pint_name(unit))
    elif kind in ("dimension", "age"):
        row["unit"] = pint_name(unit)
    return row


def read_recognizers_specs(root: Path) -> dict[str, list[dict]]:
    """Recognizers-Text English specs as gold records (`id`, `text`, `numbers`), by spec (End is inclusive there)."""
    out = {}
    for relative, kind in RECOGNIZERS_SPECS.items():
        path = root / "Specs" / relative if (root / "Specs").exists() else root / relative
        if not path.exists():
            continue
        records = []
        for i, case in enumerate(json.loads(path.read_text(encoding="utf-8-sig"))):
            numbers = [row for result in case.get("Results", []) if (row := _resolution(result, kind))]
            records.append({"id": f"{path.stem}/{i}", "text": case["Input"], "numbers": numbers,
                            "kinds": SPEC_KINDS[kind]})
        out[path.stem] = records
    return out


def quantulum_unit(name: str, entity: str = "") -> str:
    """A quantulum3 unit name (its `unit.name`, as its test sentences give them) in our vocabulary:
    no unit for a count, `percent`, a currency's ISO code, else the unit's pint name."""
    if name == "dimensionless":
        return ""
    if name == "percentage":
        return "percent"
    if entity == "currency" or name.lower() in CURRENCY_NAMES:
        return currency_code(name)
    return QUANTULUM_NAMES.get(name, pint_name(name))


def _year(surface: str, unit: str) -> bool:
    """A year quantulum3 counts as a plain number (`in 1979`): a date, scored by `newsfacts eval dates`."""
    return not unit and re.fullmatch(r"(?:1[0-9]|20)\d\d", surface.strip()) is not None


def read_quantulum_tests(text: str, name: str = "") -> list[dict]:
    """quantulum3's own test sentences (`quantities*.json`: [{"req": sentence, "res": [{"value",
    "unit", "surface", "uncertainty"?}]}]) as gold records (`id`, `text`, `numbers`), each quantity
    spanning its surface (found in order in the sentence); a value +- uncertainty is the range of
    its ends (`8- to 16-meter`: 12 +- 4). A year is kind `date`, left out of the numbers' scores
    with whatever either system reads there, as every date is."""
    try:
        cases = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not JSON: {exc}") from None
    records = []
    for i, case in enumerate(cases):
        sentence, numbers, at = case.get("req", ""), [], 0
        for quantity in case.get("res", []):
            start = sentence.find(quantity["surface"], at)
            if start < 0:
                raise ValueError(f"{name} case {i}: {quantity['surface']!r} is not in its sentence")
            at = end = start + len(quantity["surface"])
            value, spread = float(quantity["value"]), quantity.get("uncertainty")
            unit = quantulum_unit(quantity["unit"], quantity.get("entity", ""))
            numbers.append({"start": start, "end": end, "value": value,
                            "value_low": value - spread if spread else None,
                            "value_high": value + spread if spread else None,
                            "unit": unit, "object": "", "kind": "date" if _year(quantity["surface"], unit)
                            else "percent" if unit == "percent" else None})
        records.append({"id": f"{name}/{i}", "text": sentence, "numbers": numbers})
    return records


def dateparser_value(surface: str, anchor) -> str | None:
    """dateparser's reading of a date expression as a TIMEX3 value at the period it reports (day,
    week, month, year; a clock time as a minute), with `anchor` (a date) as the base of relative
    expressions and past dates preferred, as news reads; None when it finds no date. Without an
    anchor dateparser would read relative expressions against today, so they get None."""
    import datetime as dt

    settings = {"PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True}
    if anchor is not None:
        settings["RELATIVE_BASE"] = dt.datetime(anchor.year, anchor.month, anchor.day, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = _date_parser(tuple(sorted(settings.items()))).get_date_data(surface)
    when, period = data.date_obj, data.period
    if when is None:
        return None
    if anchor is None and not re.search(r"\d{4}", surface):
        return None
    if period == "time":
        return when.strftime("%Y-%m-%dT%H:%M")
    if period == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    return {"year": when.strftime("%Y"), "month": when.strftime("%Y-%m")}.get(period, when.strftime("%Y-%m-%d"))


@functools.lru_cache(maxsize=8)
def _date_parser(settings: tuple):
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings=dict(settings))


def textacy_quotes(docs) -> tuple[list[list[dict]], int]:
    """textacy's `direct_quotations` of parsed docs, as quotes: the content's span and the speaker
    words it returns (textacy resolves no pronoun or title: the words are its answer); and how many
    docs it refused."""
    from textacy.extract.triples import direct_quotations

    found, refused = [], 0
    for doc in docs:
        quotes = []
        try:
            triples = list(direct_quotations(doc))
        except ValueError:
            # It refuses a text with an odd number of quotation marks ("safest to bail out"): no quotes.
            triples, refused = [], refused + 1
        for triple in triples:
            speaker = sorted(triple.speaker, key=lambda token: token.i)
            quotes.append({
                "start": triple.content.start_char, "end": triple.content.end_char,
                "speaker_start": speaker[0].idx if speaker else None,
                "speaker_end": speaker[-1].idx + len(speaker[-1]) if speaker else None,
                "speaker_names": [" ".join(token.text for token in speaker)] if speaker else [],
            })
        found.append(quotes)
    return found, refused


def trafilatura_default(html: str) -> str | None:
    """A page's main text as trafilatura's default extraction gives it, called as the
    article-extraction benchmark calls it (comments left out)."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False)
