"""The unit vocabulary: news spellings read into one set of names (pint's, ISO 4217 codes), what an
amount is per, ages, and the words that tell pounds of weight, torque and sterling apart."""

import pint
import pytest

from tasks.numbers.mentions import find_numbers
from tasks.units import (MEASURE_SPELLINGS, PER_NOUNS, TIME_UNITS, currency_codes, per_unit_vocabulary, pint_name,
                         unit_vocabulary)


def one(text):
    (m,) = [m for m in find_numbers(text) if m.kind not in ("date", "time")]
    return text[m.start:m.end], m.value, m.kind, m.unit, m.per_unit


@pytest.mark.parametrize("text, expected", [
    ("a 32GB iPod", ("32GB", 32, "measure", "gigabyte", "")),
    ("a chip running at 3.2GHz", ("3.2GHz", 3.2, "measure", "gigahertz", "")),
    ("a 50 Hz supply", ("50 Hz", 50, "measure", "hertz", "")),
    ("a 200hp engine", ("200hp", 200, "measure", "horsepower", "")),
    ("a 3,000mAh battery", ("3,000mAh", 3000, "measure", "milliampere_hour", "")),
    ("levels of 40 parts per billion", ("40 parts per billion", 40, "measure", "parts_per_billion", "")),
    ("at 70 mph", ("70 mph", 70, "measure", "mile_per_hour", "")),
    ("at 70 miles per hour", ("70 miles per hour", 70, "measure", "mile_per_hour", "")),
    ("pumping 1.2m barrels a day", ("1.2m barrels a day", 1.2e6, "measure", "barrel_per_day", "")),
    ("the 15-year-old boy", ("15-year-old", 15, "age", "year", "")),
    ("a boy aged 15", ("15", 15, "age", "year", "")),
    ("she is 15 years old", ("15 years old", 15, "age", "year", "")),
    ("a six-month-old baby", ("six-month-old", 6, "age", "month", "")),
    ("it lasted 15 years", ("15 years", 15, "duration", "year", "")),
    ("275 pound-feet of torque", ("275 pound-feet", 275, "measure", "pound_force_foot", "")),
    ("he weighs 200 pounds", ("200 pounds", 200, "measure", "pound", "")),
    ("seized 10 pounds of cocaine", ("10 pounds", 10, "measure", "pound", "")),
    ("a fine of 500 pounds", ("500 pounds", 500, "money", "GBP", "")),
    ("oil rose to $58.24 per barrel", ("$58.24 per barrel", 58.24, "money", "USD", "barrel")),
    ("earnings of 15 cents a share", ("15 cents a share", 0.15, "money", "USD", "share")),
    ("offices at $300 per square foot", ("$300 per square foot", 300, "money", "USD", "square_foot")),
    ("rent of £500 a month", ("£500 a month", 500, "money", "GBP", "month")),
    ("compared with $142m a year earlier", ("$142m", 142e6, "money", "USD", "")),
    ("a stamp costs 20p", ("20p", 0.2, "money", "GBP", "")),
    ("profits of 5bn yen", ("5bn yen", 5e9, "money", "JPY", "")),
    ("sales of 10m yuan", ("10m yuan", 1e7, "money", "CNY", "")),
    ("a 500bn won deal", ("500bn won", 5e11, "money", "KRW", "")),
    ("Burnout 3 won the prize", ("3", 3, "count", "", "")),
    ("worth 2bn rupees", ("2bn rupees", 2e9, "money", "INR", "")),
    ("a 418bn-rand budget", ("418bn-rand", 4.18e11, "money", "ZAR", "")),
    ("it raised HK$3m", ("HK$3m", 3e6, "money", "HKD", "")),
    ("it raised A$40m", ("A$40m", 4e7, "money", "AUD", "")),
    ("it raised 10m Hong Kong dollars", ("10m Hong Kong dollars", 1e7, "money", "HKD", "")),
    ("it cost billions of dollars", ("billions of dollars", 5.5e9, "money", "USD", "")),
    ("priced at $30-35", ("$30-35", 32.5, "money", "USD", "")),
    ("the wall is 2m tall", ("2m", 2, "measure", "meter", "")),
    ("he won the 100m sprint", ("100m", 100, "measure", "meter", "")),
    ("it raised 2m for charity", ("2m", 2e6, "count", "", "")),
    ("the index fell 50 points", ("50 points", 50, "measure", "point", "")),
    ("it fell to 20 degrees C", ("20 degrees C", 20, "measure", "degree_Celsius", "")),
    ("3bn cubic metres of gas", ("3bn cubic metres", 3e9, "measure", "cubic_meter", "")),
    ("a fee of 20 € was paid", ("20 €", 20, "money", "EUR", "")),
    ("it raised Mex$10m", ("Mex$10m", 1e7, "money", "MXN", "")),
])
def test_units_are_read_into_one_vocabulary(text, expected):
    surface, value, kind, unit, per_unit = one(text)
    assert (surface, value, kind, unit, per_unit) == (expected[0], pytest.approx(expected[1]), *expected[2:])
    assert unit in unit_vocabulary() and per_unit in per_unit_vocabulary()


