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
