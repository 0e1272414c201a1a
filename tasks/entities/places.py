"""Places in context: each place mention resolved to one gazetteer entry by what its document says,
and each document's focus.

A name with an administrative word beside it (`Kherson Oblast`, `Kherson and Zaporizhzhia regions`,
`Donetsk People's Republic`, `the region of Kherson`) is the division, not its capital. Otherwise
the candidates a spelling names (`tasks.entities.gazetteer.place_candidates`) are scored: countries, then
regions and continents, then cities by population, then divisions, unless the document points
elsewhere: a place qualified in the text (`Paris, Texas`), a division or country the document
names, its dateline (`MOSCOW, Russia`) and its focus country, voted by its unambiguous places.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from tasks.confidence.calibrated import with_confidence
from tasks.entities.gazetteer import (
    ADMIN_SUFFIXES,
    ADMIN_WORDS,
    Place,
    abbreviated_place,
    demonyms,
    divisions_first,
    fold,
    place_by_id,
    place_candidates,
    small_namesakes,
    small_places,
)
from tasks.entities.ids import place_entity_id

PLACE_MENTION_LABELS = ("GPE", "LOC", "FAC")
NATIONALITY = "NORP"
_NAME = r"[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*){0,2}"
# `Kherson and Zaporizhzhia regions`, `the Donetsk, Luhansk, Kherson and Zaporozhye regions`: the
# word after the list makes each name in it a division.
DESIGNATED_AFTER = re.compile(rf"^(?:\s*,\s*(?:(?i:the)\s+)?{_NAME})*"
                              rf"(?:\s*,?\s+(?i:and|or)\s+(?:(?i:the)\s+)?{_NAME})?"
                              rf"(?<!United)\s+(?i:{ADMIN_WORDS})\b")
DESIGNATED_BEFORE = re.compile(r"\b(?:region|province|oblast|state|county)\s+of\s+(?:the\s+)?$", re.IGNORECASE)
# `the southern cities of Mykolaiv and Odessa`, `the town of Izium`: a city, not the division.
CITY_BEFORE = re.compile(rf"\b(?:city|cities|town|towns|port|ports|village|villages)\s+of\s+"
                         rf"(?:{_NAME}(?:,\s+|\s+and\s+))*$")
# `Paris, Texas`, `Portland, Maine`: the name after the comma holds the place.
QUALIFIED_BY = re.compile(rf"^,\s+(?P<name>{_NAME})(?![\w'\u2019])")
# `Corbin, Ky.`, `Buffalo, NY`, `Perth, WA`: an abbreviated state or province after the town.
ABBREVIATED_BY = re.compile(r"^,\s+(?P<name>(?:[A-Z][a-z]{0,4}\.){1,3}|[A-Z]{2,3}\b)")
DATELINE_PARTS = re.compile(r"\s*[,/]\s*")
# How much each kind of evidence weighs against a city's log10 population.
PRIORS = {"country": 100.0, "region": 90.0, "continent": 90.0, "admin1": 6.0, "admin2": 2.0, "landmark": 1.0}
# A capital is what a name most often means in the news (`Washington` over the state).
CAPITAL = 1.0
DESIGNATED, QUALIFIED, DATELINE, FOCUS_COUNTRY, NAMED_DIVISION, NAMED_COUNTRY = 1000.0, 500.0, 10.0, 3.0, 4.0, 1.5
# A division of the document's own country outweighs a foreign country of the same name that the
# document says nothing else about (`Georgia` in a story about Atlanta).
FOCUS_DIVISION = 200.0
# A country named (or only possible) this close to a mention counts for it again (`the UK plant
# at Gaydon, near Warwick`), over the document's focus.
NEARBY, NEARBY_CHARS = 3.5, 300


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    text: str
    label: str


@dataclass(frozen=True)
class DocumentPlaces:
    """A document's places: one per mention (None where no known place), its focus country and
    place, and what decided each place (`place_evidence`; None where no place)."""

    places: list[Place | None]
    focus_country: str | None
    focus_place: Place | None
    evidence: list[dict | None]


def _prior(place: Place) -> float:
    if place.feature_class == "city":
        return math.log10(max(place.population, 1) + 10) + (CAPITAL if place.capital else 0.0)
    return PRIORS.get(place.feature_class, 0.0)


def _designated(text: str, mention: PlaceMention) -> bool:
    return (ADMIN_SUFFIXES.search(fold(mention.text)) is not None
            or DESIGNATED_AFTER.match(text[mention.end:mention.end + 60]) is not None
            or DESIGNATED_BEFORE.search(text[max(0, mention.start - 30):mention.start]) is not None)


def _with_local_towns(mention: PlaceMention, places: tuple[Place, ...], divisions: set[str | None],
                      qualifier: Place | None) -> tuple[Place, ...]:
    """A town's candidates with the towns of its name too small for the index (`small_namesakes`)
    that lie in a division the document names or in the one qualifying it (`Glasgow, Ky.`); a
    division's or country's name (`Wales`) is left alone."""
    if not places or mention.label not in ("GPE", "LOC") or any(p.feature_class != "city" for p in places):
        return places
    held = {p.external_id for p in places}
    local = [p for p in small_namesakes(mention.text) if p.external_id not in held
             and (p.admin1_code in divisions or (qualifier is not None and _contains(qualifier, p)))]
    return places + tuple(local) if local else places


def _postal(text: str, mention: PlaceMention) -> tuple[Place, ...]:
    """A postal code right after a town (`Buffalo, NY`) as its division; elsewhere `LA` or `ON`
    are too often something else."""
    after_town = text[max(0, mention.start - 2):mention.start] == ", "
    place = abbreviated_place(mention.text, postal=True) if after_town else None
    return (place,) if place is not None else ()


def _city_designated(text: str, mention: PlaceMention) -> bool:
    return CITY_BEFORE.search(text[max(0, mention.start - 80):mention.start]) is not None


def _qualifier(text: str, mention: PlaceMention) -> Place | None:
    """The country or division named right after a comma (`Paris, Texas`), if any."""
    abbreviated = ABBREVIATED_BY.match(text[mention.end:mention.end + 12])
    if abbreviated is not None and (holder := abbreviated_place(abbreviated["name"], postal=True)) is not None:
        return holder
    match = QUALIFIED_BY.match(text[mention.end:mention.end + 40])
    if match is None:
        return None
    holder = next(iter(place_candidates(match["name"], fuzzy=False)), None)
    return holder if holder is not None and holder.feature_class in ("country", "admin1") else None


def _contains(holder: Place, place: Place) -> bool:
    if holder.feature_class == "country":
        return place.country_code == holder.country_code and place.external_id != holder.external_id
    return holder.admin1_code is not None and place.admin1_code == holder.admin1_code and place != holder


def dateline_places(dateline: str | None) -> list[Place]:
    """The known places a dateline names (`MOSCOW, Russia` -> Moscow, Russia), most specific first."""
    if not dateline:
        return []
    found = [next(iter(place_candidates(part.title(), fuzzy=False)), None)
             for part in DATELINE_PARTS.split(dateline.strip()) if part]
    return [place for place in found if place is not None]


def resolve_document_places(text: str, dateline: str | None, mentions: Sequence[PlaceMention]) -> DocumentPlaces:
    """Each mention's place, chosen with the whole document in view."""
    candidates = [place_candidates(m.text) or _postal(text, m) or (small_places(m.text) if m.label == "GPE" else ())
                  for m in mentions]
    cities = [_city_designated(text, m) for m in mentions]
    # One sense per story: a name the story calls a division once (`Zaporozhye region`) is the
    # division wherever no city word says otherwise.
    designated = [_designated(text, m) for m in mentions]
    called_division = {fold(m.text) for m, division_word in zip(mentions, designated, strict=True) if division_word}
    designated = [division_word or (fold(m.text) in called_division and not city_word)
                  for m, division_word, city_word in zip(mentions, designated, cities, strict=True)]
    # A division named with a region word whatever its spelling: `Zaporozhye region` is spelt as
    # only the city is, and stands for the division the city is in.
    candidates = [divisions_first(places) if division_word else places
                  for places, division_word in zip(candidates, designated, strict=True)]
    datelined = dateline_places(dateline)
    # The document's evidence, from what needs no context: countries and divisions it names, and
    # the countries of places only one candidate fits.
    divisions = {places[0].admin1_code for places, division_word in zip(candidates, designated, strict=True)
                 if places and (places[0].feature_class == "admin1" or (division_word and places[0].is_division))}
    divisions |= {place.admin1_code for place in datelined if place.feature_class == "admin1"}
    qualifiers = [_qualifier(text, m) for m in mentions]
    candidates = [_with_local_towns(m, places, divisions, qualifier)
                  for m, places, qualifier in zip(mentions, candidates, qualifiers, strict=True)]
    countries: set[str] = set()
    sure: list[tuple[int, str]] = []  # (offset, country) of mentions whose country is certain
    for mention, places in zip(mentions, candidates, strict=True):
        if not places:
            continue
        top = places[0]
        if top.country_code and _sure_country(places):
            sure.append((mention.start, top.country_code))
        if top.feature_class == "country" and _sure_country(places):
            countries.add(top.country_code)
    votes = Counter(country for _, country in sure)
    for place in datelined:
        if place.country_code:
            votes[place.country_code] += 2
            countries.add(place.country_code)
    focus = _first_most_common(votes)
    dateline_ids = {p.external_id for p in datelined}

    chosen: list[Place | None] = []
    evidence: list[dict | None] = []
    for mention, places, division_word, city_word, qualifier in zip(mentions, candidates, designated, cities,
                                                                    qualifiers, strict=True):
        if not places:
            chosen.append(None)
            evidence.append(None)
            continue
        named_here = {p.admin1_code for p in places if p.feature_class == "admin1"} & divisions
        nearby = {country for offset, country in sure
                  if offset != mention.start and abs(offset - mention.start) <= NEARBY_CHARS}

        def score(place: Place) -> float:
            value = _prior(place)
            if (division_word and place.is_division) or (city_word and place.feature_class == "city"):
                value += DESIGNATED
            if qualifier is not None and _contains(qualifier, place):
                value += QUALIFIED
            if place.external_id in dateline_ids:
                value += DATELINE
            if (place.feature_class == "admin1" and place.country_code == focus
                    and _unsupported(places, countries, votes)):
                value += FOCUS_DIVISION
            if place.feature_class != "country":
                if place.country_code is not None and place.country_code == focus:
                    value += FOCUS_COUNTRY
                elif place.country_code in countries:
                    value += NAMED_COUNTRY
                if place.country_code in nearby and len({p.country_code for p in places}) > 1:
                    value += NEARBY
                # A division named elsewhere in the story votes for the places in it, and for
                # itself where this name may be it (`Luhansk` after `the Luhansk region`).
                if place.admin1_code in divisions and (place.feature_class == "admin1" or place.admin1_code
                                                       not in named_here):
                    value += NAMED_DIVISION
            return value

        best = max(places, key=lambda p: (score(p), -places.index(p)))
        chosen.append(best)
        evidence.append(place_evidence(mention, best, places, score, {
            "designated": (division_word and best.is_division) or (city_word and best.feature_class == "city"),
            "qualified": qualifier is not None and _contains(qualifier, best),
            "dateline": best.external_id in dateline_ids}, focus, countries))

    focus_country, focus_place = _focus(chosen, datelined)
    repeated = Counter(place.external_id for place in chosen if place is not None)
    for place, found in zip(chosen, evidence, strict=True):
        if found is not None:
            found["repeated"] = math.log1p(repeated[place.external_id] - 1)
    return DocumentPlaces(chosen, focus_country, focus_place, evidence)


