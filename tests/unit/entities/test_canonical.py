import datetime as dt
import json
import math

import polars as pl

from tasks.entities.canonical import (
    build_catalog,
    catalog_aggregates,
    identity_key,
    link_entities,
    merge_catalog,
    resolve_surnames,
    surname_key,
    with_alias_check,
)
from tasks.entities.gazetteer import find_place
from tasks.schemas import ENTITY_CATALOG, frame


def test_spelling_and_script_variants_of_a_surname_fold_together():
    assert {surname_key(s) for s in ("Zelensky", "Zelenskyy", "Zelenskiy", "Зеленський")} == {"zelensky"}
    assert surname_key("Putin") != surname_key("Zelensky")


def test_place_variants_share_their_gazetteer_id():
    for variants in (("Zaporizhzhia", "Zaporozhye", "Zaporizhia"), ("Zaporizhia Oblast", "Zaporizhzhia oblast",
                                                                      "Zaporizhzhia region"), ("Lyman", "Liman"),
                     ("Kyiv", "Kiev"), ("Odessa", "Odesa"), ("US", "United States", "America")):
        assert len({identity_key(v, "GPE")[0] for v in variants}) == 1, variants
    assert identity_key("Kyiv", "GPE")[1].startswith("geonames:")
    assert identity_key("Ukraine", "GPE")[1] == "iso3166:UA"
    # A region is not its capital city.
    assert identity_key("Zaporizhia Oblast", "GPE")[1] == "iso3166-2:UA-23"


def test_surnames_are_never_fuzzy_matched_to_places_for_relabelling():
    assert find_place("Zelensky", fuzzy=False) is None


def test_surname_only_mentions_join_the_full_name():
    keys = [identity_key(t, "PERSON")[0] for t in ("Vladimir Putin", "Putin", "Putin", "Blair")]
    resolved = resolve_surnames(keys, ["d1", "d1", "d2", "d2"], {"PERSON|blair|t": 1})
    assert resolved == ["PERSON|putin|v"] * 3 + ["PERSON|blair|t"]


def test_in_document_full_name_wins_over_the_corpus():
    keys = [identity_key(t, "PERSON")[0] for t in ("Ed Miliband", "Miliband", "David Miliband", "David Miliband",
                                                   "Miliband")]
    resolved = resolve_surnames(keys, ["a", "a", "b", "b", "c"])
    assert resolved == ["PERSON|miliband|e", "PERSON|miliband|e", "PERSON|miliband|d", "PERSON|miliband|d",
                        "PERSON|miliband|d"]


def mentions(*rows):
    return pl.DataFrame([{"doc_id": d, "start_char": i, "end_char": i + 1, "text": t, "label": label,
                          "sentence_index": 0} for i, (d, t, label) in enumerate(rows)])


def test_catalog_counts_aliases_dates_and_ids_are_stable():
    linked = link_entities(mentions(("d1", "Vladimir Zelensky", "PERSON"), ("d1", "Zelensky", "PERSON"),
                                    ("d2", "Володимир Зеленський", "PERSON"), ("d2", "Zaporozhye", "GPE"),
                                    ("d1", "Zaporizhzhia", "GPE")))
    dates = pl.DataFrame({"doc_id": ["d1", "d2"], "published_date": [dt.date(2022, 9, 30), None]})
    catalog = build_catalog(linked, dates)
    assert catalog.height == 2
    person = catalog.filter(label="PERSON").row(0, named=True)
    assert person["canonical_name"] == "Vladimir Zelensky"
    assert person["aliases"] == ["Vladimir Zelensky", "Zelensky", "Володимир Зеленський"]
    assert (person["mention_count"], person["document_count"]) == (3, 2)
    assert person["first_seen"] == person["last_seen"] == dt.date(2022, 9, 30)
    place = catalog.filter(label="GPE").row(0, named=True)
    assert place["external_id"] == "geonames:687700"
    assert link_entities(mentions(("x", "Zaporozhye", "GPE")))["entity_id"][0] == place["entity_id"]


def test_an_alias_of_two_entities_names_neither():
    linked = link_entities(mentions(("a", "Ed Miliband", "PERSON"), ("a", "Miliband", "PERSON"),
                                    ("b", "David Miliband", "PERSON"), ("b", "Miliband", "PERSON")))
    catalog = with_alias_check(build_catalog(linked, pl.DataFrame({"doc_id": ["a"], "published_date": [None]})))
    assert sorted(catalog["aliases"].to_list()) == [["David Miliband"], ["Ed Miliband"]]
    assert not catalog["alias_shared"].any()


def test_a_surname_is_resolved_from_earlier_documents_only_so_batches_do_not_matter():
    keys = [identity_key(t, "PERSON")[0] for t in ("Blair", "Tony Blair", "Blair")]
    doc_ids = ["a", "b", "c"]
    whole = resolve_surnames(keys, doc_ids)
    assert whole == ["PERSON|blair|", "PERSON|blair|t", "PERSON|blair|t"]
    first = resolve_surnames(keys[:1], doc_ids[:1])
    counts = {"PERSON|blair|t": 1} if "PERSON|blair|t" in first else {}
    rest = resolve_surnames(keys[1:2], doc_ids[1:2], counts)
    assert first + rest + resolve_surnames(keys[2:], doc_ids[2:], {rest[0]: 1}) == whole


