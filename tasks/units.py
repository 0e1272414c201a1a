"""The one vocabulary of `numbers.unit` and `numbers.per_unit`, and the spellings news uses for it.

- measures: pint's full unit names, singular (`kilometer`, `gigabyte`, `mile_per_hour`); each
  spelling below is mapped to the name pint itself gives it (a test holds the table to pint), so
  reading a number needs no unit registry;
- money: ISO 4217 codes (pycountry's list), by symbol (`$`, `HK$`, `A$`, `¥`), code or name (`yen`,
  `yuan`, `won`, `rupees`, `Hong Kong dollars`); cents and pence are amounts of their currency;
- `percent`, `percentage_point`, `point` (index and score points), and the time units of durations
  and ages.
"""

from __future__ import annotations

import functools
import re

#: Spelling (lower case; `/` and `-` as written) -> pint's name. Longer spellings first in the grammar.
MEASURE_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(("km", "kilometre", "kilometres", "kilometer", "kilometers"), "kilometer"),
    **dict.fromkeys(("mile", "miles"), "mile"),
    **dict.fromkeys(("metre", "metres", "meter", "meters"), "meter"),
    **dict.fromkeys(("cm", "centimetre", "centimetres", "centimeter", "centimeters"), "centimeter"),
    **dict.fromkeys(("mm", "millimetre", "millimetres", "millimeter", "millimeters"), "millimeter"),
    **dict.fromkeys(("feet", "foot", "ft"), "foot"),
    **dict.fromkeys(("inch", "inches"), "inch"),
    **dict.fromkeys(("yard", "yards"), "yard"),
    **dict.fromkeys(("kg", "kilogram", "kilograms", "kilo", "kilos"), "kilogram"),
    **dict.fromkeys(("gram", "grams"), "gram"),
    **dict.fromkeys(("mg", "milligram", "milligrams"), "milligram"),
    **dict.fromkeys(("lb", "lbs"), "pound"),
    **dict.fromkeys(("ounce", "ounces", "oz"), "ounce"),
    **dict.fromkeys(("tonne", "tonnes", "metric ton", "metric tons", "metric tonne", "metric tonnes"), "metric_ton"),
    **dict.fromkeys(("ton", "tons"), "ton"),
    **dict.fromkeys(("litre", "litres", "liter", "liters"), "liter"),
    **dict.fromkeys(("ml", "millilitre", "millilitres", "milliliter", "milliliters"), "milliliter"),
    **dict.fromkeys(("gallon", "gallons"), "gallon"),
    **dict.fromkeys(("cup", "cups"), "cup"),
    **dict.fromkeys(("tablespoon", "tablespoons", "tbsp"), "tablespoon"),
    **dict.fromkeys(("teaspoon", "teaspoons", "tsp"), "teaspoon"),
    **dict.fromkeys(("barrel", "barrels"), "barrel"),
    **dict.fromkeys(("acre", "acres"), "acre"),
    **dict.fromkeys(("hectare", "hectares"), "hectare"),
    **dict.fromkeys(("sq km", "sqkm", "km2", "square kilometre", "square kilometres", "square kilometer",
                     "square kilometers"), "square_kilometer"),
    **dict.fromkeys(("square mile", "square miles", "sq mile", "sq miles"), "square_mile"),
    **dict.fromkeys(("cubic metre", "cubic metres", "cubic meter", "cubic meters"), "cubic_meter"),
    **dict.fromkeys(("cubic kilometre", "cubic kilometres", "cubic kilometer", "cubic kilometers"),
                    "cubic_kilometer"),
    **dict.fromkeys(("cubic foot", "cubic feet"), "cubic_foot"),
    **dict.fromkeys(("square metre", "square metres", "square meter", "square meters", "sq m"), "square_meter"),
    **dict.fromkeys(("square foot", "square feet", "sq ft"), "square_foot"),
    **dict.fromkeys(("mph", "miles per hour", "miles an hour", "mile per hour"), "mile_per_hour"),
    **dict.fromkeys(("km/h", "kph", "kmh", "kilometres per hour", "kilometres an hour", "kilometers per hour",
                     "kilometers an hour"), "kilometer_per_hour"),
    **dict.fromkeys(("knot", "knots"), "knot"),
    **dict.fromkeys(("watt", "watts"), "watt"),
    **dict.fromkeys(("kw", "kilowatt", "kilowatts"), "kilowatt"),
    **dict.fromkeys(("mw", "megawatt", "megawatts"), "megawatt"),
    **dict.fromkeys(("gw", "gigawatt", "gigawatts"), "gigawatt"),
    **dict.fromkeys(("kwh", "kilowatt hour", "kilowatt hours", "kilowatt-hour", "kilowatt-hours"), "kilowatt_hour"),
    **dict.fromkeys(("mwh", "megawatt hour", "megawatt hours", "megawatt-hour", "megawatt-hours"), "megawatt_hour"),
    **dict.fromkeys(("bit", "bits"), "bit"),
    **dict.fromkeys(("byte", "bytes"), "byte"),
    **dict.fromkeys(("kb", "kilobyte", "kilobytes"), "kilobyte"),
    **dict.fromkeys(("mb", "megabyte", "megabytes"), "megabyte"),
    **dict.fromkeys(("gb", "gigabyte", "gigabytes"), "gigabyte"),
    **dict.fromkeys(("tb", "terabyte", "terabytes"), "terabyte"),
    **dict.fromkeys(("petabyte", "petabytes"), "petabyte"),
    **dict.fromkeys(("exabyte", "exabytes"), "exabyte"),
    **dict.fromkeys(("kbps", "kbit/s", "kilobits per second"), "kilobit_per_second"),
    **dict.fromkeys(("mbps", "mbit/s", "megabits per second", "megabit per second"), "megabit_per_second"),
    **dict.fromkeys(("gbps", "gbit/s", "gigabits per second"), "gigabit_per_second"),
    **dict.fromkeys(("hz", "hertz"), "hertz"),
    **dict.fromkeys(("khz", "kilohertz"), "kilohertz"),
    **dict.fromkeys(("mhz", "megahertz"), "megahertz"),
    **dict.fromkeys(("ghz", "gigahertz"), "gigahertz"),
    **dict.fromkeys(("hp", "bhp", "horsepower", "horse power"), "horsepower"),
    **dict.fromkeys(("mah", "milliamp hours", "milliampere hours", "milliamp-hours"), "milliampere_hour"),
    **dict.fromkeys(("ppm", "parts per million"), "parts_per_million"),
    **dict.fromkeys(("ppb", "parts per billion"), "parts_per_billion"),
    **dict.fromkeys(("pound-feet", "pound-foot", "pound feet", "pound foot", "lb-ft", "lb ft", "lb-ft.", "foot-pounds",
                     "foot pounds", "ft-lb", "ft-lbs"), "pound_force_foot"),
    **dict.fromkeys(("newton metres", "newton meters", "newton-metres", "newton-meters"), "newton_meter"),
    **dict.fromkeys(("degrees celsius", "degree celsius", "degrees centigrade", "celsius", "centigrade", "°c",
                     "degrees c", "degree c", "deg c", "celcius", "degrees celcius"), "degree_Celsius"),
    **dict.fromkeys(("degrees fahrenheit", "degree fahrenheit", "fahrenheit", "°f", "degrees f", "degree f", "deg f",
                     "farenheit", "degrees farenheit"), "degree_Fahrenheit"),
    **dict.fromkeys(("degree", "degrees"), "degree"),
    **dict.fromkeys(("megapixel", "megapixels"), "megapixel"),
    **dict.fromkeys(("carat", "carats"), "carat"),
    **dict.fromkeys(("point", "points", "pts"), "point"),
    **dict.fromkeys(("mpg", "miles per gallon", "mile per gallon"), "mile_per_gallon"),
    **dict.fromkeys(("rpm", "revolutions per minute"), "revolutions_per_minute"),
    **dict.fromkeys(("psi",), "pound_force_per_square_inch"),
    **dict.fromkeys(("ksi",), "kip_per_square_inch"),
    **dict.fromkeys(("gigapascal", "gigapascals"), "gigapascal"),
    **dict.fromkeys(("megapascal", "megapascals"), "megapascal"),
    **dict.fromkeys(("kilopascal", "kilopascals"), "kilopascal"),
    **dict.fromkeys(("micrometre", "micrometres", "micrometer", "micrometers", "micron", "microns"), "micrometer"),
    **dict.fromkeys(("nanometre", "nanometres", "nanometer", "nanometers"), "nanometer"),
    **dict.fromkeys(("electronvolt", "electronvolts", "electron volt", "electron volts"), "electron_volt"),
    **dict.fromkeys(("watt hour", "watt hours", "watt-hour", "watt-hours"), "watt_hour"),
    **dict.fromkeys(("centilitre", "centilitres", "centiliter", "centiliters"), "centiliter"),
    **dict.fromkeys(("microgram", "micrograms"), "microgram"),
    **dict.fromkeys(("square centimetre", "square centimetres", "square centimeter", "square centimeters"),
                    "square_centimeter"),
}
#: Abbreviations read only as written (`eV`, `GPa`, `mi`): in another case they are words or other units.
CASED_MEASURE_SPELLINGS: dict[str, str] = {
    "\u03bcm": "micrometer", "\u00b5m": "micrometer", "\u03bcg": "microgram", "\u00b5g": "microgram",
    "GPa": "gigapascal", "MPa": "megapascal", "kPa": "kilopascal", "RPM": "revolutions_per_minute",
    "eV": "electron_volt", "keV": "kiloelectron_volt", "MeV": "megaelectron_volt", "GeV": "gigaelectron_volt",
    "TeV": "teraelectron_volt", "Wh": "watt_hour", "mi": "mile", "sq mi": "square_mile", "L": "liter",
    "cl": "centiliter", "mL": "milliliter", "mGy": "milligray", "Gy": "gray", "kN": "kilonewton",
    "mA": "milliampere", "mV": "millivolt", "kV": "kilovolt", "A/cm2": "ampere_per_square_centimeter",
    "cm2": "square_centimeter", "cm\u00b2": "square_centimeter", "m2": "square_meter", "m\u00b2": "square_meter",
    "km\u00b2": "square_kilometer", "MPG": "mile_per_gallon",
}
#: Time units of durations and ages (and what an amount may be per).
TIME_UNITS = ("year", "month", "week", "day", "hour", "minute", "second", "decade", "century")
TIME_SPELLINGS = {**{u: u for u in TIME_UNITS}, **{u + "s": u for u in TIME_UNITS}, "centuries": "century",
                  "yr": "year", "yrs": "year", "hr": "hour", "hrs": "hour", "min": "minute", "mins": "minute",
                  "night": "night", "nights": "night"}
