"""Near-duplicate documents (the same story with small edits), found with MinHash LSH and recorded.

A near-duplicate is kept and extracted like any document; `near_duplicate_of` names the earlier
document it repeats, so users choose whether to count it.

Candidates are found through LSH band buckets computed here with datasketch's banding for the
threshold, so they are exactly those datasketch's `MinHashLSH` would return. Each document is
signed once: runs store its signature and buckets, and a batch reads only the stored buckets it
falls in and the signatures of the documents there (`tasks.io.state.NearDuplicateStore`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 3
WORD = re.compile(r"\w+")


def shingles(text: str) -> list[bytes]:
    """The text's lower-cased word 3-grams (a text under three words: its words), each once."""
    words = WORD.findall(text.lower())
    return [s.encode("utf-8", "surrogatepass")
            for s in {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}]


def signatures(texts: Iterable[str]) -> list[np.ndarray]:
    """MinHash values (uint32) of each text's `shingles`. `MinHash.generator` draws the
    permutations once for all the texts, where a MinHash apiece draws them for each, and hashes
    one text's shingles at a time."""
    # datasketch 2's scheme: 32-bit values
    return [m.hashvalues.astype(np.uint32, copy=False)
            for m in MinHash.generator((shingles(t) for t in texts), num_perm=NUM_PERM, seed=1)]


@lru_cache(maxsize=8)
def banding(threshold: float) -> list[tuple[int, int]]:
    """The hash ranges datasketch bands signatures into for `threshold` (false positives and
    negatives weighted equally)."""
    return MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges


def banding_name(threshold: float) -> str:
    """`<bands>x<rows>` of the banding for `threshold`: stored buckets belong to one banding."""
    ranges = banding(threshold)
    return f"{len(ranges)}x{ranges[0][1] - ranges[0][0]}"


def buckets(values: np.ndarray, threshold: float) -> list[int]:
    """The LSH buckets of one signature: one per band, a 63-bit hash of the band's index, the
    banding and its values (a collision only adds a candidate, which its similarity then rejects)."""
    ranges = banding(threshold)
    keys = []
    for band, (start, end) in enumerate(ranges):
        digest = hashlib.blake2b(f"{len(ranges)}x{end - start}:{band}:".encode() + values[start:end].tobytes(),
                                 digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def signatures_frame(documents: pl.DataFrame) -> pl.DataFrame:
    """(doc_id, signature as bytes) of each document's text."""
    return pl.DataFrame({"doc_id": documents["doc_id"],
                         "signature": [values.tobytes() for values in signatures(documents["text"])]},
                        schema={"doc_id": pl.String, "signature": pl.Binary})


def buckets_frame(signatures: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """(bucket, doc_id): every LSH bucket each signature falls in."""
    rows = [(bucket, doc_id) for doc_id, raw in signatures.iter_rows()
            for bucket in buckets(np.frombuffer(raw, dtype=np.uint32), threshold)]
    return pl.DataFrame(rows, schema={"bucket": pl.Int64, "doc_id": pl.String}, orient="row")


def find_near_duplicates(
    signatures: pl.DataFrame, candidates: pl.DataFrame, earlier: pl.DataFrame, threshold: float
) -> dict[str, tuple[str, float]]:
    """doc_id -> (earlier doc_id, estimated Jaccard similarity) for each of the batch's
    `signatures` (doc_id, signature, in input order) whose word 3-grams overlap an earlier
    document's by at least `threshold`. Earlier documents are those written before
    (`candidates`: (bucket, doc_id) of the stored buckets the batch's signatures fall in;
    `earlier`: those candidates' signatures) and the batch's documents before it. Ties go to the
    smaller doc_id."""
    stored = {doc_id: np.frombuffer(raw, dtype=np.uint32) for doc_id, raw in earlier.iter_rows()}
    index: dict[int, list[str]] = {}
    for bucket, doc_id in candidates.iter_rows():
        index.setdefault(bucket, []).append(doc_id)
    found: dict[str, tuple[str, float]] = {}
    for doc_id, raw in signatures.iter_rows():
        values = np.frombuffer(raw, dtype=np.uint32)
        keys = buckets(values, threshold)
        matches = {c for key in keys for c in index.get(key, ()) if c != doc_id}
        scored = sorted(((float(np.mean(values == stored[c])), c) for c in matches), key=lambda x: (-x[0], x[1]))
        if scored and scored[0][0] >= threshold:
            found[doc_id] = (scored[0][1], round(scored[0][0], 4))
        if doc_id not in stored:
            stored[doc_id] = values
            for key in keys:
                index.setdefault(key, []).append(doc_id)
    return found


def story_ids(documents: pl.DataFrame, found: dict[str, tuple[str, float]], earlier: dict[str, str]) -> pl.Series:
    """The story of each document, in input order: a near-copy's is the story of the document it
    copies (`earlier`: doc_id -> story_id of stored ones; one stored before stories were kept is
    a story of its own id), else the story of its canonical URL, else its own."""
    stories: dict[str, str] = {}
    for doc_id, url in zip(documents["doc_id"], documents["url"], strict=True):
        if doc_id in found:
            original = found[doc_id][0]
            stories[doc_id] = stories.get(original) or earlier.get(original) or original
        elif url:
            stories[doc_id] = hashlib.sha256(f"url|{url}".encode()).hexdigest()[:16]
        else:
            stories[doc_id] = doc_id
    return pl.Series("story_id", [stories[doc_id] for doc_id in documents["doc_id"]], dtype=pl.String)


def with_near_duplicates(documents: pl.DataFrame, found: dict[str, tuple[str, float]]) -> pl.DataFrame:
    """Documents with `near_duplicate_of` and `near_duplicate_similarity` set from `found` (null
    when none), and the `near_duplicate` flag added."""
    originals = [found.get(doc_id, (None, None)) for doc_id in documents["doc_id"]]
    return documents.with_columns(
        near_duplicate_of=pl.Series([o for o, _ in originals], dtype=pl.String),
        near_duplicate_similarity=pl.Series([s for _, s in originals], dtype=pl.Float32),
    ).with_columns(
        flags=pl.when(pl.col("near_duplicate_of").is_not_null())
        .then(pl.col("flags").list.concat(pl.lit(["near_duplicate"])))
        .otherwise(pl.col("flags"))
    )


def near_duplicates_of(documents: pl.DataFrame, earlier: pl.DataFrame, threshold: float) -> dict[str, tuple[str, float]]:
    """`find_near_duplicates` for `documents` against `earlier` (both doc_id and text), looked up
    through the buckets the documents fall in."""
    new, stored = signatures_frame(documents), signatures_frame(earlier)
    candidates = buckets_frame(stored, threshold).join(buckets_frame(new, threshold).select("bucket"), on="bucket",
                                                       how="semi")
    return find_near_duplicates(new, candidates,
                                stored.filter(pl.col("doc_id").is_in(candidates["doc_id"].implode())), threshold)
