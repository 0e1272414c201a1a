import datetime as dt
import json
import random

from tasks.ingest.readers import ingest_file
from tasks.ingest.records import doc_id_for, find_dateline, split_conflicting_ids, split_date_header


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


def test_text_file_becomes_one_article_named_within_its_input():
    out = ingest_file("corpus/in/000_abc.txt", " date 2022-09-30 Body text.".encode(), name="in/000_abc.txt")
    (row,) = out.rows
    assert not out.quarantine
    assert row["source_id"] == "in/000_abc.txt"
    assert ingest_file("corpus/in/000_abc.txt", b"Body text.").rows[0]["source_id"] == "000_abc.txt"
    assert row["published_date"] == dt.date(2022, 9, 30)
    assert row["body"] == "Body text."
    assert row["doc_id"] == doc_id_for("Body text.")
    assert len(row["doc_id"]) == 16


def test_doc_id_is_stable_and_content_derived():
    assert doc_id_for("same text") == doc_id_for("same text")
    assert doc_id_for("same text") != doc_id_for("other text")


def test_empty_binary_and_undecodable_files_are_quarantined_with_reasons():
    empty = ingest_file("a.txt", b"  \n\t ")
    png = ingest_file("b.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    garbage = ingest_file("c.txt", random.Random(7).randbytes(3000))
    assert not empty.rows and empty.quarantine[0]["reason"] == "empty_file"
    assert not png.rows and png.quarantine[0]["reason"] == "binary_file" and "PNG" in png.quarantine[0]["detail"]
    assert not garbage.rows and garbage.quarantine[0]["reason"] == "undetectable_encoding"
    assert "not UTF-8" in garbage.quarantine[0]["detail"]


def test_legacy_encodings_are_decoded_and_flagged():
    (row,) = ingest_file("b.txt", "Le café est très bon, à côté de la gare.".encode("latin-1")).rows
    assert row["body"] == "Le café est très bon, à côté de la gare."
    assert row["encoding"] == "cp1252" and row["flags"] == ["legacy_encoding"]
    (utf16,) = ingest_file("u.txt", "Kyiv said “no”.".encode("utf-16")).rows
    assert utf16["body"] == "Kyiv said “no”." and utf16["encoding"] == "utf-16" and utf16["flags"] == []


def test_too_large_articles_are_quarantined_unread():
    out = ingest_file("big.txt", b"word " * 300, max_document_bytes=1000)
    assert not out.rows and out.quarantine[0]["reason"] == "too_large"
    assert "max_document_bytes=1,000" in out.quarantine[0]["detail"]
    record = json.dumps({"id": "1", "text": "word " * 300}).encode()
    assert ingest_file("f.jsonl", record, max_document_bytes=1000).quarantine[0]["reason"] == "too_large"


def test_invalid_date_header_is_flagged_not_dropped():
    (row,) = ingest_file("a.txt", b" date 2022-13-45 Kyiv said.").rows
    assert row["published_date"] is None and row["body"] == "Kyiv said." and row["flags"] == ["invalid_date"]
    (record,) = ingest_file("f.jsonl", json.dumps({"id": 1, "text": "x y", "date": "2022-02-30"}).encode()).rows
    assert record["published_date"] is None and record["flags"] == ["invalid_date"]


def test_a_publisher_id_reused_with_different_text_is_quarantined():
    lines = [{"id": "7", "text": "First version."}, {"id": "7", "text": "First version."},
             {"id": "7", "text": "Other text."}, {"id": "7", "source": "wire", "text": "Other text."}]
    rows = ingest_file("f.jsonl", "\n".join(json.dumps(line) for line in lines).encode()).rows
    out = split_conflicting_ids(rows)
    assert [r["record_index"] for r in out.rows] == [1, 2, 4]  # same text: left to cleaning; other source: fine
    (conflict,) = out.quarantine
    assert conflict["reason"] == "conflicting_id" and conflict["record_index"] == 3
    assert rows[0]["doc_id"] in conflict["detail"]
    earlier = split_conflicting_ids(rows[:1], {("", "7"): "0123456789abcdef"})
    assert not earlier.rows and "document 0123456789abcdef" in earlier.quarantine[0]["detail"]


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


def test_quarantine_ids_are_stable_across_runs_and_differ_by_what_failed_and_where():
    from tasks.quarantine import quarantine_frame, with_stage

    def ids(*files):
        rows = [row for name, data in files for row in ingest_file(name, data).quarantine]
        return with_stage(quarantine_frame(rows), "ingest_documents")["quarantine_id"].to_list()

    first, again, other = ids(("a.txt", b""), ("a.txt", b""), ("b.txt", b""))
    assert first == again != other and len(first) == 24


def test_date_headers_with_a_time_or_a_zone_are_read_as_the_jsonl_date_is():
    for header in ("2022-09-30 10:00", "2022-09-30 10:00:00", "2022-09-30T10:00:00Z", "2022-09-30T10:00:00+02:00",
                   "2022-09-30 10:00:00 UTC", "2022-9-30"):
        (row,) = ingest_file("a.txt", f" date {header} Kyiv said.".encode()).rows
        assert (row["published_date"], row["body"], row["flags"]) == (dt.date(2022, 9, 30), "Kyiv said.", []), header
        (record,) = ingest_file("f.jsonl", json.dumps({"id": 1, "text": "Kyiv said.", "date": header}).encode()).rows
        assert record["published_date"] == dt.date(2022, 9, 30), header


def test_anything_else_after_a_date_header_is_flagged():
    for header, body in (("30/09/2022 Kyiv said.", "Kyiv said."), ("2022-09-30T25:00 Kyiv said.", "Kyiv said."),
                         ("yesterday Kyiv said.", "date yesterday Kyiv said.")):
        (row,) = ingest_file("a.txt", f" date {header}".encode()).rows
        assert row["published_date"] is None and row["flags"] == ["invalid_date"], header
        assert row["body"].strip() == body
    (row,) = ingest_file("a.txt", b"Date night is back in Kyiv.").rows
    assert row["flags"] == [] and row["body"] == "Date night is back in Kyiv."


def test_files_of_one_dataset_never_share_a_source_id(tmp_path):
    """`business/001.txt` and `tech/001.txt` of one corpus: each named by its path within the input."""
    from tasks import io

    corpus = tmp_path / "bbc"
    for folder in ("business", "tech"):
        (corpus / folder).mkdir(parents=True)
        (corpus / folder / "001.txt").write_text(f"A {folder} story.", encoding="utf-8")
    entries = list(io.iter_inputs([corpus]))
    names = [f.name for f in io.read_files(entries, inputs=[str(corpus)])]
    assert names == ["bbc/business/001.txt", "bbc/tech/001.txt"]
    assert io.source_name(str(corpus / "tech" / "001.txt"), [str(corpus / "tech"), str(corpus)]) == "bbc/tech/001.txt"
    assert io.source_name("s3://bucket/news/2024/a.txt", ["s3://bucket/news/"]) == "news/2024/a.txt"
    assert io.source_name("s3://bucket/news/2024/a.txt", ["s3://bucket/news/2024/a.txt"]) == "a.txt"
