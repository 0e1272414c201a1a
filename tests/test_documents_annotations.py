"""Language and near-duplicates on tiny inline documents."""

import polars as pl

from sample_articles import ARTICLES, GERMAN, near_copy
from tasks.language import UNDETERMINED, detect_language, extractable, with_language
from tasks.near_duplicates import find_near_duplicates, with_near_duplicates


def test_language_is_detected_and_short_texts_stay_undetermined():
    assert detect_language(ARTICLES["rail"])[0] == "en"
    language, score = detect_language(GERMAN)
    assert language == "de" and score > 0.99
    assert detect_language("Kyiv, 3 p.m.") == (UNDETERMINED, 0.0)


def test_only_confident_other_languages_are_left_unextracted():
    docs = with_language(pl.DataFrame({"text": [ARTICLES["rail"], GERMAN, "Kyiv 12"]}))
    assert docs["language"].to_list() == ["en", "de", UNDETERMINED]
    assert docs.select(extractable(["en"], 0.9))["language"].to_list() == [True, False, True]
    assert docs.select(extractable(["en", "de"], 0.9))["language"].to_list() == [True, True, True]


def test_near_duplicates_point_at_the_earliest_copy_and_unrelated_stories_do_not_match():
    copy = near_copy(ARTICLES["harvest"])
    found = find_near_duplicates([("a", ARTICLES["harvest"]), ("b", ARTICLES["rail"]), ("c", copy)], [], 0.7)
    assert list(found) == ["c"] and found["c"][0] == "a" and 0.7 <= found["c"][1] < 1
    earlier = find_near_duplicates([("c", copy)], [("old", ARTICLES["harvest"])], 0.7)
    assert earlier == {"c": ("old", found["c"][1])}
    assert find_near_duplicates([(k, v) for k, v in ARTICLES.items()], [], 0.3) == {}


def test_near_duplicate_columns_and_flag():
    documents = pl.DataFrame({"doc_id": ["a", "c"], "text": [ARTICLES["harvest"], near_copy(ARTICLES["harvest"])],
                              "flags": [[], ["legacy_encoding"]]})
    marked = with_near_duplicates(documents, pl.DataFrame(schema={"doc_id": pl.String, "text": pl.String}), 0.7)
    assert marked["near_duplicate_of"].to_list() == [None, "a"]
    assert marked["flags"].to_list() == [[], ["legacy_encoding", "near_duplicate"]]
