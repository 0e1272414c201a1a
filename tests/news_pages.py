"""News pages as they are served: a known article inside the boilerplate real sites wrap it in
(navigation, a cookie banner, related links, a newsletter box, comments, a footer), for the HTML,
WARC and feed tests. Each boilerplate piece holds a marker word no article paragraph has, so a test
can tell that none of it reached the text."""

from __future__ import annotations

import html
from dataclasses import dataclass

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
