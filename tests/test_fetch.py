"""Feeds and pages fetched from a real HTTP server on 127.0.0.1 the test starts: robots.txt, a 500,
a response slower than the timeout, a redirect loop, a redirect to a page, conditional GET; every
item ends as a document or a quarantine row with its reason, and a second run fetches nothing it
already has."""

from __future__ import annotations

import collections
import html
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import polars as pl
import pytest

from conftest import read
from tests.news_pages import ARTICLES, BOILERPLATE_MARKERS, Article, news_page

pytestmark = pytest.mark.slow  # `make test-fast` leaves these system tests out

FULL = Article("in-the-feed", "Parliament passes the budget", (
    "Parliament passed the budget for next year on Tuesday by 240 votes to 180, after a debate that lasted "
    "three days and ended shortly before midnight.",
    "The finance minister said the plan would cut the deficit to 3% of output by 2024 and raise spending on "
    "schools and hospitals by 4.5 billion euros.",
))
ATOM_FULL = Article("atom-full", "Storm cuts power to 200,000 homes", (
    "A storm cut power to 200,000 homes across the north of the country on Sunday, and engineers worked "
    "through the night to restore supplies before Monday's commute.",
    "The weather service said winds reached 120 km/h on the coast, the strongest in a decade.",
))


def rss(base: str) -> str:
    def item(title, link, content=None):
        body = f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in content)}]]></content:encoded>" \
            if content else ""
        return (f"<item><title>{html.escape(title)}</title><link>{base}{link}</link><guid>{base}{link}</guid>"
                f"<pubDate>Fri, 30 Sep 2022 08:30:00 GMT</pubDate><description>A teaser.</description>{body}</item>")

    items = [item(FULL.title, "/politics/in-the-feed", FULL.paragraphs),
             item(ARTICLES[1].title, "/world/grain-exports"),
             item("Secret", "/private/secret"), item("Broken", "/broken"), item("Slow", "/slow"),
             item("Loop", "/loop"), item(ARTICLES[2].title, "/moved")]
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Example News</title><link>{base}/</link>{''.join(items)}</channel></rss>")


def atom(base: str) -> str:
    content = html.escape("".join(f"<p>{p}</p>" for p in ATOM_FULL.paragraphs))
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
            f'<id>urn:wire</id><updated>2022-09-30T10:00:00Z</updated><entry><title>{ATOM_FULL.title}</title>'
            f'<id>urn:wire:1</id><link href="{base}/wire/atom-full"/><updated>2022-09-29T10:00:00Z</updated>'
            f'<content type="html">{content}</content></entry><entry><title>Grain again</title><id>urn:wire:2</id>'
            f'<link href="{base}/world/grain-exports"/><updated>2022-09-29T10:00:00Z</updated></entry></feed>')


class NewsSite(BaseHTTPRequestHandler):
    requests: collections.Counter = collections.Counter()

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - the http.server name
        NewsSite.requests[self.path] += 1
        base = f"http://{self.headers['Host']}"
        path = self.path
        if path == "/robots.txt":
            return self.answer(200, "User-agent: *\nDisallow: /private/\n", "text/plain")
        if path in ("/feed.rss", "/atom.xml"):
            etag = f'"{path}-v1"'
            if self.headers.get("If-None-Match") == etag:
                return self.answer(304, "", "text/plain", {"ETag": etag})
            body, kind = (rss(base), "application/rss+xml") if path == "/feed.rss" else (atom(base),
                                                                                           "application/atom+xml")
            return self.answer(200, body, kind, {"ETag": etag})
        pages = {"/world/grain-exports": ARTICLES[1], "/world/central-bank-rates": ARTICLES[2],
                 "/world/convoy-strike": ARTICLES[0]}
        if path in pages:
            return self.answer(200, news_page(pages[path], canonical=False), "text/html; charset=utf-8")
        if path == "/broken":
            return self.answer(500, "<html><body>Internal error</body></html>", "text/html")
        if path == "/slow":
            time.sleep(2.5)
            return self.answer(200, news_page(ARTICLES[0]), "text/html")
        if path in ("/loop", "/loop2"):
            return self.answer(302, "", "text/html", {"Location": "/loop2" if path == "/loop" else "/loop"})
        if path == "/moved":
            return self.answer(301, "", "text/html", {"Location": "/world/central-bank-rates"})
        return self.answer(404, "<html><body>Not found</body></html>", "text/html")

    def answer(self, status, body, kind, headers=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), NewsSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    NewsSite.requests.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


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
