"""HTML pages: the article's paragraphs and metadata, none of the boilerplate around them."""

import datetime as dt
import json

import pytest

from tasks.ingest.html import canonical_url, domain_of, extract_page, looks_like_html
from tasks.ingest.readers import ingest_file
from tests.news_pages import ARTICLES, BOILERPLATE_MARKERS, empty_page, news_page


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_a_page_gives_its_article_and_none_of_the_boilerplate(article):
    (row,) = ingest_file(f"pages/{article.slug}.html", news_page(article).encode()).rows
    assert row["body"] == "\n\n".join(article.paragraphs)  # the headline is `title`, not text
    assert not [marker for marker in BOILERPLATE_MARKERS if marker in row["raw_text"]]
    assert (row["title"], row["author"], row["site_name"]) == (article.title, article.author, article.site)
    assert row["url"] == article.url  # canonical, tracking parameters gone
    assert row["domain"] == ".".join(article.host.split(".")[-2:])  # the registered domain
    assert row["published_date"] == dt.date.fromisoformat(article.published)
    assert (row["declared_language"], row["source_format"], row["source_id"]) == ("en", "html", f"{article.slug}.html")


def test_the_dateline_of_a_page_is_found_in_its_main_text():
    (row,) = ingest_file("a.html", news_page(ARTICLES[0]).encode()).rows
    assert row["dateline"] == "KYIV, Ukraine"


def test_a_page_without_an_article_is_quarantined_no_main_text():
    (problem,) = ingest_file("missing.html", empty_page().encode()).quarantine
    assert problem["reason"] == "no_main_text" and "after boilerplate removal" in problem["detail"]
    assert problem["source_id"] == "missing.html"


def test_html_saved_under_another_name_is_sniffed_and_plain_text_is_not():
    (page,) = ingest_file("saved.txt", news_page(ARTICLES[1]).encode("cp1252", "replace")).rows
    assert page["source_format"] == "html" and page["title"] == ARTICLES[1].title
    (text,) = ingest_file("plain.txt", b"The <html> tag opens a page, Kyiv said.").rows
    assert text["source_format"] == "txt" and text["body"].startswith("The <html> tag")
    assert looks_like_html("\ufeff  <!-- saved -->\n<!DOCTYPE html><html>") and not looks_like_html("<p>Hi</p>")


def test_a_jsonl_record_may_give_html_and_its_own_fields_come_first():
    article = ARTICLES[2]
    records = [
        {"id": "p1", "html": news_page(article)},
        {"id": "p2", "html": news_page(article, canonical=False, metadata=False), "date": "2022-10-01",
         "title": "Own title", "url": "https://WWW.Daily.example.org/x?utm_source=a&id=7#top"},
        {"id": "p3", "html": empty_page()},
        {"id": "p4", "html": ""},
        {"id": "p5", "text": "Text wins over html.", "html": news_page(article)},
    ]
    out = ingest_file("feed.jsonl", "\n".join(json.dumps(r) for r in records).encode())
    first, second, text = out.rows
    assert first["body"] == "\n\n".join(article.paragraphs) and first["source_format"] == "jsonl"
    assert (first["title"], first["published_date"], first["url"]) == (article.title, dt.date(2022, 9, 28),
                                                                         article.url)
    assert (second["title"], second["published_date"]) == ("Own title", dt.date(2022, 10, 1))
    assert second["url"] == "https://www.daily.example.org/x?id=7" and second["domain"] == "example.org"
    assert text["body"] == "Text wins over html." and text["author"] is None
    assert [(q["source_id"], q["reason"]) for q in out.quarantine] == [("p3", "no_main_text"),
                                                                       ("p4", "invalid_record")]


def test_a_page_with_no_date_in_its_metadata_has_none_rather_than_a_footer_year():
    page = extract_page(news_page(ARTICLES[0], canonical=False, metadata=False))
    assert page.published_date is None  # the footer says `Copyright 2022`
    dated = extract_page(news_page(ARTICLES[0], canonical=False, metadata=False),
                         "https://news.example.com/2022/09/30/convoy-strike")
    assert dated.published_date == dt.date(2022, 9, 30) and dated.url.endswith("/2022/09/30/convoy-strike")