def place_evidence(mention: PlaceMention, best: Place, places: Sequence[Place], score, decisive: dict[str, bool],
                   focus: str | None, countries: set[str]) -> dict:
    """What chose `best` among a mention's candidates, for its `place_confidence`: its strongest
    evidence (`decided_by`: the only candidate; else the first of a word or qualifier beside it and
    the dateline that it got; else the prior alone, or the document's context overruling the
    prior), how many candidates there were and how far apart, and how the place fits the document.
    The deciding evidence is also paired with the place's class and the mention's label: the
    population prior is surer of a country than of a town, a dateline of a city than of a region."""
    ranked = sorted((score(p) for p in places), reverse=True)
    by_prior = max(places, key=lambda p: (_prior(p), -places.index(p)))
    rivals = [p.population for p in places if p is not best and p.feature_class == "city"]
    decided_by = ("only" if len(places) == 1 else next((name for name, held in decisive.items() if held), None)
                  or ("prior" if by_prior is best else "context"))
    return {
        "decided_by": decided_by,
        "feature_class": best.feature_class,
        "label": mention.label,
        "decided_class": f"{decided_by}/{best.feature_class}",
        "decided_label": f"{decided_by}/{mention.label}",
        "candidates": math.log1p(len(places) - 1),
        "countries": math.log1p(len({p.country_code for p in places}) - 1),
        "margin": math.log1p(min(ranked[0] - ranked[1], 1e6)) if len(ranked) > 1 else 0.0,
        "population": math.log10(max(best.population or 0, 0) + 1),
        "rival_population": (math.log10(max(best.population or 0, 0) + 1) - math.log10(max(rivals) + 1)
                             if rivals else 0.0),
        "in_focus": float(best.country_code is not None and best.country_code == focus),
        "country_named": float(best.country_code in countries),
        "exact_name": float(fold(mention.text) == fold(best.name)),
    }


