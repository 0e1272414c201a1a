"""The run's index of stored documents answers as the dicts and sets it replaced would."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.pipeline.known import KnownDocuments, SortedLookup, _publisher_key

KEYS = st.text(alphabet="ab:\x00é", max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(KEYS, KEYS), max_size=6), max_size=4), st.sampled_from(["first", "last"]),
       st.lists(KEYS, max_size=5))
def test_sorted_lookup_is_a_dict_extended_batch_by_batch(batches, keep, probes):
    lookup, expected = SortedLookup(), {}
    for batch in batches:
        lookup.extend([k for k, _ in batch], [v for _, v in batch], keep=keep)
        for key, value in batch:
            if keep == "last" or key not in expected:
                expected[key] = value
    assert len(lookup) == len(expected)
    for key in [*expected, *probes]:
        assert lookup.get(key) == expected.get(key)
        assert (key in lookup) == (key in expected)


@given(st.lists(st.tuples(KEYS, KEYS), max_size=8, unique=True))
def test_publisher_keys_never_collide(pairs):
    assert len({_publisher_key(p) for p in pairs}) == len(pairs)


def test_known_documents_keep_the_first_publisher_id_and_the_latest_hash():
    def documents(*rows):
        return pl.DataFrame(rows, schema={"doc_id": pl.String, "text_hash": pl.String, "source": pl.String,
                                          "source_id": pl.String, "record_index": pl.Int64}, orient="row")

    known = KnownDocuments().add(documents(("d1", "h1", "feed.jsonl", "7", 0), ("d2", "h2", "a.txt", "a", None)),
                                 earlier_run=True)
    known.add(documents(("d3", "h1", "feed.jsonl", "7", 1), ("d4", "h4", "feed.jsonl", "8", 2)), earlier_run=False)
    assert "d1" in known.doc_ids and "d2" in known.doc_ids and "d3" not in known.doc_ids and len(known.doc_ids) == 2
    assert known.text_hashes.get("h1") == "d3" and known.text_hashes.get("h4") == "d4"
    assert known.publisher_ids.get(("feed.jsonl", "7")) == "d1" and known.publisher_ids.get(("feed.jsonl", "8")) == "d4"
    assert known.publisher_ids.get(("a.txt", "a")) is None  # a .txt file's id is its name, not a publisher's