def test_urls_are_canonicalised_and_domains_are_registered_domains():
    assert canonical_url("HTTPS://News.Example.com:443/a/b?utm_medium=x&fbclid=1&page=2#c") == \
        "https://news.example.com/a/b?page=2"
    assert canonical_url("mailto:desk@example.com") is None and canonical_url(None) is None
    assert domain_of("https://www.bbc.co.uk/news/world-1") == "bbc.co.uk"
    (row,) = ingest_file("f.jsonl", json.dumps({"id": 1, "text": "Kyiv said.", "url": "urn:x:1"}).encode()).rows
    assert row["url"] == "urn:x:1" and row["domain"] is None  # not http(s): kept as given


def test_a_story_is_shared_by_near_copies_and_by_articles_at_one_url():
    import polars as pl

    from tasks.documents.near_duplicates import story_ids

    documents = pl.DataFrame({"doc_id": ["a", "b", "c", "d", "e"],
                              "url": ["https://x.example/1", None, "https://x.example/1", None, None]})
    # b copies a stored document whose story is known, d copies b, e copies one stored before stories
    found = {"b": ("old", 0.9), "d": ("b", 0.8), "e": ("older", 0.75)}
    stories = story_ids(documents, found, {"old": "s-old"}).to_list()
    assert stories[1:4:2] == ["s-old", "s-old"] and stories[4] == "older"
    assert stories[0] == stories[2] != "a" and len(stories[0]) == 16  # one canonical URL, one story
    assert story_ids(pl.DataFrame({"doc_id": ["z"], "url": [None]}, schema={"doc_id": pl.String, "url": pl.String}),
                     {}, {}).to_list() == ["z"]


def _bloated(article, script_bytes: int) -> str:
    """A page as today's sites serve it: the article inside megabytes of inline scripts and data."""
    blob = "<script>window.__STATE__=" + json.dumps({"x": "a" * script_bytes}) + "</script>"
    return news_page(article).replace("</head>", blob + "</head>", 1)


def test_a_page_is_held_to_max_page_bytes_and_its_article_to_max_document_bytes():
    article = ARTICLES[0]
    page = _bloated(article, 3_000_000).encode()  # 3 MB of markup around a short article
    (row,) = ingest_file("p.html", page, max_document_bytes=1_000_000).rows
    assert row["body"].startswith(article.paragraphs[0][:40])
    record = json.dumps({"id": "1", "html": page.decode()}).encode()
    assert len(ingest_file("f.jsonl", record, max_document_bytes=1_000_000).rows) == 1

    out = ingest_file("p.html", page, max_page_bytes=2_000_000)
    assert not out.rows and out.quarantine[0]["reason"] == "too_large"
    assert out.quarantine[0]["detail"].endswith("more than max_page_bytes=2,000,000")
    out = ingest_file("f.jsonl", record, max_page_bytes=2_000_000)
    assert not out.rows and "max_page_bytes=2,000,000" in out.quarantine[0]["detail"]

    text_bytes = len(row["body"].encode())
    out = ingest_file("p.html", page, max_document_bytes=text_bytes - 1)
    assert not out.rows and out.quarantine[0]["reason"] == "too_large"
    assert out.quarantine[0]["detail"].startswith(f"its main text {text_bytes:,} bytes")


def test_a_large_page_on_disk_is_read_under_max_page_bytes_and_a_text_under_max_document_bytes(tmp_path):
    from tasks.io.inputs import read_input

    (tmp_path / "page.html").write_text(_bloated(ARTICLES[0], 2_000_000))
    (tmp_path / "text.txt").write_text("word " * 400_000)
    page = read_input(tmp_path / "page.html", max_bytes=1_000_000, max_page_bytes=20_000_000)
    assert page.error is None and len(page.data) > 2_000_000
    text = read_input(tmp_path / "text.txt", max_bytes=1_000_000, max_page_bytes=20_000_000)
    assert text.data is None and text.reason == "too_large" and "max_document_bytes=1,000,000" in text.error
    small = read_input(tmp_path / "page.html", max_bytes=1_000_000, max_page_bytes=1_500_000)
    assert small.data is None and "max_page_bytes=1,500,000" in small.error


