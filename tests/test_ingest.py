import datetime as dt
import json

from tasks.ingest import doc_id_for, find_dateline, ingest_file, split_date_header


def test_date_header_is_parsed_and_removed():
    date, body = split_date_header(" date 2022-09-30 Russian President Vladimir Putin signed")
    assert date == dt.date(2022, 9, 30)
    assert body == "Russian President Vladimir Putin signed"


def test_impossible_date_header_is_removed_without_a_date():
    date, body = split_date_header("date 2022-13-45 Text follows")
    assert date is None and body == "Text follows"


def test_text_without_header_is_unchanged():
    assert split_date_header("A date 2022-09-30 mid-text") == (None, "A date 2022-09-30 mid-text")


def test_dateline_is_captured():
    assert find_dateline("MOSCOW, Russia — Russian President Vladimir Putin") == "MOSCOW, Russia"
    assert find_dateline("KYIV — Officials said") == "KYIV"
    assert find_dateline("WASHINGTON (AP) — The") == "WASHINGTON"


def test_sentences_are_not_datelines():
    assert find_dateline("Russia — a country — said") is None
    assert find_dateline("The President of Ukraine reacted") is None
    assert find_dateline("A — B") is None


def test_text_file_becomes_one_article_with_stem_as_source_id():
    out = ingest_file("in/000_abc.txt", " date 2022-09-30 Body text.".encode())
    (row,) = out.rows
    assert not out.quarantine
    assert row["source_id"] == "000_abc"
    assert row["published_date"] == dt.date(2022, 9, 30)
    assert row["body"] == "Body text."
    assert row["doc_id"] == doc_id_for("Body text.")
    assert len(row["doc_id"]) == 16


def test_doc_id_is_stable_and_content_derived():
    assert doc_id_for("same text") == doc_id_for("same text")
    assert doc_id_for("same text") != doc_id_for("other text")


def test_empty_and_non_utf8_files_are_quarantined_with_reasons():
    empty = ingest_file("a.txt", b"  \n\t ")
    latin1 = ingest_file("b.txt", "café".encode("latin-1"))
    assert not empty.rows and empty.quarantine[0]["reason"] == "empty_file"
    assert not latin1.rows and latin1.quarantine[0]["reason"] == "not_utf8"
    assert "UTF-8" in latin1.quarantine[0]["detail"]


def test_utf8_bom_is_dropped():
    (row,) = ingest_file("a.txt", "\ufeffHello world.".encode()).rows
    assert row["body"] == "Hello world."


def test_jsonl_records_and_bad_lines():
    lines = [
        json.dumps({"id": "a1", "text": "First article.", "title": "T", "date": "2023-01-02T10:00:00Z",
                    "source": "wire", "url": "https://example.org/a1"}),
        "{not json",
        json.dumps({"id": "a2"}),
        json.dumps([1, 2]),
        "",
        json.dumps({"id": 7, "text": "Second article."}),
    ]
    out = ingest_file("feed.jsonl", "\n".join(lines).encode())
    assert [r["source_id"] for r in out.rows] == ["a1", "7"]
    first = out.rows[0]
    assert first["published_date"] == dt.date(2023, 1, 2)
    assert (first["title"], first["source"], first["record_index"]) == ("T", "wire", 1)
    reasons = {q["record_index"]: q["reason"] for q in out.quarantine}
    assert reasons == {2: "malformed_jsonl", 3: "invalid_record", 4: "invalid_record"}
    assert "missing 'text'" in next(q["detail"] for q in out.quarantine if q["record_index"] == 3)


def test_unsupported_and_unreadable_files_are_quarantined():
    assert ingest_file("x.pdf", b"%PDF").quarantine[0]["reason"] == "unsupported_file_type"
    assert ingest_file("x.txt", None, "PermissionError: denied").quarantine[0]["reason"] == "unreadable_file"


def test_quarantine_ids_are_stable_across_runs():
    assert ingest_file("a.txt", b"").quarantine[0]["quarantine_id"] == \
        ingest_file("a.txt", b"").quarantine[0]["quarantine_id"]