#: What else an amount is per (`15 cents a share`, `$30,000 a head`): nouns, singular.
PER_NOUNS = {
    **dict.fromkeys(("share", "shares"), "share"),
    **dict.fromkeys(("person", "people", "head", "capita"), "person"),
    **dict.fromkeys(("household", "households"), "household"),
    **dict.fromkeys(("passenger", "passengers"), "passenger"),
    **dict.fromkeys(("employee", "employees", "worker", "workers"), "employee"),
    **dict.fromkeys(("student", "students", "pupil", "pupils"), "student"),
    **dict.fromkeys(("unit", "units"), "unit"),
    **dict.fromkeys(("copy", "copies"), "copy"),
    **dict.fromkeys(("ticket", "tickets"), "ticket"),
    **dict.fromkeys(("vehicle", "vehicles", "car", "cars"), "vehicle"),
    **dict.fromkeys(("game", "games", "match", "matches"), "game"),
}
RATIO_UNITS = ("percent", "percentage_point")

#: Currency symbols written before an amount, and their codes.
CURRENCY_SYMBOLS = {"US$": "USD", "C$": "CAD", "A$": "AUD", "AU$": "AUD", "HK$": "HKD", "NZ$": "NZD", "S$": "SGD",
                    "NT$": "TWD", "R$": "BRL", "Mex$": "MXN", "$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY",
                    "₽": "RUB", "₴": "UAH", "₹": "INR", "₩": "KRW", "Rs": "INR", "Rs.": "INR"}
