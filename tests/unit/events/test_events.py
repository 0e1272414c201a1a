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
