"""Gold sets read as they are published: CoNLL-2003."""

from tasks.eval.gold import read_conll
from tasks.eval.scoring import score_bags

CONLL = """-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
, , O O
says VBZ I-VP O
Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER
. . O O

BRUSSELS NNP I-NP I-LOC
1996-08-22 CD I-NP O

-DOCSTART- -X- O O

Hapoel NNP I-NP I-ORG
Haifa NNP I-NP I-ORG
beat VBD I-VP O
Maccabi NNP I-NP I-ORG
Tel NNP I-NP B-ORG
Aviv NNP I-NP I-ORG
( ( O O
Israel NNP I-NP I-LOC
) ) O O
"""


def test_conll_documents_become_text_with_their_entities_as_spans():
    first, second = read_conll(CONLL)
    assert first["text"] == "EU rejects German call, says Peter Blackburn.\nBRUSSELS 1996-08-22"
    assert [(first["text"][s:e], label) for s, e, label in first["entities"]] == [
        ("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER"), ("BRUSSELS", "LOC")]
    # B- starts a new entity even after one of the same type; `(` takes no space after it.
    assert second["text"] == "Hapoel Haifa beat Maccabi Tel Aviv (Israel)"
    assert [(second["text"][s:e], label) for s, e, label in second["entities"]] == [
        ("Hapoel Haifa", "ORG"), ("Maccabi", "ORG"), ("Tel Aviv", "ORG"), ("Israel", "LOC")]


def test_a_bag_per_document_matches_each_gold_pair_once_whatever_the_spacing():
    gold = [[("Tel Aviv", "LOC"), ("Tel Aviv", "LOC"), ("EU", "ORG")]]
    predicted = [[("Tel  Aviv", "LOC"), ("EU", "ORG"), ("EU", "ORG"), ("Blackburn", "PER")]]
    scores = score_bags(gold, predicted)
    assert (scores["LOC"].true_positives, scores["LOC"].false_negatives) == (1, 1)
    assert (scores["ORG"].true_positives, scores["ORG"].false_positives) == (1, 1)
    assert (scores["ALL"].true_positives, scores["ALL"].false_positives, scores["ALL"].false_negatives) == (2, 2, 1)


TR_NEWS = """<?xml version="1.0" encoding="utf-8"?>
<articles><article docid="7"><dltime>2016-12-19</dltime>
<text><![CDATA[A Turkish policeman shot the envoy in Ankara.]]></text>
<toponyms>
<toponym><phrase>Turkish</phrase><start>2</start><end>9</end>
<gaztag geonameid="298795"><name>Turkey</name><lat>39</lat><lon>35</lon></gaztag></toponym>
<toponym><phrase>Ankara</phrase><start>38</start><end>44</end>
<gaztag geonameid="323786"><name>Ankara</name><lat>39.92</lat><lon>32.85</lon></gaztag></toponym>
</toponyms></article></articles>"""

GEOVIRUS = """<articles><article><text>Hogs culled in Pandi, Bulacan.</text><locations>
<location><name>Pandi</name><start>16</start><end>21</end><lat>14.87</lat><lon>120.95</lon></location>
</locations></article></articles>"""


def test_toponym_gold_reads_both_xml_forms_and_aligns_geovirus_offsets():
    import datetime as dt

    from tasks.eval.gold import read_toponyms

    (article,) = read_toponyms(TR_NEWS)
    assert article["published_date"] == dt.date(2016, 12, 19)
    assert [(p["text"], p["latitude"], p["geonames_id"]) for p in article["places"]] == [
        ("Turkish", 39.0, 298795), ("Ankara", 39.92, 323786)]
    (article,) = read_toponyms(GEOVIRUS)  # its offsets count from 1
    (place,) = article["places"]
    assert (place["start"], place["end"], place["text"]) == (15, 20, "Pandi")


def test_toponyms_are_right_within_161_km_of_the_gold_and_recall_counts_every_toponym():
    from tasks.eval.scoring import score_toponyms

    gold = [[{"start": 0, "end": 5, "latitude": 39.92, "longitude": 32.85},
             {"start": 10, "end": 15, "latitude": 41.0, "longitude": 29.0},
             {"start": 20, "end": 25, "latitude": None, "longitude": None}]]
    predicted = [[{"start": 0, "end": 5, "latitude": 39.9, "longitude": 32.9},  # Ankara: right
                  {"start": 11, "end": 14, "latitude": 39.9, "longitude": 32.9}]]  # Istanbul read as Ankara
    accuracy, recall = score_toponyms(gold, predicted)
    assert (accuracy.correct, accuracy.total, recall.total) == (1, 2, 2)


TIMEML = """<?xml version="1.0" ?>
<TimeML><DOCID>ABC1</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="1998-01-08" functionInDocument="CREATION_TIME">19980108</TIMEX3></DCT>
<TEXT>
It was a bad <TIMEX3 tid="t1" type="DURATION" value="P1W">week</TIMEX3> for Asia, <EVENT eid="e1">said</EVENT> \
officials <TIMEX3 tid="t2" type="DATE" value="PRESENT_REF">now</TIMEX3>, on <TIMEX3 tid="t3" type="DATE" \
value="1998-01-07">Wednesday</TIMEX3>.
</TEXT></TimeML>"""


def test_timeml_text_loses_its_tags_and_keeps_each_timex_with_its_value():
    from tasks.eval.gold import read_timeml

    record = read_timeml(TIMEML)
    assert record["id"] == "ABC1" and record["document_date"] == "1998-01-08"
    assert record["text"] == "\nIt was a bad week for Asia, said officials now, on Wednesday.\n"
    assert [(record["text"][d["start"]:d["end"]], d["type"], d["value"]) for d in record["dates"]] == [
        ("week", "DURATION", "P1W"), ("now", "DATE", "PRESENT_REF"), ("Wednesday", "DATE", "1998-01-07")]
