"""Events: every counted casualty, arrest or protest (a number row with a `count_type`) with the
place it happened, who did it and when.

- place: the resolved place mention nearest the count in its sentence (the actor's own mention
  left out), else the country of a nationality the sentence puts on places (`Ukrainian cities`),
  else the nearest place in its paragraph, else the document's focus place;
- actor: a person, organisation, country or nationality the sentence says did it: the agent of a
  passive after the count (`killed by Russian shelling`, `killed in a PKK attack`), else the
  subject right before a verb of doing it (`German police arrested 12`, `Russia bombarded Kyiv,
  killing 25`), the verb fitting the count's type. Whoever reports, counts or suffers it (`the UN
  says 30 died`, `Brazil has 899 deaths`) is no actor, nor is a name with digits (a strain,
  `H5N1 has killed 93`);
- date: a date or time of the count's sentence (day, week or month; the nearest), else the
  document's published date (else the day it was fetched).
"""

from __future__ import annotations

import math
import re

import polars as pl

from tasks.confidence.calibrated import with_confidence
from tasks.documents.sentences import sentence_span
from tasks.entities.gazetteer import demonyms, fold
from tasks.entities.ids import place_entity_id
from tasks.entities.places import PLACE_MENTION_LABELS
from tasks.numbers.dates import reference_date, start_of
from tasks.schemas import EVENTS, frame

ACTOR_LABELS = ("PERSON", "ORG", "GPE", "NORP")
EVENT_DATE_GRANULARITIES = ("day", "week", "month", "time")
# `Ukrainian cities`, `Russian territory`: a nationality that says in which country it happened.
PLACE_NOUNS = re.compile(r"^\s+(?:cities|city|towns?|villages?|territor(?:y|ies)|soil|regions?|capital|border|coast"
                         r"|positions|airspace|lands?|oblasts?|provinces?|districts?|areas?|streets|homes|ports?)\b",
                         re.IGNORECASE)
PASSIVE_BY = re.compile(r"^[^.;:!?]{0,60}?\bby\s+(?:the\s+)?$", re.IGNORECASE)
# `killed in a PKK attack`: the agent (an organisation or nationality; a town there is where) named
# before what was done, after the count.
ATTACK_IN = re.compile(r"^[^.;:!?]{0,60}?\b(?:in|during)\s+(?:an?|the)\s+$", re.IGNORECASE)
ATTACK_NOUN = re.compile(r"^(?:-led)?\s+(?:attacks?|bombings?|raids?|strikes?|air\s?strikes?|assaults?"
                         r"|ambush(?:es)?|shelling|offensive|crackdown|operations?)\b", re.IGNORECASE)
ATTACK_AGENT_LABELS = ("ORG", "NORP")
# Between an actor and its count: who of it acted (`police`, `troops`), an auxiliary, then a verb
# of doing what was counted (`done`), or of attacking with what followed (`..., killing 25`), in
# the same clause (no `after Hamas fired ...` between).
_AGENT_NOUNS = (r"police|forces|troops|officers|authorities|soldiers|army|military|militants|rebels|gunmen|fighters"
                r"|security|border\s+guards|coastguard|customs|agents|warplanes|jets|drones|artillery")
#: The verbs that say an actor did what a count of each type counts.
DONE_BY_TYPE = {
    "KILL": ("killed", "shot dead", "executed", "murdered", "massacred"),
    "WOUND": ("wounded", "injured", "shot"),
    "ARREST": ("arrested", "detained", "jailed", "charged", "held", "captured"),
    "KIDNAP": ("kidnapped", "abducted", "held", "seized", "captured"),
    "SEIZE": ("seized", "confiscated"),
    "EVACUATE": ("evacuated",),
    "DISPLACE": ("displaced",),
}
ATTACKING_TYPE = {"killing": "KILL", "wounding": "WOUND", "injuring": "WOUND"}
_DONE = "|".join(sorted({v.replace(" ", r"\s+") for verbs in DONE_BY_TYPE.values() for v in verbs}, key=len,
                        reverse=True))
_ATTACKED = r"attacked|bombed|bombarded|shelled|struck|hit|raided|stormed|fired\s+(?:on|at)|opened\s+fire\s+on"
_CLAUSE = r"(?:(?!\b(?:after|as|when|while|because|before|until|though|although|whereas)\b)[^.;:!?])"
# Possessive (`*+`): a word such as `reportedly` can be read one way only, so a run of them is
# matched in linear time whatever the text.
_AUXILIARY = r"(?:(?:has|have|had|also|later|then|since|now|\w+ly)\s+)*+"
_AMOUNT_LEAD = r"(?:(?:at\s+least|more\s+than|about|around|some|nearly|almost|over|up\s+to|another|a\s+further)\s+)?"
SUBJECT_VERB = re.compile(
    rf"^(?:\s+(?:{_AGENT_NOUNS}))*\s+{_AUXILIARY}(?:(?P<done>{_DONE})\s+{_AMOUNT_LEAD}"
    rf"|(?:{_ATTACKED})\b{_CLAUSE}{{0,160}}?(?:,|\s+and)\s+(?P<attacking>killing|wounding|injuring)\s+{_AMOUNT_LEAD})$",
    re.IGNORECASE)
