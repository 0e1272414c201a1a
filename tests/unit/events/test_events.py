"""Events: each count with where it happened, who did it and when (tiny inline documents)."""

import datetime as dt

import polars as pl

from tasks.entities.ids import entity_id_for
from tasks.events import extract_events
from tasks.schemas import ENTITIES, NUMBERS, frame

TEXT = ("Russia bombarded Ukrainian cities, killing 25 people on Tuesday.\n\n"
        "In Kharkiv, police arrested 12 protesters.")
RUSSIA, UKRAINE, KHARKIV = (entity_id_for(f"PLACE|{e}") for e in ("iso3166:RU", "iso3166:UA", "geonames:706483"))


def mention(start_text, label, entity_id, sentence, **place):
    start = TEXT.index(start_text)
    return {"doc_id": "d", "start_char": start, "end_char": start + len(start_text), "text": start_text,
            "label": label, "sentence_index": sentence, "entity_id": entity_id, "canonical_name": start_text,
            **place}


def number(surface, sentence, **fields):
    start = TEXT.index(surface)
    row = {"doc_id": "d", "start_char": start, "end_char": start + len(surface), "surface": surface, "value": None,
           "kind": "date", "unit": "", "object": "", "qualifier": "=", "change": "", "count_type": "",
           "sentence_index": sentence}
    return row | fields


def test_a_count_gets_its_place_actor_and_date():
    entities = frame([
        mention("Russia", "GPE", RUSSIA, 0, latitude=60.0, longitude=100.0, country_code="RU"),
        mention("Ukrainian", "NORP", entity_id_for("NORP|ukrainian"), 0),
        mention("Kharkiv", "GPE", KHARKIV, 1, latitude=49.98, longitude=36.25, country_code="UA"),
    ], ENTITIES)
    numbers = frame([
        number("25", 0, value=25.0, kind="count", object="people", count_type="KILL"),
        number("Tuesday", 0, date_value="2022-09-27", date_granularity="day"),
        number("12", 1, value=12.0, kind="count", object="protesters", count_type="ARREST"),
    ], NUMBERS)
    documents = pl.DataFrame({"doc_id": ["d"], "text": [TEXT], "published_date": [dt.date(2022, 9, 30)],
                              "focus_entity_id": [KHARKIV]})
    events = extract_events(numbers, entities, documents)
    killed, arrested = events.sort("start_char").iter_rows(named=True)
    # `Ukrainian cities`: the country of the nationality; Russia is who did it, not where.
    assert (killed["country_code"], killed["actor_entity_id"], killed["place_source"]) == ("UA", RUSSIA, "sentence")
    assert killed["place_entity_id"] is None  # Ukraine is not mentioned as a place: no catalog entity
    assert (killed["event_date"], killed["event_date_source"]) == (dt.date(2022, 9, 27), "sentence")
    assert (arrested["place_entity_id"], arrested["country_code"], arrested["actor_entity_id"]) == \
        (KHARKIV, "UA", None)
    assert (arrested["event_date"], arrested["event_date_source"]) == (dt.date(2022, 9, 30), "document")
    assert "killing 25 people" in killed["sentence"]


ACTORS = [
    # (sentence, the actor mention and its label, the count, the count's type, whether it is the actor)
    ("Three people were killed by Russian shelling overnight.", ("Russian", "NORP"), "Three", "KILL", True),
    ("It comes a week after 44 people were killed in a PKK attack in Istanbul.", ("PKK", "ORG"), "44", "KILL", True),
    ("Last Thursday, German police arrested two teenagers.", ("German", "NORP"), "two", "ARREST", True),
    ("Officials said on Monday that Russian forces killed 12 civilians.", ("Russian", "NORP"), "12", "KILL", True),
    ("Russia bombarded Ukrainian cities, killing 25 people.", ("Russia", "GPE"), "25", "KILL", True),
    ("Russia bombarded Ukrainian cities with drones, killing 25 people and injuring 50.", ("Russia", "GPE"), "50",
     "WOUND", True),
    ("The UN says 30 people died in the floods.", ("UN", "ORG"), "30", "KILL", False),
    ("Brazil has 899 deaths from the flu.", ("Brazil", "GPE"), "899", "KILL", False),
    ("H5N1 has killed 93 people since 2003.", ("H5N1", "ORG"), "93", "KILL", False),
    ("A car bomb in central Turkey has killed 13 soldiers.", ("Turkey", "GPE"), "13", "KILL", False),
    ("BEIJING -- At least two people died in a gas explosion.", ("BEIJING", "GPE"), "two", "KILL", False),
    ("Mexican officials reported that at least 100 deaths were linked to the flu.", ("Mexican", "NORP"), "100",
     "KILL", False),
    # A town where it happened is not who did it; nor are rescuers the kidnappers, nor does an
    # attack reach across into another clause.
    ("At least 130 people were killed in the Paris attacks.", ("Paris", "GPE"), "130", "KILL", False),
    ("Nigerian troops rescued 100 kidnapped schoolgirls.", ("Nigerian", "NORP"), "100", "KIDNAP", False),
    ("Nigerian troops killed 12 gunmen.", ("Nigerian", "NORP"), "12", "KILL", True),
    ("Israel struck Gaza after Hamas fired rockets, killing 3 Israelis.", ("Israel", "GPE"), "3", "KILL", False),
]


def test_an_actor_is_who_the_sentence_says_did_it_not_who_reports_or_suffers_it():
    for sentence, (name, label), count, count_type, is_actor in ACTORS:
        start, at = sentence.index(name), sentence.index(count)
        entities = frame([{"doc_id": "d", "start_char": start, "end_char": start + len(name), "text": name,
                           "label": label, "sentence_index": 0, "entity_id": "e" * 16, "canonical_name": name}],
                         ENTITIES)
        numbers = frame([{"doc_id": "d", "start_char": at, "end_char": at + len(count), "surface": count,
                          "value": 2.0, "kind": "count", "unit": "", "object": "people", "qualifier": "=",
                          "change": "", "count_type": count_type, "sentence_index": 0}], NUMBERS)
        documents = pl.DataFrame({"doc_id": ["d"], "text": [sentence], "published_date": [dt.date(2022, 9, 30)],
                                  "focus_entity_id": [None]}, schema_overrides={"focus_entity_id": pl.String})
        (event,) = extract_events(numbers, entities, documents).iter_rows(named=True)
        assert (event["actor_entity_id"] is not None) == is_actor, sentence
        assert (event["actor_confidence"] is not None) == is_actor, sentence


def test_a_long_run_of_adverbs_before_a_count_is_read_at_once():
    import time

    from tasks.events import SUBJECT_VERB

    gap = " " + "reportedly allegedly " * 200 + "arrested the "
    started = time.perf_counter()
    assert SUBJECT_VERB.match(gap) is None
    assert time.perf_counter() - started < 1.0
