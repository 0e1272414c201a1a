"""WARC files as CC-NEWS publishes them: each response record a page, read in slices of whole
records; pages become documents, everything else quarantine rows with their reasons."""

from __future__ import annotations

import pytest

import tasks.io.inputs as inputs
from tasks.ingest.readers import ingest_file
from tasks.quarantine import quarantine_frame, with_stage
from tests.news_pages import ARTICLES, BOILERPLATE_MARKERS, write_warc


def read_slices(path):
    rows, quarantine, slices = [], [], list(inputs.warc_slices(path))
    for piece in slices:
        read = inputs.read_input(piece)
        out = ingest_file(read.path, read.data, read.error, read.reason, first_record=read.first_record)
        rows += out.rows
        quarantine += out.quarantine
    return slices, rows, quarantine


def test_a_file_that_is_no_warc_and_a_damaged_one_are_quarantined(tmp_path):
    (tmp_path / "junk.warc.gz").write_bytes(b"this is not a WARC file at all\n" * 20)
    _, rows, (problem,) = read_slices(tmp_path / "junk.warc.gz")
    assert not rows and problem["reason"] == "invalid_warc" and problem["record_kind"] == "file"
    good = tmp_path / "good.warc"
    write_warc(good, gzip=False)
    data = bytearray(good.read_bytes())
    second = data.find(b"WARC/1.0", data.find(b"WARC/1.0", data.find(b"WARC/1.0") + 1) + 1)
    data[second:second + 8] = b"GARBAGE!"  # the first response's header damaged: the rest is unreadable
    (tmp_path / "damaged.warc").write_bytes(bytes(data))
    _, rows, quarantine = read_slices(tmp_path / "damaged.warc")
    assert not rows and [q["reason"] for q in quarantine] == ["truncated_record"]


def test_a_warc_planned_once_is_planned_again_from_the_index_until_it_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "WARC_SLICE_RECORDS", 3)
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    index = inputs.SliceIndex(tmp_path / "out")
    first = list(inputs.warc_slices(path, index))
    scans = []
    monkeypatch.setattr(inputs, "_scan_warc", lambda p: scans.append(p) or iter(()))
    assert list(inputs.warc_slices(path, index)) == first and not scans  # not read through again
    path.write_bytes(path.read_bytes() + b"\n")  # changed: its fingerprint no longer matches
    assert list(inputs.warc_slices(path, index)) == [] and scans == [path]


@pytest.mark.parametrize("served_as", ["application/rss+xml", "text/plain; charset=utf-8"])
def test_a_fetched_feed_in_a_warc_gives_its_full_items_whatever_it_was_served_as(tmp_path, served_as):
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from tests.news_pages import FULL, rss

    path = tmp_path / "fetched.warc.gz"
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        body = rss("https://news.example.com").encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", served_as)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://news.example.com/feed.rss", "response",
                                                      payload=io.BytesIO(body), http_headers=http))
    _, rows, quarantine = read_slices(path)
    assert not quarantine  # the teaser items are pages to fetch, not records of this one
    (row,) = rows
    assert (row["source_format"], row["body"], row["source"]) == ("feed", "\n\n".join(FULL.paragraphs),
                                                                  "Example News")
    assert row["url"] == "https://news.example.com/politics/in-the-feed"
    assert row["fetched_url"] == "https://news.example.com/feed.rss"



@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
@pytest.mark.parametrize("per_slice", [100, 2])
def test_every_response_is_a_document_or_quarantined_with_its_reason(tmp_path, monkeypatch, gzip, per_slice):
    monkeypatch.setattr(inputs, "WARC_SLICE_RECORDS", per_slice)
    path = tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc")
    expected = write_warc(path, gzip=gzip)
    slices, rows, quarantine = read_slices(path)
    assert len(slices) == -(-len(expected) // per_slice)  # whole slices of `per_slice` responses
    assert {r["fetched_url"]: "document" for r in rows} | {q["detail"].rsplit("(", 1)[1].rstrip(")"): q["reason"]
                                                            for q in quarantine} == expected
    by_url = {r["fetched_url"]: r for r in rows}
    for article in ARTICLES:
        row = by_url[article.url]
        assert row["body"] == "\n\n".join(article.paragraphs) and row["source_format"] == "warc"
        assert not [m for m in BOILERPLATE_MARKERS if m in row["body"]]
        assert row["source_id"].startswith("urn:uuid:") and row["fetched_at"].tzinfo is not None
    # Record numbers count every record (warcinfo, request, response, metadata) from 0.
    assert [r["record_index"] for r in rows] == [2, 5, 20]
    named = with_stage(quarantine_frame(quarantine), "ingest_documents")
    assert named["quarantine_id"].n_unique() == len(quarantine)


def test_a_warc_page_is_held_to_max_page_bytes_and_its_main_text_to_max_document_bytes(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    (piece,) = inputs.warc_slices(path)
    read = inputs.read_input(piece)
    full = ingest_file(read.path, read.data, first_record=read.first_record)
    small_pages = ingest_file(read.path, read.data, first_record=read.first_record, max_page_bytes=500)
    assert full.rows and not small_pages.rows
    assert {q["reason"] for q in small_pages.quarantine if "max_page_bytes=500" in q["detail"]} == {"too_large"}
    short_texts = ingest_file(read.path, read.data, first_record=read.first_record, max_document_bytes=50)
    assert not short_texts.rows
    texts = [q for q in short_texts.quarantine if q["detail"].startswith("its main text")]
    assert len(texts) == len(full.rows) and {q["reason"] for q in texts} == {"too_large"}
