"""The one declaration of every table's columns; frames, writers and expectations derive from it."""

from __future__ import annotations

import pyarrow as pa
import polars as pl

# Where an article came from and what its publisher said about it; shared by ingestion and documents.
ARTICLE_FIELDS = [
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("source_path", pa.string(), nullable=False),
    pa.field("record_index", pa.int32()),
    pa.field("title", pa.string()),
    pa.field("published_date", pa.date32()),
    pa.field("dateline", pa.string()),
    pa.field("source", pa.string()),
    pa.field("url", pa.string()),
    # The codec the bytes were decoded with (`utf-8`, `utf-16`, `cp1252`, ...).
    pa.field("encoding", pa.string(), nullable=False),
    # What was repaired or noticed on the way in; values from FLAGS.
    pa.field("flags", pa.list_(pa.string()), nullable=False),
]

#: What ingestion hands to cleaning (not written as its own table): `body` is the text without header.
INGESTED = pa.schema(
    ARTICLE_FIELDS
    + [pa.field("raw_text", pa.string(), nullable=False), pa.field("body", pa.string(), nullable=False)]
)

DOCUMENTS = pa.schema(
    ARTICLE_FIELDS
    + [
        pa.field("text", pa.string(), nullable=False),
        pa.field("raw_text", pa.string(), nullable=False),
        pa.field("text_hash", pa.string(), nullable=False),
        pa.field("char_count", pa.int32(), nullable=False),
        # ISO 639-1 code detected from the text (`und`: too little text to tell).
        pa.field("language", pa.string(), nullable=False),
        pa.field("language_score", pa.float32(), nullable=False),
        # The earlier document this one repeats with small edits, and their estimated similarity.
        pa.field("near_duplicate_of", pa.string()),
        pa.field("near_duplicate_similarity", pa.float32()),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

ENTITIES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("start_char", pa.int32(), nullable=False),
        pa.field("end_char", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("sentence_index", pa.int32(), nullable=False),
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("canonical_name", pa.string(), nullable=False),
        pa.field("external_id", pa.string()),
    ]
)

#: One row per real-world entity over every mention written so far; rebuilt by each run.
ENTITY_CATALOG = pa.schema(
    [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("canonical_name", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("aliases", pa.list_(pa.string()), nullable=False),
        pa.field("mention_count", pa.int64(), nullable=False),
        pa.field("document_count", pa.int64(), nullable=False),
        pa.field("first_seen", pa.date32()),
        pa.field("last_seen", pa.date32()),
        pa.field("external_id", pa.string()),
        pa.field("entity_key", pa.string(), nullable=False),
    ]
)

NUMBERS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("start_char", pa.int32(), nullable=False),
        pa.field("end_char", pa.int32(), nullable=False),
        pa.field("surface", pa.string(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("value_low", pa.float64()),
        pa.field("value_high", pa.float64()),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("unit", pa.string(), nullable=False),
        pa.field("object", pa.string(), nullable=False),
        pa.field("qualifier", pa.string(), nullable=False),
        pa.field("change", pa.string(), nullable=False),
        pa.field("count_type", pa.string(), nullable=False),
        pa.field("sentence_index", pa.int32(), nullable=False),
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("quarantine_id", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("record_kind", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("source_path", pa.string()),
        pa.field("source_id", pa.string()),
        pa.field("record_index", pa.int32()),
        pa.field("doc_id", pa.string()),
        pa.field("excerpt", pa.string()),
    ]
)

#: A run's accounting, checked by the `run_manifest` suite before anything is written: per stage
#: (and `overall`, records read against documents written, already written, quarantined and held
#: back), what came in and where it went. Kept in the manifest, not written as a table.
STAGE_COUNTS = pa.schema(
    [
        pa.field("stage", pa.string(), nullable=False),
        pa.field("unit", pa.string(), nullable=False),
        pa.field("in", pa.int64(), nullable=False),
        pa.field("out", pa.int64(), nullable=False),
        pa.field("quarantined", pa.int64(), nullable=False),
        pa.field("skipped", pa.int64(), nullable=False),
        pa.field("unaccounted", pa.int64(), nullable=False),
    ]
)

#: Tables written under the output directory, by folder name.
TABLES: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "entities": ENTITIES,
    "numbers": NUMBERS,
    "quarantine": QUARANTINE,
    "entity_catalog": ENTITY_CATALOG,
}

#: Columns that identify one row; a rerun never writes a second row with the same key.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id",),
    "entities": ("doc_id", "start_char", "end_char", "label"),
    "numbers": ("doc_id", "start_char", "end_char"),
    "quarantine": ("quarantine_id",),
    "entity_catalog": ("entity_id",),
}
#: Tables rewritten whole by every run (derived from all rows so far) rather than appended to.
REBUILT_TABLES = ("entity_catalog",)

#: Document flags: written, but repaired or noticed. Records that cannot be written are quarantined instead.
FLAGS = (
    "invalid_date",  # a date header or field that is not a real date (`2022-13-45`); published_date left empty
    "legacy_encoding",  # not UTF-8; decoded with the detected `encoding`
    "invalid_utf8_replaced",  # mostly UTF-8 with a few invalid bytes, replaced by U+FFFD
    "mojibake_repaired",  # UTF-8 read as a legacy encoding and back (`â€™`), repaired by ftfy
    "control_chars_removed",  # NUL or other control characters removed
    "near_duplicate",  # repeats an earlier document with small edits: see near_duplicate_of
    "not_extracted_language",  # a language other than the run's `languages`: no entities or numbers
)
NUMBER_KINDS = ("count", "percent", "money", "measure", "duration", "ordinal", "date", "time", "other")
QUALIFIERS = ("=", "~", ">", "<", ">=", "<=")
CHANGES = ("", "up", "down")
COUNT_TYPES = ("", "KILL", "WOUND", "ARREST", "KIDNAP", "AFFECT", "SEIZE", "PROTEST", "DISPLACE", "EVACUATE")
# OntoNotes named-entity labels; the numeric ones (CARDINAL, DATE, ...) belong to the numbers table.
ENTITY_LABELS = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
)
STAGES = ("read", "ingest", "clean", "extract", "entities", "numbers", "write")
RECORD_KINDS = ("file", "record", "document", "entity", "number")


def polars_schema(schema: pa.Schema) -> pl.Schema:
    """The polars dtypes of a pyarrow schema, so frames are built with the declared types."""
    return pl.Schema(pl.from_arrow(schema.empty_table()).schema)


def frame(rows: list[dict], schema: pa.Schema) -> pl.DataFrame:
    """A polars frame of `rows` with exactly the declared columns and types (empty rows allowed)."""
    return pl.DataFrame(rows, schema=polars_schema(schema))


def conform(df: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """`df` as an Arrow table with the declared column order, types and nullability.

    Raises ValueError naming the column when a required column holds nulls or is missing.
    """
    missing = [name for name in schema.names if name not in df.columns]
    if missing:
        raise ValueError(f"missing columns {missing}")
    table = df.select(schema.names).to_arrow()
    for field in schema:
        if not field.nullable and table.column(field.name).null_count:
            raise ValueError(f"column {field.name!r} is declared non-null but holds nulls")
    return table.cast(schema)