# A name with digits is a strain or a product (`H5N1`), not who did it.
NOT_AN_ACTOR = re.compile(r"\d")
# `A bomb in central Turkey has killed 13`: a name after a preposition (and lower-case words, not
# `said on Monday that Russian forces ...`) is where, not the subject.
AFTER_PREPOSITION = re.compile(r"\b(?:in|of|at|from|near|on|across|outside|inside|into|to|for|with)\s+"
                               r"(?-i:[a-z]+\s+){0,2}$", re.IGNORECASE)


def _paragraph(text: str, at: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return start, len(text) if end < 0 else end


def _nearest(mentions: list[dict], start: int, end: int) -> dict | None:
    def distance(m):
        return m["start_char"] - end if m["start_char"] >= end else start - m["end_char"]
    return min(mentions, key=lambda m: (distance(m), m["start_char"])) if mentions else None


def _nationality_place(text: str, in_sentence: list[dict], actor: dict | None, in_doc: list[dict]) -> dict | None:
    """The country a nationality before a place noun names (`Ukrainian cities`), as a place: its
    mention in the document where there is one (for its entity id), else the country alone."""
    for mention in in_sentence:
        if mention is actor or mention["label"] != "NORP":
            continue
        country = demonyms().get(fold(text[mention["start_char"]:mention["end_char"]]))
        if country is None or not PLACE_NOUNS.match(text[mention["end_char"]:mention["end_char"] + 20]):
            continue
        entity_id = place_entity_id(country.external_id)
        mentioned = any(m["entity_id"] == entity_id for m in in_doc)
        return {"entity_id": entity_id if mentioned else None, "latitude": country.latitude,
                "longitude": country.longitude, "country_code": country.country_code}
    return None


def _actor(text: str, count: dict, sentence_mentions: list[dict]) -> tuple[dict, str] | None:
    """(the mention that did what the count counts, the rule that says so: `passive`, `attack`,
    `subject` or `attacking`), or None."""
    candidates = [m for m in sentence_mentions if m["label"] in ACTOR_LABELS
                  and not NOT_AN_ACTOR.search(text[m["start_char"]:m["end_char"]])]
    for mention in (m for m in candidates if m["start_char"] >= count["end_char"]):
        between = text[count["end_char"]:mention["start_char"]]
        if PASSIVE_BY.match(between):
            return mention, "passive"
        if (mention["label"] in ATTACK_AGENT_LABELS and ATTACK_IN.match(between)
                and ATTACK_NOUN.match(text[mention["end_char"]:mention["end_char"] + 30])):
            return mention, "attack"
    for mention in reversed([m for m in candidates if m["end_char"] <= count["start_char"]]):
        said = SUBJECT_VERB.match(text[mention["end_char"]:count["start_char"]])
        if said is None or AFTER_PREPOSITION.search(text[max(0, mention["start_char"] - 40):mention["start_char"]]):
            continue
        if said["done"] is not None:
            if " ".join(said["done"].lower().split()) in DONE_BY_TYPE.get(count["count_type"], ()):
                return mention, "subject"
        elif ATTACKING_TYPE[said["attacking"].lower()] == count["count_type"]:
            return mention, "attacking"
    return None


def extract_events(numbers: pl.DataFrame, entities: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """One row per count with a `count_type` (numbers, linked entities with place columns, and
    documents with `focus_entity_id`, `published_date` and `text`)."""
    counts = numbers.filter(pl.col("count_type") != "")
    if not counts.height:
        return frame([], EVENTS)
    wanted = counts["doc_id"].unique().implode()
    docs = {row["doc_id"]: row for row in documents.filter(pl.col("doc_id").is_in(wanted)).select(
        "doc_id", "text", reference_date(documents.columns), "focus_entity_id").iter_rows(named=True)}
    mentions: dict[str, list[dict]] = {}
    rated = [c for c in ("label_confidence", "place_confidence") if c in entities.columns]
    for row in entities.filter(pl.col("doc_id").is_in(wanted)).select(
            "doc_id", "start_char", "end_char", "label", "sentence_index", "entity_id", "latitude", "longitude",
            "country_code", *rated).iter_rows(named=True):
        mentions.setdefault(row["doc_id"], []).append(row)
    places_by_id = {row["entity_id"]: row for rows in mentions.values() for row in rows
                    if row["label"] in PLACE_MENTION_LABELS
                    and (row["latitude"] is not None or row["country_code"] is not None)}
    dates: dict[tuple[str, int], list[dict]] = {}
    for row in numbers.filter(pl.col("doc_id").is_in(wanted) & pl.col("date_granularity").is_in(
            EVENT_DATE_GRANULARITIES)).select("doc_id", "start_char", "end_char", "sentence_index", "date_value",
                                              "date_granularity", *(["date_confidence"] if "date_confidence" in
                                                                    numbers.columns else [])).iter_rows(named=True):
        dates.setdefault((row["doc_id"], row["sentence_index"]), []).append(row)
    rows = []
    for count in counts.iter_rows(named=True):
        doc = docs.get(count["doc_id"])
        if doc is None:
            continue
        text, in_doc = doc["text"], mentions.get(count["doc_id"], [])
        in_sentence = [m for m in in_doc if m["sentence_index"] == count["sentence_index"]]
        actor, actor_rule = _actor(text, count, in_sentence) or (None, None)
        located = [m for m in in_doc if m["entity_id"] in places_by_id and m is not actor]
        place, source = _nearest([m for m in located if m["sentence_index"] == count["sentence_index"]],
                                 count["start_char"], count["end_char"]), "sentence"
        if place is None:
            place = _nationality_place(text, in_sentence, actor, in_doc)
            source = "sentence" if place is None else "nationality"
        if place is None:
            start, end = _paragraph(text, count["start_char"])
            place, source = _nearest([m for m in located if start <= m["start_char"] < end],
                                     count["start_char"], count["end_char"]), "paragraph"
        if place is None and doc["focus_entity_id"] in places_by_id:
            # Its mention in this document (another's offsets and confidence mean nothing here).
            place = next((m for m in in_doc if m["entity_id"] == doc["focus_entity_id"]),
                         places_by_id[doc["focus_entity_id"]])
            source = "document"
        if place is None:
            source = None
        when = _nearest(dates.get((count["doc_id"], count["sentence_index"]), []), count["start_char"],
                        count["end_char"])
        event_date = start_of(when["date_value"]) if when else None
        date_source = "sentence" if event_date else ("document" if doc["published_date"] else None)
        sentence_start, sentence_end = sentence_span(text, count["start_char"], count["end_char"])
        rows.append({
            **{key: count[key] for key in ("doc_id", "start_char", "end_char", "sentence_index", "count_type",
                                           "value", "value_low", "value_high", "qualifier", "object")},
            "place_entity_id": place["entity_id"] if place else None,
            "latitude": place["latitude"] if place else None, "longitude": place["longitude"] if place else None,
            "country_code": place["country_code"] if place else None,
            "place_source": "sentence" if source == "nationality" else source,
            "actor_entity_id": actor["entity_id"] if actor else None,
            "event_date": event_date or doc["published_date"],
            "event_date_source": date_source,
            "sentence": text[sentence_start:sentence_end].strip(),
            "evidence": event_evidence(count, place, source, actor, actor_rule, when if event_date else None,
                                       date_source, in_sentence,
                                       len([m for m in located if m["sentence_index"] == count["sentence_index"]])),
        })
    evidence = [row.pop("evidence") for row in rows]
    return frame(rows, EVENTS).with_columns(
        **with_confidence("event_place", [e["place"] for e in evidence], "place"),
        **with_confidence("event_actor", [e["actor"] for e in evidence], "actor"),
        **with_confidence("event_date", [e["date"] for e in evidence]))


def event_evidence(count: dict, place: dict | None, source: str | None, actor: dict | None, actor_rule: str | None,
                   when: dict | None, date_source: str | None, in_sentence: list[dict], places_in_sentence: int
                   ) -> dict:
    """What an event's place, actor and date rest on, for their confidences (None for what it has
    not): which rule gave each, how sure the mention or date it came from is, how far it is from
    the count, and how many rivals the sentence holds."""
    def gap(m: dict) -> float:
        return math.log1p(max(m["start_char"] - count["end_char"], count["start_char"] - m["end_char"], 0))

    actors = sum(m["label"] in ACTOR_LABELS for m in in_sentence)
    return {
        "place": None if place is None else {
            "count_type": count["count_type"], "source": source,
            "mention_confidence": place.get("place_confidence"),
            "distance": gap(place) if source in ("sentence", "paragraph") else None,
            "places_in_sentence": math.log1p(places_in_sentence)},
        "actor": None if actor is None else {
            "count_type": count["count_type"], "label": actor["label"],
            "rule": actor_rule,
            "mention_confidence": actor.get("label_confidence"), "distance": gap(actor),
            "actors_in_sentence": math.log1p(actors)},
        "date": None if date_source is None else {
            "count_type": count["count_type"], "source": date_source,
            "granularity": when["date_granularity"] if when else "document",
            "value_confidence": when.get("date_confidence") if when else None},
    }