#: ISO codes read before or after an amount (`USD 5m`, `5m euros`); any ISO 4217 code is a valid unit.
CURRENCY_CODES = ("USD", "EUR", "GBP", "JPY", "RUB", "UAH", "CNY", "INR", "CHF", "AUD", "CAD", "HKD", "KRW", "SEK",
                  "NOK", "DKK", "ZAR", "BRL", "MXN", "SGD", "NZD", "TRY")
#: Currency names after an amount (singular, lower case) and their codes; a country's adjective
#: before `dollar`, `pound`, `franc`, `rupee`, `peso` or `krona` chooses among them (`COUNTRY_CURRENCIES`).
CURRENCY_WORDS = {"dollar": "USD", "euro": "EUR", "pound": "GBP", "sterling": "GBP", "yen": "JPY", "rouble": "RUB",
                  "ruble": "RUB", "hryvnia": "UAH", "yuan": "CNY", "renminbi": "CNY", "rupee": "INR", "won": "KRW",
                  "franc": "CHF", "rand": "ZAR", "krona": "SEK", "kronor": "SEK", "krone": "NOK", "kroner": "NOK",
                  "lira": "TRY", "baht": "THB", "ringgit": "MYR", "naira": "NGN", "shekel": "ILS", "peso": "MXN",
                  "reais": "BRL", "zloty": "PLN", "forint": "HUF", "dirham": "AED", "riyal": "SAR"}
