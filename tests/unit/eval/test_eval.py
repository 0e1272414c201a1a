"""`newsfacts eval entities` on the hand-annotated seeds, with the real model."""


from flows.cli import main
from tasks.eval.scoring import score_spans
from tests.conftest import ROOT


def test_score_spans_exact_match_per_label():
    scores = score_spans([[(0, 5, "PERSON"), (10, 14, "GPE")]], [[(0, 5, "PERSON"), (10, 14, "ORG"), (20, 22, "DATE")]])
    assert (scores["PERSON"].f1, scores["GPE"].recall, scores["ORG"].precision) == (1.0, 0.0, 0.0)
    assert (scores["ALL"].true_positives, scores["ALL"].false_positives, scores["ALL"].false_negatives) == (1, 1, 1)


def test_gold_without_text_needs_the_corpus(capsys, tmp_path):
    gold = str(ROOT / "bench" / "gold" / "entities_bbc_tech.jsonl")
    assert main(["eval", "entities", gold]) == 2
    assert "corpus" in capsys.readouterr().err
    # README's `--corpus ../shared/corpus/bbc`, from a clone where that folder is not
    for target in ("entities", "numbers", "quotes"):
        assert main(["eval", target, gold, "--corpus", str(tmp_path / "bbc")]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and f"corpus folder {tmp_path / 'bbc'} does not exist" in error


def test_recognizers_specs_read_as_gold(tmp_path):
    from tasks.eval.peers import read_recognizers_specs

    spec = tmp_path / "Specs" / "NumberWithUnit" / "English"
    spec.mkdir(parents=True)
    (spec / "CurrencyModel.json").write_text(
        '[{"Input": "it cost $ 75 million .", "Results": [{"Text": "$ 75 million", "TypeName": "currency",'
        ' "Resolution": {"value": "75000000", "unit": "Dollar"}, "Start": 8, "End": 19}]}]')
    (record,) = read_recognizers_specs(tmp_path)["CurrencyModel"]
    (number,) = record["numbers"]
    assert record["text"][number["start"]:number["end"]] == "$ 75 million"
    assert (number["value"], number["unit"]) == (75000000, "USD")


def test_a_unit_is_judged_only_where_the_gold_annotates_one_and_named_currencies_read_as_codes(tmp_path):
    from tasks.eval.peers import currency_code, quantulum_unit, read_recognizers_specs
    from tasks.eval.scoring import judge_number_field

    spec = tmp_path / "Specs" / "Number" / "English"
    spec.mkdir(parents=True)
    (spec / "NumberModel.json").write_text(
        '[{"Input": "$20", "Results": [{"Text": "20", "Resolution": {"value": "20"}, "Start": 1, "End": 2}]}]')
    (record,) = read_recognizers_specs(tmp_path)["NumberModel"]
    ours = [{"start": 0, "end": 3, "value": 20.0, "unit": "USD"}]
    assert judge_number_field([record["numbers"]], [ours], "unit") == [[None]]
    assert judge_number_field([[{**record["numbers"][0], "unit": ""}]], [ours], "unit") == [[False]]
    assert [currency_code(n) for n in ("Canadian dollar", "hong kong dollar", "Euro", "franc")] == [
        "CAD", "HKD", "EUR", "franc"]
    assert quantulum_unit("pound-mass") == "pound"


def test_same_place_is_within_161_km_or_the_same_country_or_geonames_id():
    from tasks.eval.scoring import same_place, score_dates, score_places

    kyiv = {"latitude": 50.45, "longitude": 30.52, "feature_class": "city", "country_code": "UA", "geonames_id": 703448}
    assert same_place(kyiv, {"latitude": 50.0, "longitude": 30.0})  # about 60 km away
    assert not same_place(kyiv, {"latitude": 49.84, "longitude": 24.03})  # Lviv: 470 km
    assert same_place(kyiv, {"latitude": None, "longitude": None, "geonames_id": 703448})
    ukraine = {"latitude": 49.0, "longitude": 32.0, "feature_class": "country", "country_code": "UA"}
    assert same_place(ukraine, {"latitude": 48.4, "longitude": 31.2, "feature_class": "country", "country_code": "UA"})
    assert not same_place(ukraine, None)
    gold = [[{"start": 0, "end": 4, **kyiv}, {"start": 10, "end": 14, "latitude": None, "longitude": None}]]
    assert score_places(gold, [[{"start": 0, "end": 4, "latitude": 50.4, "longitude": 30.5}]]).value == 1.0
    dates = score_dates([[{"start": 0, "end": 6, "value": "2022-09-30"}, {"start": 9, "end": 20, "value": None}]],
                        [[{"start": 0, "end": 6, "value": "2022-09-30"}, {"start": 30, "end": 34, "value": "2014"}]])
    assert (dates["value"].correct, dates["value"].total) == (1, 1)
    assert (dates["found"].true_positives, dates["found"].false_positives, dates["found"].false_negatives) == (1, 1, 1)


def test_polnear_direct_quotations_are_the_quoted_words_of_each_attribution():
    from tasks.eval.gold import read_polnear
    from tasks.eval.scoring import score_quotes

    text = 'Clinton called them \u201cdeplorables.\u201d Aides said she was tired. "We are fine," he said.'
    ann = ("T1\tSource 0 7\tClinton\nT2\tCue 8 14\tcalled\nT3\tContent 15 39\tthem \u201cdeplorables.\u201d\n"
           "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n"
           "T4\tSource 35 40\tAides\nT5\tCue 41 45\tsaid\nT6\tContent 46 59\tshe was tired\n"
           "E2\tAttribution:T5 Content:T6 Cue:T5 Source:T4\n"
           "T7\tSource 76 78\the\nT8\tCue 79 83\tsaid\nT9\tContent 62 73\tWe are fine\n"
           "E3\tAttribution:T8 Content:T9 Cue:T8 Source:T7\n")
    record = read_polnear(text, ann, "doc")
    assert [(q["text"], q["speaker_text"], q["speaker_name"]) for q in record["quotes"]] == [
        ("\u201cdeplorables.\u201d", "Clinton", "Clinton"), ('"We are fine,"', "he", None)]
    # Found when a prediction covers more than half of a quote; the speaker by span or by name.
    predicted = [{"start": 20, "end": 26, "speaker_start": None, "speaker_end": None, "speaker_names": ["Clinton"]},
                 {"start": 61, "end": 75, "speaker_start": 76, "speaker_end": 78, "speaker_names": []}]
    scores = score_quotes([record["quotes"]], [predicted], cover=0.5)
    assert (scores["found"].true_positives, scores["found"].false_positives) == (1, 1)
    assert scores["found_with_speaker"].value == 0.5


def test_quantulum_test_sentences_read_as_gold_with_our_unit_names():
    import json

    from tasks.eval.peers import read_quantulum_tests

    cases = [{"req": "a 8- to 16-meter telescope costs \u00a32,000 and 5 percent", "res": [
        {"value": 12, "unit": "metre", "surface": "8- to 16-meter", "uncertainty": 4},
        {"value": 2000, "unit": "pound sterling", "surface": "\u00a32,000"},
        {"value": 5, "unit": "percentage", "surface": "5 percent"}]}]
    (record,) = read_quantulum_tests(json.dumps(cases), "q")
    assert [(n["value_low"], n["value_high"], n["unit"]) for n in record["numbers"]] == [
        (8.0, 16.0, "meter"), (None, None, "GBP"), (None, None, "percent")]
    assert record["text"][record["numbers"][1]["start"]:record["numbers"][1]["end"]] == "\u00a32,000"


def test_each_resolved_fact_is_judged_against_the_gold_it_overlaps_and_left_out_where_there_is_none():
    from tasks.eval.scoring import judge_dates, judge_places, judge_speakers

    gold_places = [[{"start": 0, "end": 5, "latitude": 39.92, "longitude": 32.85},
                    {"start": 10, "end": 15, "latitude": 48.85, "longitude": 2.35}]]
    predicted = [[{"start": 0, "end": 5, "latitude": 39.9, "longitude": 32.9},
                  {"start": 10, "end": 15, "latitude": 33.66, "longitude": -95.55},  # Paris, Texas
                  {"start": 30, "end": 35, "latitude": 1.0, "longitude": 1.0}]]  # no gold place there
    assert judge_places(gold_places, predicted) == [[True, False, None]]
    gold_dates = [[{"start": 0, "end": 6, "value": "2022-09-30"}, {"start": 10, "end": 14, "value": None}]]
    assert judge_dates(gold_dates, [[{"start": 0, "end": 6, "value": "2022-09-23"},
                                     {"start": 10, "end": 14, "value": "2022"}]]) == [[False, None]]
    gold_quotes = [[{"start": 0, "end": 20, "speaker_start": 25, "speaker_end": 33, "speaker_name": "Jane Doe"},
                    {"start": 40, "end": 60, "speaker_start": None, "speaker_end": None, "speaker_name": None}]]
    found = [[{"start": 0, "end": 20, "speaker_start": 25, "speaker_end": 29, "speaker_names": []},
              {"start": 40, "end": 60, "speaker_start": 61, "speaker_end": 64, "speaker_names": ["Smith"]},
              {"start": 70, "end": 90, "speaker_start": 91, "speaker_end": 94, "speaker_names": ["Roe"]}]]
    assert judge_speakers(gold_quotes, found) == [[True, False, None]]


def test_an_entity_id_is_right_when_it_is_its_entitys_main_id_and_stands_mainly_for_it():
    from tasks.eval.scoring import judge_entities

    gold = [[(0, 12, "PERSON"), (20, 25, "PERSON"), (30, 36, "ORG")], [(0, 5, "PERSON"), (9, 15, "ORG"),
                                                                        (20, 32, "ORG"), (40, 45, "PERSON")]]
    identities = [["Gordon Brown", "Gordon Brown", "Labour Party (UK)"],
                  ["Gordon Brown", "Labour Party (UK)", "Labour Party (UK)", "?"]]
    predicted = [[{"start": 0, "end": 12, "entity_id": "brown"}, {"start": 20, "end": 25, "entity_id": "brown"},
                  {"start": 30, "end": 36, "entity_id": "labour"}, {"start": 50, "end": 55, "entity_id": "x"}],
                 [{"start": 0, "end": 5, "entity_id": "brown-alone"},  # split off: the smaller part is wrong
                  {"start": 9, "end": 15, "entity_id": "labour"},
                  {"start": 20, "end": 32, "entity_id": "labour-party"}, {"start": 40, "end": 45, "entity_id": "y"}]]
    assert judge_entities(gold, identities, predicted) == [[True, True, True, None], [False, True, False, None]]
    # Two entities merged into one id: the one it mostly stands for keeps it.
    merged = [[{**p, "entity_id": "one"} for p in doc] for doc in predicted]
    verdicts = judge_entities(gold, identities, merged)
    assert verdicts == [[True, True, False, None], [True, False, False, None]]


def test_identity_gold_is_read_beside_the_entity_gold_and_must_line_up(tmp_path):
    import json

    import pytest

    from tasks.io import read_identities

    entities = tmp_path / "entities_x.jsonl"
    entities.write_text(json.dumps({"id": "a", "text": "Brown", "entities": [[0, 5, "PERSON", "Brown"]]}) + "\n")
    assert read_identities([entities]) is None
    beside = tmp_path / "identities_x.jsonl"
    beside.write_text(json.dumps({"id": "a", "identities": ["Gordon Brown"]}) + "\n")
    assert read_identities([entities]) == [["Gordon Brown"]]
    beside.write_text(json.dumps({"id": "a", "identities": ["Gordon Brown", "Labour"]}) + "\n")
    with pytest.raises(ValueError, match="does not line up"):
        read_identities([entities])
    # Or in the entity gold's own records, whatever the file is called.
    inline = tmp_path / "gold.jsonl"
    inline.write_text(json.dumps({"id": "a", "text": "Brown", "entities": [[0, 5, "PERSON", "Brown"]],
                                  "identities": ["Gordon Brown"]}) + "\n")
    assert read_identities([inline]) == [["Gordon Brown"]]


def test_the_shipped_identity_gold_lines_up_with_its_entity_gold():
    from tasks.io import read_identities

    for folder in (ROOT / "bench" / "gold", ROOT / "bench" / "gold" / "heldout"):
        files = sorted(folder.glob("entities_*.jsonl"))
        identities = read_identities(files)
        assert identities is not None, folder
        assert all(name and name.strip() == name for names in identities for name in names)


def test_an_events_place_actor_and_date_are_judged_against_the_gold_event_its_count_overlaps():
    import datetime as dt

    from tasks.eval.scoring import judge_events

    gold = [[{"start": 10, "end": 12, "place_start": 30, "place_end": 36, "date": "2016-12",
              "actor_start": 0, "actor_end": 6},
             {"start": 50, "end": 52, "place_start": None, "place_end": None, "date": None,
              "actor_start": None, "actor_end": None}]]
    toponyms = [[{"start": 30, "end": 36, "latitude": 32.78, "longitude": -96.8}]]  # Dallas
    predicted = [[{"start": 10, "end": 12, "latitude": 32.8, "longitude": -96.7, "country_code": "US",
                   "actor_entity_id": "a", "event_date": dt.date(2016, 12, 1)},
                  {"start": 50, "end": 53, "latitude": 40.7, "longitude": -74.0, "country_code": "US",
                   "actor_entity_id": "b", "event_date": dt.date(2016, 12, 19)},
                  {"start": 80, "end": 82, "latitude": 1.0, "longitude": 1.0, "country_code": None,
                   "actor_entity_id": None, "event_date": None}]]
    mentions = [[{"start": 0, "end": 6, "entity_id": "a"}, {"start": 40, "end": 44, "entity_id": "b"}]]
    verdicts = judge_events(gold, toponyms, predicted, mentions)
    # The second names an actor where the text names none; it says nowhere where or when.
    assert verdicts == {"place": [[True, None, None]], "actor": [[True, False, None]], "date": [[True, None, None]]}


def test_eval_events_needs_the_articles_texts_and_refuses_an_article_that_differs(tmp_path, capsys):
    import hashlib
    import json

    from flows.cli import main
    from tests.unit.eval.test_gold_formats import TR_NEWS

    xml = tmp_path / "tr-news.xml"
    xml.write_text(TR_NEWS, encoding="utf-8")
    gold = tmp_path / "events.jsonl"
    for article, sha in (("1", "0" * 64), ("7", hashlib.sha256(b"another text").hexdigest())):
        gold.write_text(json.dumps({"set": "tr-news", "id": article, "sha256": sha, "events": []}) + "\n",
                        encoding="utf-8")
        assert main(["eval", "events", str(gold)]) == 2
        assert "give --texts XML" in capsys.readouterr().err
        assert main(["eval", "events", str(gold), "--texts", str(xml)]) == 2
        assert ("article tr-news/1 is in none of the --texts" if article == "1"
                else "article 7 differs from the one annotated") in capsys.readouterr().err
