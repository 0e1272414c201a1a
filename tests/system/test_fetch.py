"""Feeds and pages fetched from a real HTTP server on 127.0.0.1 the test starts: robots.txt, a 500,
a response slower than the timeout, a redirect loop, a redirect to a page, conditional GET; every
item ends as a document or a quarantine row with its reason, and a second run fetches nothing it
already has."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import read
from tests.news_pages import BOILERPLATE_MARKERS, FULL, NewsSite, news_site

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out

@pytest.fixture
def site():
    with news_site() as base:
        yield base


def test_feeds_and_their_pages_end_as_documents_or_quarantine_and_a_rerun_fetches_nothing_it_has(site, tmp_path):
    from flows.news_pipeline import news_pipeline

    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# the site's feeds\n{site}/feed.rss\n\n{site}/atom.xml  # the wire\n", encoding="utf-8")
    # A feed file among the inputs: its teaser item's page is fetched too.
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "saved.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Saved</title><item><title>Convoy</title>'
        f'<link>{site}/world/convoy-strike</link><description>Teaser only.</description></item></channel></rss>',
        encoding="utf-8")
    output = tmp_path / "out"
    settings = {"fetch_delay": 0.0, "fetch_timeout": 1.0}
    manifest = news_pipeline(inputs=[str(tmp_path / "in")], feeds=str(feeds), output_dir=str(output), **settings)
    assert manifest["conserved"]
    documents, quarantine = read(output, "documents"), read(output, "quarantine")
    by_url = dict(zip(documents["url"], documents["source_format"], strict=True))
    assert by_url == {f"{site}/politics/in-the-feed": "feed", f"{site}/wire/atom-full": "feed",
                      f"{site}/world/grain-exports": "warc", f"{site}/world/central-bank-rates": "warc",
                      f"{site}/world/convoy-strike": "warc"}
    assert not documents.filter(pl.col("text").str.contains("|".join(BOILERPLATE_MARKERS))).height
    feed_row = documents.filter(pl.col("source_format") == "feed").sort("url").row(0, named=True)
    assert feed_row["text"] == "\n\n".join(FULL.paragraphs) and feed_row["source"] == "Example News"
    moved = documents.filter(pl.col("url").str.ends_with("central-bank-rates")).row(0, named=True)
    assert moved["fetched_url"] == f"{site}/world/central-bank-rates" and moved["fetched_at"] is not None
    reasons = {(row["source_path"].removeprefix(site) if row["source_path"].startswith("http") else "warc",
                row["reason"]) for row in quarantine.iter_rows(named=True)}
    assert reasons == {("/private/secret", "robots_disallowed"), ("/slow", "fetch_error"),
                       ("/loop", "fetch_error"), ("warc", "http_error")}
    assert "redirect loop" in quarantine.filter(pl.col("source_path").str.ends_with("/loop"))["detail"][0]
    # The grain page is linked from both feeds: fetched once. The slow page was tried three times.
    assert NewsSite.requests["/world/grain-exports"] == 1 and NewsSite.requests["/slow"] == 3
    assert NewsSite.requests["/private/secret"] == 0 and NewsSite.requests["/robots.txt"] == 1
    assert list((output / "_fetched").glob("*.warc.gz")) and manifest["fetch"]["pages"] == 4

    before = dict(NewsSite.requests)
    again = news_pipeline(inputs=[str(tmp_path / "in")], feeds=str(feeds), output_dir=str(output), **settings)
    fetched_again = {path: n - before.get(path, 0) for path, n in NewsSite.requests.items() if n > before.get(path, 0)}
    # The feeds answer 304; only what failed is asked for again; no page it has.
    assert again["fetch"]["not_modified"] == 2 and again["fetch"]["already_fetched"] == 1  # the saved feed's link
    assert set(fetched_again) == {"/feed.rss", "/atom.xml", "/robots.txt", "/broken", "/slow", "/loop", "/loop2"}
    assert read(output, "documents").height == documents.height

    # A full refresh rebuilds the tables from the kept WARCs: no page is fetched again.
    before = dict(NewsSite.requests)
    news_pipeline(inputs=[str(tmp_path / "in")], feeds=str(feeds), output_dir=str(output), full_refresh=True,
                  **settings)
    asked = {path for path, n in NewsSite.requests.items() if n > before.get(path, 0)}
    assert asked == {"/feed.rss", "/atom.xml", "/robots.txt", "/broken", "/slow", "/loop", "/loop2"}
    assert sorted(read(output, "documents")["doc_id"]) == sorted(documents["doc_id"])
