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


def test_eval_numbers_beats_quantulum3_on_the_seeds(capsys):
    assert main(["eval", "numbers", str(ROOT / "bench" / "gold" / "numbers_seeds.jsonl")]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("gold"))
    ours_value, ours_unit, ours_object, theirs_value, theirs_unit = map(float, line.split()[3:])
    assert ours_value >= 0.9 and ours_value > theirs_value
    assert ours_unit > theirs_unit and ours_object > 0.6


def test_recognizers_specs_read_as_gold(tmp_path):
    from tasks.peers import read_recognizers_specs

    spec = tmp_path / "Specs" / "NumberWithUnit" / "English"
    spec.mkdir(parents=True)
    (spec / "CurrencyModel.json").write_text(
        '[{"Input": "it cost $ 75 million .", "Results": [{"Text": "$ 75 million", "TypeName": "currency",'
        ' "Resolution": {"value": "75000000", "unit": "Dollar"}, "Start": 8, "End": 19}]}]')
    (record,) = read_recognizers_specs(tmp_path)["CurrencyModel"]
    (number,) = record["numbers"]
    assert record["text"][number["start"]:number["end"]] == "$ 75 million"
    assert (number["value"], number["unit"]) == (75000000, "USD")


def test_eval_scores_the_rows_a_run_writes(seeds_run):
    """`eval` extracts with the production function: on the seeds it finds exactly the entity and
    number rows the flow wrote."""
    import polars as pl

    from conftest import read
    from tasks.defaults import DEFAULT_MODEL
    from tasks.extraction import extract_mentions
    from tasks.nlp import load_model

    output, _ = seeds_run
    documents = read(output, "documents").sort("doc_id")
    entities, numbers = extract_mentions(load_model(DEFAULT_MODEL), documents["doc_id"].to_list(),
                                         documents["text"].to_list())
    for table, extracted, columns in (
            ("entities", entities, ["doc_id", "start_char", "end_char", "label", "sentence_index"]),
            ("numbers", numbers, ["doc_id", "start_char", "end_char", "value", "unit", "object", "count_type"])):
        written = read(output, table).filter(pl.col("doc_id").is_in(documents["doc_id"].implode()))
        assert written.height > 20
        assert extracted.select(columns).sort(columns[:3]).equals(written.select(columns).sort(columns[:3])), table