COUNTRY_CURRENCIES = {
    "us": "USD", "u.s.": "USD", "american": "USD", "hong kong": "HKD", "australian": "AUD", "canadian": "CAD",
    "new zealand": "NZD", "singapore": "SGD", "taiwan": "TWD", "taiwanese": "TWD", "zimbabwe": "ZWL",
    "swiss": "CHF", "french": "FRF", "egyptian": "EGP", "lebanese": "LBP", "syrian": "SYP",
    "indian": "INR", "pakistani": "PKR", "sri lankan": "LKR", "nepalese": "NPR",
    "mexican": "MXN", "argentine": "ARS", "argentinian": "ARS", "chilean": "CLP", "colombian": "COP",
    "philippine": "PHP", "swedish": "SEK", "norwegian": "NOK", "danish": "DKK", "icelandic": "ISK",
}
#: Hundredths of a currency: `15 cents` (the dollar or euro named before, else USD), `20p`, `20 pence`.
MINOR_UNITS = {"cent": None, "cents": None, "pence": "GBP", "p": "GBP", "penny": "GBP"}


def measure_name(spelling: str) -> str:
    """The vocabulary's name of a measure spelling (`km` -> `kilometer`, `GB` -> `gigabyte`)."""
    cased = " ".join(spelling.split())
    if cased in CASED_MEASURE_SPELLINGS:
        return CASED_MEASURE_SPELLINGS[cased]
    words = " ".join(spelling.lower().replace("\u00b0 ", "\u00b0").split())
    return MEASURE_SPELLINGS.get(words) or MEASURE_SPELLINGS.get(words.rstrip(".")) or words


@functools.lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


@functools.lru_cache(maxsize=256)
def pint_name(spelling: str) -> str:
    """The vocabulary's name of any unit spelling pint reads (`kilometre` -> `kilometer`, `km/h` ->
    `kilometer_per_hour`), for other systems' units; the spelling itself when pint cannot read it."""
    known = measure_name(spelling)
    if known in MEASURE_SPELLINGS.values() or known in CASED_MEASURE_SPELLINGS.values():
        return known
    for text in (spelling.strip(), spelling.strip().lower()):
        try:
            units = _registry().parse_units(text.replace("/", " / "))
        except Exception:  # pint raises several unrelated types for unknown names
            continue
        powers = {1: "", 2: "square_", 3: "cubic_"}
        above = [powers.get(p, "") + n for n, p in units._units.items() if p > 0]
        below = [powers.get(-p, "") + n for n, p in units._units.items() if p < 0]
        return "_".join(above) + "".join("_per_" + n for n in below)
    return " ".join(spelling.lower().split())


def time_name(spelling: str) -> str:
    return TIME_SPELLINGS.get(spelling.lower().strip(), spelling.lower().strip())


def per_name(spelling: str) -> str:
    """What `per X` / `a X` names, singular: a time unit, a measure (`square foot`), a noun (`share`)."""
    words = " ".join(spelling.lower().split())
    return TIME_SPELLINGS.get(words) or PER_NOUNS.get(words) or MEASURE_SPELLINGS.get(words) or words


@functools.lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code (pycountry's list), and those of currencies since replaced that news of
    the time names (`FRF`, `ZWL`)."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies) | {"FRF", "DEM", "ITL", "ESP", "ZWL"}


def measure_units() -> tuple[str, ...]:
    """Measure names: each spelling's, and each per a time unit (`barrel_per_day`)."""
    names = sorted(set(MEASURE_SPELLINGS.values()) | set(CASED_MEASURE_SPELLINGS.values()))
    return tuple(names + [f"{name}_per_{time}" for name in names if "_per_" not in name for time in TIME_UNITS])


def unit_vocabulary() -> frozenset[str]:
    """Every value `numbers.unit` may hold: the empty string (plain counts), ratio units, measures,
    time units, ISO 4217 codes."""
    return frozenset({"", *RATIO_UNITS, *measure_units(), *TIME_UNITS}) | currency_codes()


def per_unit_vocabulary() -> frozenset[str]:
    """Every value `numbers.per_unit` may hold: the empty string, time units (and `night`),
    measures and the nouns an amount is counted per."""
    return frozenset({"", *TIME_UNITS, "night", *measure_units(), *PER_NOUNS.values()})


def spelling_pattern(spellings) -> str:
    """A regex alternation of spellings, longest first, spaces and dots matched loosely."""
    ordered = sorted(set(spellings), key=lambda s: (-len(s), s))
    return "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in ordered)
