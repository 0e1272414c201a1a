"""RSS and Atom feeds -> their items: those carrying the article's full content are articles; the
others name a page to fetch (`tasks.io.fetch`). Parsed with feedparser.

Pure: feed bytes in, items out.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from tasks.ingest.article_words import MIN_ARTICLE_WORDS, word_count

#: Suffixes of feed files.
FEED_SUFFIXES = (".xml", ".rss", ".atom")
#: Media types a fetched feed is served as.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
              "application/feed+json")


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed: its id (guid, else its link), link, title, author and date, and its full
    content as text (None: a summary or nothing, so the page is to be fetched)."""

    number: int
    item_id: str | None
    link: str | None
    title: str | None
    author: str | None
    published: dt.date | None
    text: str | None


@dataclass(frozen=True)
class Feed:
    title: str | None
    items: list[FeedItem]


class NotAFeed(ValueError):
    """Bytes that are no RSS or Atom feed (the message says why)."""


def is_feed_file(name: str) -> bool:
    return name.lower().endswith(FEED_SUFFIXES)


def is_feed(content_type: str, payload: bytes) -> bool:
    """Whether a response is a feed: served as one, or an RSS/Atom document served as anything
    but HTML (feeds often come as `text/plain` or `application/octet-stream`)."""
    media = content_type.split(";")[0].strip().lower()
    if media in FEED_TYPES:
        return True
    head = payload[:2048]
    return "html" not in media and any(mark in head for mark in (b"<rss", b"<feed", b"<rdf:RDF"))


def parse_feed(data: bytes) -> Feed:
    """The items of an RSS (0.9x, 1.0, 2.0) or Atom feed in document order; raises NotAFeed."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise NotAFeed(f"not an RSS or Atom feed{': ' + str(problem)[:200] if problem else ''}")
    items = []
    for number, entry in enumerate(parsed.entries):
        items.append(FeedItem(
            number=number,
            item_id=entry.get("id") or entry.get("link"),
            link=entry.get("link"),
            title=_clean(entry.get("title")),
            author=_clean(entry.get("author")),
            published=_date(entry.get("published_parsed") or entry.get("updated_parsed")),
            text=_content_text(entry),
        ))
    return Feed(title=_clean(parsed.feed.get("title")), items=items)


def _content_text(entry) -> str | None:
    """The text of an item's full content (`content:encoded`, Atom `content`), when it is long
    enough to be the article; a `description`/`summary` is a teaser, never the article."""
    from tasks.ingest.html import fragment_text

    for content in entry.get("content") or ():
        value = content.get("value") or ""
        text = fragment_text(value) if "html" in (content.get("type") or "") else value.strip()
        if text and word_count(text) >= MIN_ARTICLE_WORDS:
            return text
    return None


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _date(value) -> dt.date | None:
    """A date feedparser parsed (a UTC struct_time) as a date."""
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC).date()
    except (OverflowError, ValueError, TypeError):
        return None
