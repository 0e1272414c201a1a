"""Page text scored as the article-extraction benchmark scores it: word 4-gram shingles per page,
shares of each page's counts, precision and recall averaged over pages."""

import pytest

from tasks.eval.scoring import score_page_texts, shingles


def test_shingles_are_word_four_grams_counted_and_a_short_text_is_one():
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("Hi, there!") == {("Hi", "there"): 1}
    assert shingles("") == {} and shingles(None) == {}
    assert shingles("x y z w x y z w")[("x", "y", "z", "w")] == 2


def test_each_page_weighs_the_same_and_the_means_make_f1():
    gold = ["one two three four five", "a b c d e f g"]
    # Page 1: one of two shingles found, plus one extra: tp 1, fp 1, fn 1 (P 1/2, R 1/2).
    # Page 2: exact (P 1, R 1), however long.
    predicted = ["one two three four six", "a b c d e f g"]
    score = score_page_texts(gold, predicted)
    assert score["precision"] == pytest.approx(0.75) and score["recall"] == pytest.approx(0.75)
    assert score["f1"] == pytest.approx(0.75)


def test_a_page_with_nothing_extracted_costs_recall_and_an_extra_one_costs_precision():
    score = score_page_texts(["one two three four", None, "a b c d"], [None, "menu menu menu menu", "a b c d"])
    # Precision over pages with output: page 2 (0) and page 3 (1); recall over gold pages: 1 and 3.
    assert score["precision"] == pytest.approx(0.5) and score["recall"] == pytest.approx(0.5)
    assert score_page_texts([None], [None])["f1"] == 0.0  # counted in neither mean


def _gold_line(page, body, kind="article"):
    import hashlib
    import json

    return json.dumps({"page": page.name, "sha256": hashlib.sha256(page.read_bytes()).hexdigest(), "language": "en",
                       "kind": kind, "body_lines": [], "body": body, "notes": ""})


def test_eval_pages_scores_what_a_run_writes_beside_trafilatura_and_refuses_a_changed_page(tmp_path, capsys):
    from flows.cli import main
    from tests.news_pages import ARTICLES, empty_page, news_page

    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_text(news_page(ARTICLES[0]), encoding="utf-8")
    (folder / "b.html").write_text(news_page(ARTICLES[1]), encoding="utf-8")
    (folder / "front.html").write_text(empty_page(), encoding="utf-8")
    gold = tmp_path / "pages.jsonl"
    gold.write_text("\n".join([_gold_line(folder / "a.html", list(ARTICLES[0].paragraphs)),
                               _gold_line(folder / "b.html", list(ARTICLES[1].paragraphs)),
                               _gold_line(folder / "front.html", [], "not_article")]) + "\n")
    assert main(["eval", "pages", str(gold), "--pages", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 article pages, 1 pages with no article")
    rows = {line[:32].strip(): line[32:].split() for line in out.splitlines()[2:]}
    assert rows["shingle f1"][0] == "1.000" and rows["article pages with a text"][0] == "2"
    assert rows["pages with no article, a text"][0] == "0"

    (folder / "b.html").write_text(news_page(ARTICLES[2]), encoding="utf-8")
    assert main(["eval", "pages", str(gold), "--pages", str(folder)]) == 2
    assert "b.html is missing or not the page the gold was annotated on" in capsys.readouterr().err
    assert main(["eval", "pages", str(gold)]) == 2
    assert "give --pages DIR" in capsys.readouterr().err
