"""What a run knows of the documents written before it, held compactly: to skip what is written
and quarantine duplicates."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl


class SortedLookup:
    """A mapping of strings held as sorted Arrow string columns: a lookup is a binary search, and
    a dataset's keys cost about their bytes instead of a Python dict's few hundred per entry
    (the run holds one entry per stored document). Without values it is a set.

    `encode` turns a key that is not a string (a tuple) into one, without ambiguity."""

    def __init__(self, *, values: bool = True, encode: Callable[[Any], str] | None = None):
        self._keys = pl.Series("key", [], dtype=pl.String)
        self._values = pl.Series("value", [], dtype=pl.String) if values else None
        self._encode = encode or (lambda key: key)

    def extend(self, keys: list, values: list | None = None, *, keep: str = "first") -> None:
        """Entries added; for a key already held (or repeated), `keep` says which value stays."""
        new = pl.DataFrame({"key": [self._encode(k) for k in keys]}, schema={"key": pl.String})
        old = pl.DataFrame({"key": self._keys})
        if self._values is not None:
            new = new.with_columns(value=pl.Series(values, dtype=pl.String))
            old = old.with_columns(value=self._values)
        merged = pl.concat([old, new]).unique("key", keep=keep, maintain_order=True).sort("key")
        self._keys = merged["key"].rechunk()
        if self._values is not None:
            self._values = merged["value"].rechunk()

    def get(self, key: Any, default: str | None = None) -> str | None:
        encoded = self._encode(key)
        # Python's string order is the code-point order, which is UTF-8's byte order, polars' sort.
        at = bisect.bisect_left(self._keys, encoded)
        if at < len(self._keys) and self._keys[at] == encoded:
            return encoded if self._values is None else self._values[at]
        return default

    def __contains__(self, key: Any) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return len(self._keys)


def _publisher_key(key: tuple[str, str]) -> str:
    source, source_id = key
    return f"{len(source)}:{source}{source_id}"  # the length keeps ("a", "bc") apart from ("ab", "c")


@dataclass
class KnownDocuments:
    """Documents written before: ids, text hashes and publisher ids, to skip what is written and
    quarantine duplicates. Read once per run from the documents' key columns, then extended as
    the run's batches commit.

    Only earlier runs' documents are skipped as already written; a document this run wrote in an
    earlier batch is a duplicate (found by its text hash) as it would be within one batch, so the
    tables do not depend on the batch size."""

    doc_ids: SortedLookup = field(default_factory=lambda: SortedLookup(values=False))
    #: text hash -> doc_id
    text_hashes: SortedLookup = field(default_factory=SortedLookup)
    #: (source, source_id) -> doc_id, the first written
    publisher_ids: SortedLookup = field(default_factory=lambda: SortedLookup(encode=_publisher_key))

    def add(self, documents: pl.DataFrame, *, earlier_run: bool) -> KnownDocuments:
        """`documents` (with at least the key columns) added; returns self."""
        keys = documents.select("doc_id", "text_hash", "source", "source_id", "record_index")
        if earlier_run:
            self.doc_ids.extend(keys["doc_id"].to_list())
        self.text_hashes.extend(keys["text_hash"].to_list(), keys["doc_id"].to_list(), keep="last")
        published = keys.filter(pl.col("record_index").is_not_null())
        self.publisher_ids.extend(
            [(source or "", source_id) for source, source_id in published.select("source", "source_id").iter_rows()],
            published["doc_id"].to_list(), keep="first")
        return self