def test_words_are_counted_in_scripts_written_without_spaces():
    from tasks.ingest.article_words import MIN_ARTICLE_WORDS, word_count

    assert word_count("Kyiv said the strike killed 25 people.") == 7
    assert word_count("港特首梁振英就住宅违建事件道歉") == 7  # 15 Han letters
    assert word_count("ผล DNA ยืนยัน") == 1 + 4  # DNA, and 9 Thai letters
    assert word_count("页面不存在，返回首页") < MIN_ARTICLE_WORDS  # a 404 page stays no article


def test_a_chinese_page_gives_its_article():
    from tests.news_pages import Article

    article = Article("hk-apology", "港特首梁振英就住宅违建事件道歉", (
        "香港特首梁振英星期二就其山顶住宅的违建事件公开道歉，并表示会全力配合屋宇署的调查工作。",
        "梁振英说，他在竞选期间已经澄清了相关问题，但最新发现的地下室结构是他此前并不知情的。",
        "反对派议员则要求他就此事向立法会作出详细交代，并质疑他在竞选期间的诚信问题。",
        "屋宇署发言人表示，署方人员已经到场视察，并会根据调查结果决定是否采取进一步的执法行动。",
        "有法律界人士指出，如果违建部分涉及安全问题，业主必须在指定期限内完成清拆或修葺工程。",
        "多名建制派议员则认为，事件不应被过度政治化，政府应集中精力处理房屋和经济等民生问题。"))
    (row,) = ingest_file("zh.html", news_page(article).encode()).rows
    assert row["body"].startswith("香港特首梁振英")


def test_pointers_to_other_stories_and_closing_notices_are_not_the_article():
    from tests.news_pages import Article

    body = ARTICLES[0].paragraphs
    article = Article("with-trailers", ARTICLES[0].title, (
        body[0], "Read more: Inside the city that waits for the next strike", *body[1:],
        "The copyright on the footage had expired in 1990, the court said.",
        "Copyright law protects it, the court found on Friday.",
        "Write to Jane Reporter at jane.reporter@example.com", "™ & © 2022 Example News. All rights reserved.",
        "(END)"))
    # The headline above the text, a word's ending apart from the page's title, is no paragraph.
    page = news_page(article).replace(f">{article.title}</h1>", f">{article.title.replace('killed', 'kill')}</h1>")
    assert "kill in strike" in page
    text = extract_page(page).text
    assert text.split("\n\n") == [*body, "The copyright on the footage had expired in 1990, the court said.",
                                    "Copyright law protects it, the court found on Friday."]


def test_a_wrapper_saying_the_story_has_comments_is_not_pruned_with_them():
    article = ARTICLES[0]
    page = news_page(article).replace("<article", '<div class="post has-comments"><article', 1)
    page = page.replace("</article>", "</article></div>", 1).replace("<article", "<section", 1)
    page = page.replace("</article>", "</section>", 1)
    assert "has-comments" in page and "<article" not in page
    assert extract_page(page).text.startswith(article.paragraphs[0][:40])


@pytest.mark.parametrize("name", ["spanish_article.html", "chinese_article.html", "time_001.html"])
def test_real_saved_pages_give_their_article_body(name):
    """Real pages as their sites served them, scored against the team's gold as `newsfacts eval pages` scores."""
    import gzip
    import hashlib
    import unicodedata

    from tasks.eval.scoring import score_page_texts
    from tests.conftest import ROOT

    data = gzip.decompress((ROOT / "tests" / "fixtures" / "pages" / f"{name}.gz").read_bytes())
    gold = next(g for g in map(json.loads, (ROOT / "bench" / "gold" / "pages.jsonl").read_text().splitlines())
                if g["page"] == name)
    assert hashlib.sha256(data).hexdigest() == gold["sha256"]
    (row,) = ingest_file(name, data).rows
    expected, found = (unicodedata.normalize("NFKC", text) for text in ("\n\n".join(gold["body"]), row["body"]))
    score = score_page_texts([expected], [found])
    assert score["recall"] >= 0.99 and score["precision"] >= 0.9, score