def _unsupported(places: Sequence[Place], countries: set[str], votes: Counter) -> bool:
    """Whether a name's readings as a country are countries the document says nothing else about
    (`Georgia` in a story about Atlanta)."""
    rivals = [p for p in places if p.feature_class == "country"]
    return bool(rivals) and all(p.country_code not in countries and votes[p.country_code] == 0 for p in rivals)


def _sure_country(places: Sequence[Place]) -> bool:
    """Whether a name's country is certain: it is a country no division abroad shares a name with
    (`Georgia` may be the US state), or all its readings are in one country."""
    top = places[0]
    if top.feature_class == "country":
        return not any(p.is_division and p.country_code != top.country_code for p in places)
    return len({p.country_code for p in places}) == 1


def _first_most_common(votes: Counter) -> str | None:
    """The most voted key; ties go to the one voted first (Counter keeps insertion order)."""
    if not votes:
        return None
    top = max(votes.values())
    return next(key for key, count in votes.items() if count == top)


def _focus(places: Sequence[Place | None], datelined: Sequence[Place]) -> tuple[str | None, Place | None]:
    """(focus country, focus place): the country and the place the document's resolved place
    mentions and its dateline (counted twice) name most; ties go to the first named."""
    countries: Counter = Counter()
    mentioned: Counter = Counter()
    by_id: dict[str, Place] = {}
    for place in datelined:
        if place.country_code:
            countries[place.country_code] += 2
    for place in places:
        if place is None:
            continue
        mentioned[place.external_id] += 1
        by_id[place.external_id] = place
        if place.country_code:
            countries[place.country_code] += 1
    for place in datelined:
        if place.external_id in mentioned:
            mentioned[place.external_id] += 2
    country = _first_most_common(countries)
    # The focus place is in the focus country (the country itself, or its most named place).
    inside = Counter({key: n for key, n in mentioned.items() if by_id[key].country_code == country})
    focus_id = _first_most_common(inside or mentioned)
    return country, by_id[focus_id] if focus_id else None


