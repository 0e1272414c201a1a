"""HTML pages -> an article's main text and metadata, with trafilatura (boilerplate removal: menus,
cookie notices, related links, comments and footers go) and courlan (canonical URLs, domains).

Pure functions: page text in, a `Page` out; nothing here reads files or the network.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

#: How a page starts, after a byte-order mark, whitespace and comments: what makes a file HTML
#: whatever its name (a `.txt` saved from a browser).
HTML_START = re.compile(r"\A(?:\ufeff)?\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>])",
                        re.IGNORECASE | re.DOTALL)
#: `<html lang="en-GB">`: the language the page declares.
HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.IGNORECASE)
#: Read this much of a page to sniff it or find its declared language.
SNIFF_CHARS = 4096


@dataclass(frozen=True)
class Page:
    """What a page yielded: its main `text` (None: the page has none), and its metadata, each None
    when the page does not give it."""

    text: str | None
    title: str | None = None
    author: str | None = None
    url: str | None = None
    domain: str | None = None
    site_name: str | None = None
    language: str | None = None
    published_date: dt.date | None = None


def looks_like_html(text: str) -> bool:
    """Whether decoded text is an HTML page (a doctype, `<html>` or `<head>` first)."""
    return bool(HTML_START.match(text[:SNIFF_CHARS]))


@lru_cache(maxsize=1)
def _config():
    # trafilatura's defaults, but for the date: its extensive search reads dates out of any text
    # on the page, and takes `Copyright 2022` in a footer for 2022-01-01. Without it htmldate reads
    # the page's metadata, structured data and URL only. (The extraction timeout, a SIGALRM that
    # only the main thread may set, applies to trafilatura's CLI alone.)
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def extract_page(html: str, url: str | None = None) -> Page:
    """The main text and metadata of one HTML page; `url` is where it was fetched from (a WARC
    record's target, a JSONL `url`), used when the page names no canonical URL.

    The text is the article's paragraphs, a blank line between them, without the headline when it
    opens the text (it is `title`). The URL is the page's canonical one (`link rel=canonical`,
    `og:url`, else `url`), normalised by courlan: lower-case host, no fragment, no tracking
    parameters. The date is the page's publication date as htmldate finds it in the page's metadata,
    structured data or URL (not in its text: a footer's copyright year is no date). The language
    is the one `<html lang>` declares.
    """
    import trafilatura

    # `fast`: trafilatura's own extractor only, without its justext and readability fallbacks,
    # which cost twice as much again on a page of 100 KiB (bench.pages) for pages laid out
    # unlike a news article, which news pages rarely are.
    result = trafilatura.bare_extraction(_pruned(html), url=url, fast=True, with_metadata=True,
                                         include_comments=False, include_images=False, include_links=False,
                                         config=_config())
    language = HTML_LANG.search(html[:SNIFF_CHARS])
    language = language.group(1).lower() if language else None
    if result is None:
        return Page(text=None, url=canonical_url(url), domain=domain_of(canonical_url(url)), language=language)
    title = _clean(result.title)
    page_url = canonical_url(result.url or url)
    return Page(
        text=_main_text(result.text or "", title),
        title=title,
        author=_clean(result.author),
        url=page_url,
        domain=domain_of(page_url),
        site_name=_clean(result.sitename),
        language=language,
        published_date=_date(result.date),
    )


#: What trafilatura removes from the text anyway (its MANUALLY_CLEANED), taken out before it
#: runs: its metadata pass (licence links, categories) and its check of how much of the page's
#: text the article is would otherwise walk every link of a site's menus and footer, which costs
#: several times its extraction on a link-heavy page. JSON-LD scripts stay: they hold dates and authors.
PRUNED = ("//nav|//footer|//aside|//menu|//form|//iframe|//noscript|//style|//svg"
          "|//script[not(contains(@type, 'ld+json'))]")


#: Readers' comments, by their container's id or class: `comments`, `article_comments`,
#: `sf_comment_list`, `fb-comments`, `row-comment`. trafilatura prunes only ids and classes that start
#: with `comment`, and keeps the others' comments in the text even with `include_comments=False`.
COMMENTS = ("//*[self::div or self::section or self::ol or self::ul or self::form][not(.//article)]"
            "[re:test(@id, '(^|[_-])comments?([_-]|$)', 'i')"
            " or re:test(@class, '(^|[\\s_-])comments?([\\s_-]|$)', 'i')]")
REGEXP_NAMESPACE = {"re": "http://exslt.org/regular-expressions"}


def _pruned(html: str):
    """The page as a tree without `PRUNED` and `COMMENTS` (the page itself when it does not parse)."""
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return html
    for element in tree.xpath(PRUNED):
        element.drop_tree()
    comments = tree.xpath(COMMENTS, namespaces=REGEXP_NAMESPACE)
    if comments:
        paragraphs = sum(len(p.text_content()) for p in tree.iter("p"))
        for element in comments:
            # A wrapper whose class says the story has comments (`post has-comments`) holds the story.
            if not element.xpath(".//h1") and sum(len(p.text_content()) for p in element.iter("p")) * 2 <= paragraphs:
                element.drop_tree()
    return tree


#: Paragraphs that close an article without being its text: a wire's end mark, a lone e-mail
#: address or a request to write to one, a copyright notice (the mark at its start, so that a
#: story's last sentence about copyright law stays).
TRAILER = re.compile(r"\(?END\)?|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|write to .{1,80}\bat\s+\S+@\S+"
                     r"|\W{0,5}(?:©|\(c\) ?\d{4}|copyright\s*(?:©|\(c\)|\d{4})).{0,200}"
                     r"|.{0,200}\ball rights reserved\b.{0,50}",
                     re.IGNORECASE)
#: A paragraph that only points to another story (`Read more: ...`).
POINTER = re.compile(r"(?:read more|read also|also read|related|see also)\s*:", re.IGNORECASE)
#: Words of a paragraph that points to another story, at most.
POINTER_WORDS = 30


def _main_text(text: str, title: str | None) -> str | None:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if lines and title and _same_headline(lines[0], title):
        lines = lines[1:]
    lines = [line for line in lines if not (POINTER.match(line) and len(line.split()) <= POINTER_WORDS)]
    while lines and TRAILER.fullmatch(lines[-1].rstrip(".")):
        lines.pop()
    return "\n\n".join(lines) or None


def _same_headline(line: str, title: str) -> bool:
    """Whether a paragraph is the page's headline, give or take a word's ending (`consequence` in
    the title, `consequences` in the text)."""
    from difflib import SequenceMatcher

    a, b = (" ".join(re.findall(r"\w+", text.casefold())) for text in (line, title))
    return a == b or SequenceMatcher(None, a, b).ratio() >= 0.95


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def canonical_url(url: str | None) -> str | None:
    """`url` normalised (courlan, strict): scheme and host lower-case, default port, fragment and
    tracking parameters (`utm_*`, `fbclid`, ...) removed; None for no URL or one that is not http(s)."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    from courlan import normalize_url

    try:
        return normalize_url(url.strip(), strict=True)
    except ValueError:
        return None


def domain_of(url: str | None) -> str | None:
    """The registered domain of a URL (`https://www.bbc.co.uk/news` -> `bbc.co.uk`), lower-case."""
    if not url:
        return None
    from courlan import extract_domain

    domain = extract_domain(url, fast=True)
    return domain.lower() if domain else None


#: Elements whose text is a paragraph of an HTML fragment.
BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td")


def fragment_text(fragment: str) -> str | None:
    """The text of an HTML fragment (a feed item's content), a blank line between its paragraphs;
    scripts, styles and figures' captions left out."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return None
    for junk in root.xpath("//script|//style|//figcaption|//noscript"):
        junk.drop_tree()
    blocks = [element for element in root.iter(*BLOCKS) if not any(a.tag in BLOCKS for a in element.iterancestors())]
    texts = [element.text_content() for element in blocks] if blocks else [root.text_content()]
    paragraphs = [" ".join(text.split()) for text in texts]
    return "\n\n".join(p for p in paragraphs if p) or None