def test_a_catalog_merged_batch_by_batch_equals_one_built_at_once():
    rows = [("d1", "Ed Miliband", "PERSON"), ("d1", "Miliband", "PERSON"), ("d2", "Kiev", "GPE"),
            ("d2", "Miliband", "ORG"), ("d3", "David Miliband", "PERSON"), ("d3", "Miliband", "PERSON"),
            ("d3", "Kyiv", "GPE"), ("d4", "Miliband", "PERSON"), ("d4", "Ed Miliband", "PERSON")]
    dates = pl.DataFrame({"doc_id": ["d1", "d2", "d3", "d4"],
                          "published_date": [dt.date(2022, 9, 30), None, dt.date(2021, 1, 2), dt.date(2023, 5, 6)]})
    linked = link_entities(mentions(*rows))
    at_once = build_catalog(linked, dates)
    stored = frame([], ENTITY_CATALOG)
    for doc_ids in (["d1"], ["d2", "d3"], ["d4"]):
        stored = merge_catalog(stored, catalog_aggregates(linked.filter(pl.col("doc_id").is_in(doc_ids)), dates))
    assert stored.equals(at_once)
    person = at_once.filter(entity_key="PERSON|miliband|e").row(0, named=True)
    assert (person["mention_count"], person["document_count"]) == (4, 2)
    assert person["first_seen"] == dt.date(2022, 9, 30) and person["last_seen"] == dt.date(2023, 5, 6)
    assert person["aliases"] == ["Ed Miliband"]  # `Miliband` also names David
    assert {c["alias"]: c["mentions"] for c in person["alias_counts"]} == {"Ed Miliband": 2, "Miliband": 2}
    place = at_once.filter(label="GPE").row(0, named=True)
    assert place["canonical_name"] == "Kyiv" and place["mention_count"] == 2


def test_each_id_says_which_rule_gave_it_and_what_it_rests_on():
    linked = link_entities(mentions(("a", "Gordon Brown", "PERSON"), ("a", "Brown", "PERSON"),
                                    ("a", "HM Treasury", "ORG"), ("a", "Treasury", "ORG"), ("b", "Brown", "PERSON"),
                                    ("b", "Smith", "PERSON"),
                                    ("b", "Confederation of British Industry", "ORG"), ("b", "CBI", "ORG"),
                                    ("b", "NATO", "ORG"), ("b", "Paris", "GPE"), ("b", "Narnia", "GPE")))
    evidence = [json.loads(e) for e in linked["entity_evidence"]]
    assert [e["rule"] for e in evidence] == [
        "person_full", "person_document", "name", "name", "person_earlier", "person_alone", "name", "acronym",
        "acronym_alone", "place", "unplaced"]
    assert (evidence[3]["inside_other"], evidence[2]["around_other"], evidence[2]["inside_other"]) == (1.0, 1.0, 0.0)
    assert (evidence[1]["repeats"], evidence[1]["spellings"], evidence[4]["repeats"]) == (math.log(2), math.log(2), 0)
    assert linked["entity_confidence"].null_count() == 0 and linked["entity_confidence"].is_between(0, 1).all()
    assert linked["entity_key"][7] == linked["entity_key"][6]


def test_a_surname_resolved_by_split_votes_says_so():
    keys = [identity_key(t, "PERSON")[0] for t in ("Ed Miliband", "David Miliband", "Miliband")]
    linked = link_entities(mentions(*[("a", t, "PERSON") for t in ("Ed Miliband", "David Miliband", "Miliband")]))
    (last,) = [json.loads(e) for e in linked["entity_evidence"]][2:]
    assert last["vote_share"] == 0.5 and last["rivals"] == math.log(2)
    assert resolve_surnames(keys, ["a"] * 3)[2] == "PERSON|miliband|d"


def test_ids_and_their_confidences_do_not_depend_on_how_documents_are_batched():
    rows = mentions(("d1", "Gordon Brown", "PERSON"), ("d1", "Labour", "ORG"), ("d2", "Brown", "PERSON"),
                    ("d2", "Ed Balls", "PERSON"), ("d3", "Balls", "PERSON"), ("d3", "CBI", "ORG"),
                    ("d4", "Confederation of British Industry", "ORG"), ("d4", "CBI", "ORG"), ("d4", "Brown", "PERSON"))
    columns = ["entity_id", "entity_evidence", "entity_confidence"]
    whole = link_entities(rows).select(columns)
    parts, counts = [], {}
    for batch in (["d1"], ["d2", "d3"], ["d4"]):
        linked = link_entities(rows.filter(pl.col("doc_id").is_in(batch)), counts)
        for key in linked["entity_key"]:
            counts[key] = counts.get(key, 0) + 1
        parts.append(linked.select(columns))
    assert pl.concat(parts).equals(whole)
