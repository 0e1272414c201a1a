"""News pages as they are served: a known article inside the boilerplate real sites wrap it in
(navigation, a cookie banner, related links, a newsletter box, comments, a footer), for the HTML,
WARC and feed tests. Each boilerplate piece holds a marker word no article paragraph has, so a test
can tell that none of it reached the text."""

from __future__ import annotations

import collections
import contextlib
import html
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Words only the boilerplate has: none may appear in an extracted text.
BOILERPLATE_MARKERS = ("Quuxnav", "Cookiezz", "Relatedzz", "Newsletterzz", "Commentzz", "Footerzz")


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    published: str = "2022-09-30"
    author: str = "Jane Reporter"
    site: str = "Example News"
    host: str = "news.example.com"

    @property
    def url(self) -> str:
        return f"https://{self.host}/world/{self.slug}"


ARTICLES = (
    Article("convoy-strike", "Ukraine says 25 killed in strike on convoy", (
        "KYIV, Ukraine — Russian missiles struck a convoy of civilian cars in Zaporizhzhia on Friday, killing 25 "
        "people and wounding 50 more, Ukrainian officials said.",
        "The regional governor, Oleksandr Starukh, said the cars had been waiting to cross into occupied territory "
        "to pick up relatives when the missiles hit.",
        "“This is a war crime,” President Volodymyr Zelensky said in his nightly video address, adding that "
        "Ukraine would answer it.",
    )),
    Article("grain-exports", "Grain exports pass 5 million tonnes", (
        "Ukraine has shipped more than 5 million tonnes of grain since the Black Sea corridor opened in August, "
        "the infrastructure ministry said on Thursday.",
        "About 230 ships have left the ports of Odesa, Chornomorsk and Pivdennyi, carrying wheat, corn and "
        "sunflower oil to 28 countries, the ministry added.",
        "Prices for wheat in Chicago fell 2.5% on the news, their lowest level in three weeks.",
    ), published="2022-09-29", author="Sam Writer"),
    Article("central-bank-rates", "Central bank raises rates to 10%", (
        "The central bank raised its main interest rate by 1.5 percentage points to 10% on Wednesday, its "
        "fourth increase this year, as inflation reached 9.1% in August.",
        "Governor Anna Smith told reporters the bank would keep raising rates until prices were under control, "
        "and that the economy would slow next year.",
        "Markets had expected a rise of one percentage point, and the currency gained 0.8% against the dollar "
        "after the announcement.",
    ), published="2022-09-28", host="www.daily.example.org", site="The Daily Example"),
)


