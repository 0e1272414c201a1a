import polars as pl

from tasks.schemas import ENTITIES, frame
from tasks.validation import Validator, split_failures, with_span_check

IDS = {"entity_id": "0123456789abcdef", "external_id": None}


def test_entities_suite_quarantines_failing_rows_with_the_expectation(tmp_path):
    documents = pl.DataFrame({"doc_id": ["d1"], "text": ["Putin met Biden in Kyiv."]})
    rows = frame([
        {"doc_id": "d1", "start_char": 0, "end_char": 5, "text": "Putin", "label": "PERSON", "sentence_index": 0, "canonical_name": "x", **IDS},
        {"doc_id": "d1", "start_char": 10, "end_char": 15, "text": "Biden", "label": "ALIEN", "sentence_index": 0, "canonical_name": "x", **IDS},
        {"doc_id": "d1", "start_char": 19, "end_char": 23, "text": "Kiev", "label": "GPE", "sentence_index": 0, "canonical_name": "x", **IDS},
    ], ENTITIES)
    validator = Validator(docs_dir=tmp_path / "docs")
    checked = with_span_check(rows, documents, "text")
    assert checked["span_matches_document"].to_list() == [True, True, False]
    gate, failures = validator.validate("entities", checked)
    assert sorted(failures) == [1, 2]
    assert gate.failed_rows == 2 and gate.rows == 3
    gate.max_failed_share = 0.5
    assert not gate.passed and "entities" in gate.message() and "label" in gate.message()
    kept, quarantine = split_failures(checked, failures, record_kind="entity",
                                      excerpt_column="text")
    assert kept["text"].to_list() == ["Putin"]
    assert "span_matches_document" not in kept.columns
    assert quarantine["reason"].to_list() == ["failed_expectation"] * 2
    assert "expect_column_values_to_be_in_set(label)" in quarantine["detail"][0]
    assert "span_matches_document" in quarantine["detail"][1]
    assert validator.build_docs() == tmp_path / "docs" / "index.html"
    assert "entities" in (tmp_path / "docs" / "index.html").read_text()
    assert gate.result["success"] is False


def test_clean_rows_pass(tmp_path):
    documents = pl.DataFrame({"doc_id": ["d1"], "text": ["Kyiv"]})
    rows = frame([{"doc_id": "d1", "start_char": 0, "end_char": 4, "text": "Kyiv", "label": "GPE",
                   "sentence_index": 0, "canonical_name": "Kyiv", **IDS}], ENTITIES)
    gate, failures = Validator().validate("entities", with_span_check(rows, documents, "text"))
    assert failures == {} and gate.passed


def test_a_missing_column_fails_every_row_and_is_named():
    documents = pl.DataFrame({"doc_id": ["d1"], "text": ["Kyiv"]})
    rows = frame([{"doc_id": "d1", "start_char": 0, "end_char": 4, "text": "Kyiv", "label": "GPE",
                   "sentence_index": 0, "canonical_name": "Kyiv", **IDS}], ENTITIES).drop("label")
    gate, failures = Validator().validate("entities", with_span_check(rows, documents, "text"))
    assert list(failures) == [0] and "expect_table_columns_to_match_set(label)" in failures[0]
    assert gate.failed_expectations["expect_table_columns_to_match_set(label)"] == 1


def test_stage_counts_suite_fails_when_a_stage_loses_a_record():
    from tasks.pipeline.runner import StageCount, accounting_frame

    counts = [StageCount("read", 5, 4, 1, unit="files"), StageCount("clean", 4, 3, 0, 0),
              StageCount("entities", 3, 40, unit="mentions"), StageCount("overall", 6, 3, 2, 1, unit="records")]
    frame_ = accounting_frame(counts)
    assert frame_["stage"].to_list() == ["read", "clean", "overall"]  # mentions are not documents
    gate, failures = Validator().validate("stage_counts", frame_)
    assert list(failures) == [1] and gate.failed_expectations == {
        "expect_column_values_to_be_between(unaccounted)": 1}
    gate.max_failed_share = 0.0
    assert not gate.passed


