"""`newsfacts eval entities` on the hand-annotated seeds, with the real model."""

import re

from conftest import ROOT
from flows.cli import main
from tasks.evaluation import score_spans


def test_score_spans_exact_match_per_label():
    scores = score_spans([[(0, 5, "PERSON"), (10, 14, "GPE")]], [[(0, 5, "PERSON"), (10, 14, "ORG"), (20, 22, "DATE")]])
    assert (scores["PERSON"].f1, scores["GPE"].recall, scores["ORG"].precision) == (1.0, 0.0, 0.0)
    assert (scores["ALL"].true_positives, scores["ALL"].false_positives, scores["ALL"].false_negatives) == (1, 1, 1)


def test_eval_prints_both_systems_and_the_pipeline_beats_the_raw_model(capsys):
    assert main(["eval", "entities", str(ROOT / "bench" / "gold" / "entities_seeds.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "spaCy" in out and "newsfacts" in out
    rows = {m[0]: [float(x) for x in m[2:]] for m in
            (line.split() for line in out.splitlines()) if m and m[0] in ("PERSON", "GPE", "NORP", "ALL")}
    for label in ("PERSON", "GPE", "ALL"):
        raw_f1, ours_f1 = rows[label][2], rows[label][5]
        assert ours_f1 > raw_f1 + 0.05, (label, raw_f1, ours_f1)
    assert re.search(r"^2 documents", out, re.M)


def test_gold_without_text_needs_the_corpus(capsys):
    assert main(["eval", "entities", str(ROOT / "bench" / "gold" / "entities_bbc_tech.jsonl")]) == 2
    assert "corpus" in capsys.readouterr().err