def test_cents_are_hundredths_of_the_dollar_or_euro_named_before():
    text = "It earned 40 cents per share. After €3 it fell 5 cents."
    assert [(m.unit, m.per_unit) for m in find_numbers(text)] == [("USD", "share"), ("EUR", ""), ("EUR", "")]


def test_a_change_and_the_level_it_reached_are_no_range():
    text = "Oil rose by more than $2 to $43.25."
    assert [text[m.start:m.end] for m in find_numbers(text)] == ["more than $2", "$43.25"]


def pint_expression(name: str) -> str:
    """A vocabulary name as pint writes it: compounds are `square_`, `_per_` and products."""
    special = {"pound_force_foot": "force_pound * foot", "newton_meter": "newton * meter",
               "parts_per_million": "ppm"}
    if name in special:
        return special[name]
    if name.startswith("square_"):
        return f"{name.removeprefix('square_')} ** 2"
    if name.startswith("cubic_") and name != "cubic_foot":  # pint names cubic feet itself, not cubic metres
        return f"{name.removeprefix('cubic_')} ** 3"
    return name.replace("_per_", " / ")


def test_every_measure_name_is_pints_own():
    registry = pint.UnitRegistry()
    # pint knows `ppm` but has no parts per billion: the one name of the vocabulary it cannot read.
    for name in sorted(set(MEASURE_SPELLINGS.values()) - {"parts_per_billion"}):
        units = registry.parse_units(pint_expression(name))  # raises for a name pint does not have
        if pint_expression(name) == name:
            assert str(units) == name, name
    # Spellings pint reads itself give the name pint gives them.
    for spelling, name in MEASURE_SPELLINGS.items():
        try:
            theirs = registry.parse_units(spelling)
        except Exception:  # noqa: BLE001 - news spellings pint does not know (`sq km`, `pound-feet`)
            continue
        if str(theirs) in ("ppm",) or "*" in str(theirs) or "**" in str(theirs):
            continue
        assert pint_name(spelling) == name, spelling


def test_the_vocabulary_holds_codes_time_units_and_nouns():
    vocabulary = unit_vocabulary()
    assert {"USD", "JPY", "KRW", "HKD", "AUD", "percent", "percentage_point", "point", "year"} <= vocabulary
    assert {"gigabyte", "hertz", "horsepower", "mile_per_hour", "milliampere_hour", "parts_per_billion"} <= vocabulary
    assert "gb" not in vocabulary and "mph" not in vocabulary and "hz" not in vocabulary
    assert len(currency_codes()) > 150
    assert set(TIME_UNITS) | set(PER_NOUNS.values()) <= per_unit_vocabulary()
