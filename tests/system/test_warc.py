"""WARC files as CC-NEWS publishes them: each response record a page, read in slices of whole
records; pages become documents, everything else quarantine rows with their reasons."""

from __future__ import annotations

import polars as pl
import pytest

import tasks.io.inputs as inputs
from tests.conftest import read
from tests.news_pages import ARTICLES, BOILERPLATE_MARKERS, news_page, write_warc


@pytest.mark.slow
def test_a_run_reads_pages_and_warcs_and_a_rerun_reads_nothing_again(tmp_path, monkeypatch):
    """The real flow over a WARC in slices of two responses across batches, the same articles as
    saved pages, and a JSONL of a page: every record in `documents` or `quarantine` (the pages are
    duplicates of the WARC's responses, whatever their format); the same inputs again read nothing."""
    import dataclasses
    import json

    from flows.news_pipeline import news_pipeline

    monkeypatch.setattr(inputs, "WARC_SLICE_RECORDS", 2)
    folder = tmp_path / "in"
    (folder / "pages").mkdir(parents=True)
    for article in ARTICLES:
        (folder / "pages" / f"{article.slug}.html").write_text(news_page(article), encoding="utf-8")
    expected = write_warc(folder / "crawl.warc.gz")
    wire = dataclasses.replace(ARTICLES[1], paragraphs=ARTICLES[1].paragraphs[::-1], host="wire.example.net")
    (folder / "wire.jsonl").write_text(json.dumps({"id": "w1", "html": news_page(wire, canonical=False),
                                                   "url": wire.url}), encoding="utf-8")
    output = tmp_path / "out"
    manifest = news_pipeline(inputs=[str(folder)], output_dir=str(output), batch_size=3)
    # Four slices of two responses (a batch of 3 holds one), then three pages and a record.
    assert manifest["conserved"] and [b["records"] for b in manifest["batches"]] == [2, 2, 2, 3, 3]
    documents, quarantine = read(output, "documents"), read(output, "quarantine")
    assert documents.group_by("source_format").len().sort("source_format").rows() == [("jsonl", 1), ("warc", 3)]
    assert dict(quarantine.group_by("reason").len().rows()) == {
        "duplicate_document": 3, "http_error": 1, "http_redirect": 1, "no_main_text": 1, "not_html": 1,
        "truncated_record": 1}
    assert sorted(documents.filter(pl.col("source_format") == "warc")["fetched_url"]) == \
        sorted(url for url, outcome in expected.items() if outcome == "document")
    assert not documents.filter(pl.col("text").str.contains("|".join(BOILERPLATE_MARKERS))).height
    assert documents.sort("source_format")["domain"].to_list() == ["example.net", "example.com", "example.com",
                                                                     "example.org"]
    # The wire's copy of the grain story (its paragraphs reordered, another outlet's URL) is the same story.
    wire_row = documents.filter(pl.col("source_format") == "jsonl").row(0, named=True)
    grain = documents.filter(pl.col("url") == ARTICLES[1].url).row(0, named=True)
    assert wire_row["near_duplicate_of"] == grain["doc_id"] and wire_row["story_id"] == grain["story_id"]
    assert documents["story_id"].n_unique() == 3
    again = news_pipeline(inputs=[str(folder)], output_dir=str(output), batch_size=3)
    assert not again["batches"] and read(output, "documents").height == documents.height
    # Files count the WARC once, not once a slice: (1 WARC, 3 pages, 1 JSONL), all unchanged the second time.
    assert (manifest["files"], again["files"], again["files_unchanged"]) == (5, 5, 5)
    assert read(output, "quarantine").height == quarantine.height