def news_page(article: Article, *, canonical: bool = True, metadata: bool = True, heavy: bool = False) -> str:
    """The article in a page with every kind of boilerplate around it; `heavy` adds what makes a
    real news site's page some 100 KiB: inline scripts and styles, a mega-menu, a link-laden footer."""
    meta = ""
    if metadata:
        meta = (f'<meta name="author" content="{article.author}">'
                f'<meta property="og:site_name" content="{article.site}">'
                f'<meta property="og:title" content="{html.escape(article.title)}">'
                f'<meta property="article:published_time" content="{article.published}T08:30:00Z">')
    if canonical:
        meta += f'<link rel="canonical" href="{article.url}?utm_source=rss&amp;utm_medium=feed">'
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    if heavy:
        meta += "<style>" + "".join(f".c{i}{{margin:{i}px;color:#{i:06x}}}" for i in range(800)) + "</style>"
        meta += "<script>" + "".join(f"window.t{i}=function(a){{return a*{i}+1}};" for i in range(1500)) + "</script>"
    menu = footer = ""
    if heavy:
        menu = "<ul class='mega-menu'>" + "".join(f"<li><a href='/s/{i}'>Section {i} Quuxnav</a></li>"
                                                  for i in range(250)) + "</ul>"
        footer = "<div class='footer-links'>" + "".join(f"<a href='/f/{i}'>Footerzz link {i}</a> "
                                                        for i in range(300)) + "</div>"
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{html.escape(article.title)} | {article.site}</title>{meta}
</head><body>
<header><nav class="main-menu"><ul><li><a href="/">Home Quuxnav</a></li><li><a href="/world">World</a></li>
<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li>
</ul>{menu}</nav></header>
<div id="cookie-banner" class="cookie-consent"><p>We use Cookiezz cookies to improve your experience and to show
you personalised ads. By clicking accept you agree to our use of cookies.</p><button>Accept all</button></div>
<main><article class="story">
<h1>{html.escape(article.title)}</h1><p class="byline">By {article.author}</p>
{paragraphs}
</article>
<aside class="related-stories"><h2>Related stories</h2><ul>
<li><a href="/a">Relatedzz markets fall on energy fears</a></li>
<li><a href="/b">Relatedzz ten things to know today</a></li>
<li><a href="/c">Relatedzz the week in pictures</a></li></ul></aside>
<div class="newsletter-signup"><h3>Sign up</h3>
<p>Get our Newsletterzz morning briefing in your inbox every day.</p></div>
<section id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>Commentzz this is a disgrace, what are they thinking? Reply.</p></div></section>
</main>
<footer><p>Copyright 2022 {article.site}. Footerzz All rights reserved.</p><ul><li><a href="/privacy">Privacy
policy</a></li><li><a href="/terms">Terms of use</a></li><li><a href="/contact">Contact us</a></li></ul>
{footer}</footer>
</body></html>
"""


def empty_page(title: str = "Page not found") -> str:
    """A page with no article: a 404 page inside the site's menus."""
    return f"""<!DOCTYPE html><html lang="en"><head><title>{title}</title></head><body>
<nav><ul><li><a href="/">Home Quuxnav</a></li><li><a href="/world">World</a></li></ul></nav>
<h1>{title}</h1><p>Sorry.</p>
<footer><p>Footerzz Copyright 2022.</p></footer></body></html>
"""


def write_warc(path, gzip: bool = True) -> dict[str, str]:
    """A WARC as a crawler writes it (warcinfo, then request, response and metadata per URL) holding
    the three articles, a PDF, a 404, a redirect, a page with no article and a truncated record
    (the last, cut short by 200 bytes). Returns URL -> what reading it must give (`document` or the
    quarantine reason)."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    base = "https://news.example.com"
    responses = [(a.url, "200 OK", [("Content-Type", "text/html; charset=utf-8")], news_page(a).encode(), "document")
                 for a in ARTICLES]
    responses[2:2] = [
        (f"{base}/report.pdf", "200 OK", [("Content-Type", "application/pdf")], b"%PDF-1.4\n" + b"0" * 400, "not_html"),
        (f"{base}/gone", "404 Not Found", [("Content-Type", "text/html")], empty_page().encode(), "http_error"),
        (f"{base}/old", "301 Moved Permanently", [("Location", f"{base}/new"), ("Content-Type", "text/html")],
         b"<html><body>Moved</body></html>", "http_redirect"),
        (f"{base}/gallery", "200 OK", [("Content-Type", "text/html")], empty_page("Gallery").encode(), "no_main_text"),
    ]
    responses.append((f"{base}/world/cut-short", "200 OK", [("Content-Type", "text/html")],
                      news_page(ARTICLES[0]).replace("convoy", "column").encode(), "truncated_record"))
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record("news.warc.gz", {"software": "newsfacts tests"}))
    for url, status, headers, body, _ in responses:
        request = StatusAndHeaders(f"GET {url.removeprefix(base)} HTTP/1.1", [("Host", "news.example.com")],
                                   is_http_request=True)
        writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
        writer.write_record(writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 120\r\n"),
                                                      warc_content_type="application/warc-fields"))
    data = buffer.getvalue()
    # The last response's end and its metadata record go: a download cut off.
    last = data.rfind(b"WARC/1.0" if not gzip else b"\x1f\x8b\x08", 0, len(data) - 1)
    data = data[:last]  # the metadata record gone
    path.write_bytes(data[:-200])
    return {url: outcome for url, _, _, _, outcome in responses}


# --- a news site on 127.0.0.1 ----------------------------------------------------------------

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


@contextlib.contextmanager
def news_site():
    """A news site on 127.0.0.1 (its base URL): feeds, pages, robots.txt and failures; the paths
    asked for are counted in `NewsSite.requests`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), NewsSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    NewsSite.requests.clear()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
