"""What a run reads of earlier runs: key columns and state kept for it, never the tables' history.

- the input ledger (`_state/inputs`): files read in full, by fingerprint, skipped unread next time;
- the documents' key columns: ids, text hashes and publisher ids, to skip and dedupe;
- near-duplicate signatures (`_state/signatures`) and their LSH buckets (`_state/lsh_buckets/
  <banding>/`), looked up by the buckets a batch falls in;
- the entity catalog with its stored aggregates;
- mentions per entity and date (`_state/entity_dates`) for the report's timeline;
- the commit log's running totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from tasks.io import storage
from tasks.io.commits import last_commit
from tasks.io.inputs import Fingerprint
from tasks.io.layout import STATE_DIR, state_dir
from tasks.io.tables import parquet_row_count, read_state, read_table, state_files, table_exists, table_files
from tasks.schemas import TABLES, polars_schema

#: Columns of `documents` a run reads to skip what is written and quarantine duplicates.
KNOWN_DOCUMENT_COLUMNS = ["doc_id", "text_hash", "source", "source_id", "record_index"]


def read_ledger(output_dir: Path) -> dict[str, set[Fingerprint]]:
    """Ledger key -> the fingerprints of every input file committed (a file changed and read again
    has several; it is unchanged when its fingerprint now is one of them)."""
    ledger: dict[str, set[Fingerprint]] = {}
    for path, size, mtime, ctime in read_state(output_dir, "inputs", ["path", "size", "mtime_ns", "ctime_ns"]).iter_rows():
        ledger.setdefault(path, set()).add((size, mtime, ctime))
    return ledger


def ledger_rows(fingerprints: dict[str, Fingerprint], run_id: str) -> pl.DataFrame:
    """Ledger records of committed files."""
    return pl.DataFrame([(path, *print_, run_id) for path, print_ in fingerprints.items()],
                        schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "ctime_ns": pl.Int64,
                                "run_id": pl.String}, orient="row")


def read_document_keys(files: Sequence[Path | str]) -> pl.DataFrame:
    """The key columns and run id of the documents in some of the `documents` table's files."""
    columns = [*KNOWN_DOCUMENT_COLUMNS, "run_id"]
    schema = polars_schema(TABLES["documents"])
    return pl.scan_parquet([str(f) for f in files], glob=False, schema=schema, hive_partitioning=False,
                           missing_columns="insert").select(columns).collect()


def has_state(output_dir: Path) -> bool:
    """Whether the dataset keeps run state (written by this version); a dataset with tables but
    no commit log was written before, and its state is built once from its tables."""
    return last_commit(output_dir) is not None


def has_signatures_for_every_document(output_dir: Path) -> bool:
    return parquet_row_count(state_files(output_dir, "signatures")) >= parquet_row_count(
        table_files(output_dir, "documents"))


class NearDuplicateStore:
    """Stored signatures and their LSH buckets, looked up by bucket: a batch reads the bucket
    column and the signatures of the documents sharing one of its buckets, not the texts."""

    def __init__(self, output_dir: Path, banding: str):
        self.output_dir, self.banding = output_dir, banding

    @property
    def folder(self) -> str:
        """The buckets of one banding (the threshold sets it): `banding=14x9`."""
        return f"banding={self.banding}"

    def has_buckets(self) -> bool:
        return (state_dir(self.output_dir, "lsh_buckets") / self.folder).exists()

    def lookup(self, buckets: Sequence[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
        """((bucket, doc_id) stored in `buckets`, (doc_id, signature, story_id) of those documents;
        story_id null for one stored before stories were kept)."""
        folder = state_dir(self.output_dir, "lsh_buckets") / self.folder
        files = sorted(folder.glob("*.parquet"), key=storage.path_order) if folder.exists() else []
        if not files:
            return (pl.DataFrame(schema={"bucket": pl.Int64, "doc_id": pl.String}),
                    pl.DataFrame(schema={"doc_id": pl.String, "signature": pl.Binary, "story_id": pl.String}))
        wanted = pl.Series(list(buckets), dtype=pl.Int64).unique().implode()
        candidates = (pl.scan_parquet([str(f) for f in files], glob=False, hive_partitioning=False)
                      .filter(pl.col("bucket").is_in(wanted)).collect())
        wanted = candidates["doc_id"].unique().implode()
        signatures = read_state(self.output_dir, "signatures", where=pl.col("doc_id").is_in(wanted))
        stories = read_state(self.output_dir, "stories", where=pl.col("doc_id").is_in(wanted))
        return candidates, signatures.unique("doc_id", keep="first", maintain_order=True).join(
            stories.unique("doc_id", keep="first"), on="doc_id", how="left")

    def all_signatures(self) -> pl.DataFrame:
        return read_state(self.output_dir, "signatures").unique("doc_id", keep="first", maintain_order=True)


def read_entity_catalog(output_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None]:
    """(the entity catalog; its mentions and their documents' dates only when the catalog
    predates its stored aggregates (schema 1.1) and must be recounted once)."""
    catalog = read_table(output_dir, "entity_catalog")
    if catalog["alias_counts"].null_count() == 0:
        return catalog, None, None
    mentions = read_table(output_dir, "entities", ["doc_id", "start_char", "end_char", "text", "label", "entity_id",
                                                   "external_id"])
    return catalog, mentions, read_table(output_dir, "documents", ["doc_id", "published_date"])


def read_documents_for_signatures(output_dir: Path) -> pl.DataFrame:
    """(doc_id, text) of every written document, once, for a dataset written before signatures were stored."""
    return read_table(output_dir, "documents", ["doc_id", "text"])


def read_entity_dates(output_dir: Path, entity_ids: Sequence[str]) -> pl.DataFrame:
    """(entity_id, published_date, mentions, tone_sum, toned_mentions) of `entity_ids`, summed
    over every commit."""
    rows = read_state(output_dir, "entity_dates", where=pl.col("entity_id").is_in(list(entity_ids)))
    return summed_entity_dates(rows).sort("entity_id", "published_date")


def summed_entity_dates(rows: pl.DataFrame) -> pl.DataFrame:
    """`_state/entity_dates` rows of several commits as one per entity and date (rows written
    before the tone columns count no toned mentions)."""
    return rows.group_by("entity_id", "published_date").agg(
        pl.col("mentions").sum(), pl.col("tone_sum").sum(), pl.col("toned_mentions").fill_null(0).sum(),
    ).with_columns(tone_sum=pl.when(pl.col("toned_mentions") > 0).then(pl.col("tone_sum")))


def has_entity_dates(output_dir: Path) -> bool:
    return bool(state_files(output_dir, "entity_dates")) or not table_exists(output_dir, "entities")


def rows_total(output_dir: Path) -> dict[str, int]:
    """Rows per table: the commit log's running totals, or (a dataset without one) the files' footers."""
    record = last_commit(output_dir)
    if record is not None and set(record.get("rows_total", {})) == set(TABLES):
        return dict(record["rows_total"])
    return {name: parquet_row_count(table_files(output_dir, name)) for name in TABLES}


__all__ = ["KNOWN_DOCUMENT_COLUMNS", "NearDuplicateStore", "STATE_DIR", "has_entity_dates", "has_signatures_for_every_document",
           "has_state", "ledger_rows", "read_documents_for_signatures", "read_entity_catalog", "read_entity_dates",
           "read_document_keys", "read_ledger", "rows_total"]
