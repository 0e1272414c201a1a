"""Language and near-duplicates on tiny inline documents."""

import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH

from tasks.documents.language import UNDETERMINED, detect_language, extractable, with_language
from tasks.documents.near_duplicates import (
    NUM_PERM,
    buckets_frame,
    near_duplicates_of,
    shingles,
    signatures,
    signatures_frame,
    with_near_duplicates,
)
from tests.sample_articles import ARTICLES, GERMAN, near_copy


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


def near_duplicates(batch: list[tuple[str, str]], earlier: list[tuple[str, str]], threshold: float) -> dict:
    def texts(pairs):
        return pl.DataFrame(pairs, schema={"doc_id": pl.String, "text": pl.String}, orient="row")

    return near_duplicates_of(texts(batch), texts(earlier), threshold)


def test_near_duplicates_point_at_the_earliest_copy_and_unrelated_stories_do_not_match():
    copy = near_copy(ARTICLES["harvest"])
    found = near_duplicates([("a", ARTICLES["harvest"]), ("b", ARTICLES["rail"]), ("c", copy)], [], 0.7)
    assert list(found) == ["c"] and found["c"][0] == "a" and 0.7 <= found["c"][1] < 1
    earlier = near_duplicates([("c", copy)], [("old", ARTICLES["harvest"])], 0.7)
    assert earlier == {"c": ("old", found["c"][1])}
    assert near_duplicates([(k, v) for k, v in ARTICLES.items()], [], 0.3) == {}


def test_signatures_are_those_of_one_minhash_per_text():
    # Stored signatures must not change with how they are computed: a run compares them with new ones.
    texts = [*ARTICLES.values(), "two words", ""]
    for text, values in zip(texts, signatures(texts), strict=True):
        single = MinHash(num_perm=NUM_PERM, seed=1)
        single.update_batch(shingles(text))
        assert values.dtype == np.uint32 and (values == single.hashvalues.astype(np.uint32)).all()
    assert signatures([]) == []


def test_stored_buckets_find_the_candidates_datasketch_finds():
    texts = {f"{k}{i}": near_copy(v) if i else v for k, v in ARTICLES.items() for i in range(3)}
    for threshold in (0.3, 0.7, 0.9):
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        stored = signatures_frame(pl.DataFrame({"doc_id": list(texts), "text": list(texts.values())}))
        index = buckets_frame(stored, threshold)
        minhashes = {doc_id: MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32",
                                     hashvalues=np.frombuffer(raw, dtype=np.uint32))
                     for doc_id, raw in stored.iter_rows()}
        for doc_id, minhash in minhashes.items():
            lsh.insert(doc_id, minhash)
        for doc_id, minhash in minhashes.items():
            mine = index.join(index.filter(doc_id=doc_id).select("bucket"), on="bucket", how="semi")["doc_id"]
            assert set(mine) == set(lsh.query(minhash)), (threshold, doc_id)
        assert set(index["doc_id"]) == set(texts)


def test_near_duplicate_columns_and_flag():
    documents = pl.DataFrame({"doc_id": ["a", "c"], "text": [ARTICLES["harvest"], near_copy(ARTICLES["harvest"])],
                              "flags": [[], ["legacy_encoding"]]})
    marked = with_near_duplicates(documents, near_duplicates(list(documents.select("doc_id", "text").iter_rows()),
                                                             [], 0.7))
    assert marked["near_duplicate_of"].to_list() == [None, "a"]
    assert marked["flags"].to_list() == [[], ["legacy_encoding", "near_duplicate"]]
