"""Near-duplicate documents (the same story with small edits), found with MinHash LSH and recorded.

A near-duplicate is kept and extracted like any document; `near_duplicate_of` names the earlier
document it repeats, so users choose whether to count it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 3
WORD = re.compile(r"\w+")


def signature(text: str) -> MinHash:
    """MinHash of the text's lower-cased word 3-grams (a text under three words: its words)."""
    words = WORD.findall(text.lower())
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch([s.encode("utf-8", "surrogatepass") for s in shingles])
    return minhash


def find_near_duplicates(
    documents: Iterable[tuple[str, str]], earlier: Iterable[tuple[str, str]], threshold: float
) -> dict[str, tuple[str, float]]:
    """doc_id -> (earlier doc_id, estimated Jaccard similarity) for each of `documents` (doc_id, text,
    in input order) whose word 3-grams overlap an earlier document's by at least `threshold`.
    `earlier` are documents written by previous runs; within `documents`, earlier means before it."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    signatures: dict[str, MinHash] = {}
    for doc_id, text in earlier:
        signatures[doc_id] = signature(text)
        lsh.insert(doc_id, signatures[doc_id])
    found: dict[str, tuple[str, float]] = {}
    for doc_id, text in documents:
        minhash = signature(text)
        scored = sorted(((minhash.jaccard(signatures[c]), c) for c in lsh.query(minhash)), key=lambda x: (-x[0], x[1]))
        if scored and scored[0][0] >= threshold:
            found[doc_id] = (scored[0][1], round(scored[0][0], 4))
        if doc_id not in signatures:
            signatures[doc_id] = minhash
            lsh.insert(doc_id, minhash)
    return found


def with_near_duplicates(documents: pl.DataFrame, earlier: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Documents with `near_duplicate_of` and `near_duplicate_similarity` set (null when none),
    and the `near_duplicate` flag added."""
    found = find_near_duplicates(documents.select("doc_id", "text").iter_rows(),
                                 earlier.select("doc_id", "text").iter_rows(), threshold)
    originals = [found.get(doc_id, (None, None)) for doc_id in documents["doc_id"]]
    return documents.with_columns(
        near_duplicate_of=pl.Series([o for o, _ in originals], dtype=pl.String),
        near_duplicate_similarity=pl.Series([s for _, s in originals], dtype=pl.Float32),
    ).with_columns(
        flags=pl.when(pl.col("near_duplicate_of").is_not_null())
        .then(pl.col("flags").list.concat(pl.lit(["near_duplicate"])))
        .otherwise(pl.col("flags"))
    )