#: The place columns of `entities` and `entity_catalog`, from the place's gazetteer entry.
PLACE_COLUMNS = {
    "latitude": pl.Float64, "longitude": pl.Float64, "country_code": pl.String, "admin1_code": pl.String,
    "admin1_name": pl.String, "feature_class": pl.String, "population": pl.Int64,
}


def place_fields(external_id: str | None) -> dict:
    """The PLACE_COLUMNS of a gazetteer id (all null for none, or an id the gazetteer no longer has)."""
    place = place_by_id(external_id) if external_id else None
    if place is None:
        return dict.fromkeys(PLACE_COLUMNS)
    return {"latitude": place.latitude, "longitude": place.longitude, "country_code": place.country_code,
            "admin1_code": place.admin1_code, "admin1_name": place.admin1_name,
            "feature_class": place.feature_class, "population": place.population or None}


def with_place_columns(rows: pl.DataFrame, on: str = "external_id") -> pl.DataFrame:
    """`rows` with PLACE_COLUMNS filled from the gazetteer, for the gazetteer ids in column `on`."""
    ids = rows[on].unique().drop_nulls().to_list()
    table = pl.DataFrame([{on: i, **place_fields(i)} for i in ids], schema={on: pl.String, **PLACE_COLUMNS})
    return rows.drop(*PLACE_COLUMNS, strict=False).join(table, on=on, how="left", maintain_order="left")