def test_the_failed_share_counts_documents_so_one_document_cannot_flood_a_gate():
    # 21 documents, one of which has five bad mentions: 5 of 26 rows fail (19%), 1 of 21 documents (4.8%).
    texts = {f"d{i:02d}": "Kyiv" for i in range(21)}
    rows = [{"doc_id": doc_id, "start_char": 0, "end_char": 4, "text": "Kyiv", "label": "GPE", "sentence_index": 0,
             "canonical_name": "Kyiv", **IDS} for doc_id in texts]
    rows += [{**rows[0], "start_char": i, "end_char": i + 1, "label": "ALIEN"} for i in range(1, 6)]
    documents = pl.DataFrame({"doc_id": list(texts), "text": list(texts.values())})
    checked = with_span_check(frame(rows, ENTITIES), documents, "text")
    gate, failures = Validator().validate("entities", checked)
    assert (gate.failed_rows, gate.rows, gate.failed_documents, gate.documents) == (5, 26, 1, 21)
    gate.stage, gate.max_failed_share = "entities", 0.05
    assert gate.passed and abs(gate.failed_share - 1 / 21) < 1e-9
    gate.max_failed_share = 0.04
    assert not gate.passed and "1 of 21 documents (5 of 26 rows)" in gate.message()
    kept, quarantine = split_failures(checked, failures, record_kind="entity", excerpt_column="text")
    assert kept.height == 21 and quarantine["doc_id"].unique().to_list() == ["d00"]


def test_every_failing_row_is_found_beyond_the_first_values_a_result_shows():
    # GE's BASIC result lists the first 20 failing values; the quarantine needs all 35 rows, and
    # the stored result says which rows they are.
    documents = pl.DataFrame({"doc_id": ["d1"], "text": ["Kyiv " * 40]})
    rows = [{"doc_id": "d1", "start_char": 5 * i, "end_char": 5 * i + 4, "text": "Kyiv",
             "label": "GPE" if i % 4 else "X", "sentence_index": 0, "canonical_name": "Kyiv", **IDS}
            for i in range(40)]
    rows += [{**rows[1], "start_char": i, "end_char": i + 2} for i in range(200, 225)]  # outside the text
    gate, failures = Validator().validate("entities", with_span_check(frame(rows, ENTITIES), documents, "text"))
    assert sorted(failures) == [i for i in range(40) if i % 4 == 0] + list(range(40, 65))
    assert gate.failed_expectations == {"expect_column_values_to_be_in_set(label)": 10,
                                        "expect_column_values_to_be_in_set(span_matches_document)": 25}
    failed = [r for r in gate.result["results"] if not r["success"]]
    assert sorted(len(r["result"]["unexpected_index_list"]) for r in failed) == [10, 25]
    assert all(r["result"]["element_count"] == 65 for r in gate.result["results"] if "element_count" in r["result"])


def test_the_numbers_suite_holds_units_to_the_vocabulary():
    from tasks.schemas import NUMBERS
    from tasks.validation import with_date_check

    text = "It holds 5 GB and 6 GB, costs 3 yen and 4 zorkmids, at 2 per fortnight."
    base = {"doc_id": "d1", "kind": "measure", "qualifier": "=", "change": "", "count_type": "", "object": "",
            "sentence_index": 0, "value": 5.0, "per_unit": ""}

    def row(surface, **fields):
        start = text.index(surface)
        return base | {"start_char": start, "end_char": start + len(surface), "surface": surface} | fields

    rows = frame([row("5 GB", unit="gigabyte"), row("3 yen", kind="money", unit="JPY"),
                  row("6 GB", unit="gb"),
                  row("4 zorkmids", kind="money", unit="ZRK"),
                  row("2 per fortnight", kind="count", unit="", per_unit="fortnight")], NUMBERS)
    documents = pl.DataFrame({"doc_id": ["d1"], "text": [text]})
    gate, failures = Validator().validate("numbers", with_date_check(with_span_check(rows, documents, "surface")))
    assert sorted(failures) == [2, 3, 4]
    assert {"expect_column_values_to_be_in_set(unit)", "expect_column_values_to_be_in_set(per_unit)"} \
        <= set(gate.failed_expectations)


def test_a_duration_may_carry_its_timex3_value_and_nothing_else_does():
    from tasks.validation import with_date_check

    rows = pl.DataFrame({"kind": ["duration", "duration", "duration", "count", "date", "date"],
                         "value": [3.0, 2.0, 2.0, 5.0, None, None],
                         "date_value": ["P3D", None, "2022-09", "P5D", "PRESENT_REF", "P3D"],
                         "date_granularity": ["duration", None, "month", "duration", "reference", "duration"]})
    assert with_date_check(rows)["value_fits_kind"].to_list() == [True, True, False, False, True, False]