def nationality_country(text: str) -> Place | None:
    """The country a nationality word names (`Russian`, `Syrians` -> Russia, Syria), or None."""
    key = fold(text)
    return demonyms().get(key) or (demonyms().get(key[:-1]) if key.endswith("s") else None)


def locate_places(entities: pl.DataFrame, documents: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Entity mentions with their place (`external_id`, `gazetteer_name` and PLACE_COLUMNS; null for
    mentions of no known place) and documents with `focus_country` and `focus_entity_id` (the
    focus place's entity)."""
    texts = dict(documents.select("doc_id", "text").iter_rows())
    datelines = dict(documents.select("doc_id", "dateline").iter_rows())
    rows = entities.select("doc_id", "start_char", "end_char", "text", "label").iter_rows()
    by_document: dict[str, list[tuple[int, PlaceMention]]] = {}
    for i, (doc_id, start, end, mention, label) in enumerate(rows):
        if label in PLACE_MENTION_LABELS:
            by_document.setdefault(doc_id, []).append((i, PlaceMention(start, end, mention, label)))
    external: list[str | None] = [None] * entities.height
    names: list[str | None] = [None] * entities.height
    evidence: list[dict | None] = [None] * entities.height
    # A nationality is where its country is (GDELT counts `Russian` as a mention of Russia), but
    # it stays its own entity: it gets the country's place columns, not its gazetteer id.
    countries: list[str | None] = [country.external_id if label == NATIONALITY and (country := nationality_country(
        text)) is not None else None for text, label in entities.select("text", "label").iter_rows()]
    focus_rows = []
    for doc_id in documents["doc_id"].to_list():
        positions = by_document.get(doc_id, [])
        found = resolve_document_places(texts[doc_id], datelines[doc_id], [m for _, m in positions])
        for (i, _), place, why in zip(positions, found.places, found.evidence, strict=True):
            if place is not None:
                external[i], names[i], evidence[i] = place.external_id, place.name, why
        focus_rows.append({"doc_id": doc_id, "focus_country": found.focus_country,
                           "focus_entity_id": place_entity_id(found.focus_place.external_id)
                           if found.focus_place else None})
    located = entities.with_columns(external_id=pl.Series(external, dtype=pl.String),
                                    gazetteer_name=pl.Series(names, dtype=pl.String),
                                    **with_confidence("place", evidence))
    where = pl.Series([e or c for e, c in zip(external, countries, strict=True)], dtype=pl.String)
    focus = pl.DataFrame(focus_rows, schema={"doc_id": pl.String, "focus_country": pl.String,
                                             "focus_entity_id": pl.String})
    documents = documents.drop("focus_country", "focus_entity_id", strict=False).join(
        focus, on="doc_id", how="left", maintain_order="left")
    return with_place_columns(located.with_columns(where=where), on="where").drop("where"), documents
