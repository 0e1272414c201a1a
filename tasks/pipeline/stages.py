"""The stage functions of the pipeline and its gates' preparations: each a thin binding of pure
functions of `tasks` (or of `tasks.io` for reading) to the batch values and settings the
declaration (`tasks.pipeline.declaration`) gives it, by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from tasks import io
from tasks.pipeline.known import KnownDocuments
from tasks.pipeline.step import Out
from tasks.quarantine import quarantine_frame, quarantine_row

# Pure stage logic is imported where a stage runs (a run with nothing new loads none of it: spaCy,
# SciPy) and called through its module, so tests can replace one function everywhere.

# A document is left unextracted only when its language is this certain: a short or mixed text
# is better read by the English model than not at all.
MIN_LANGUAGE_SCORE = 0.9

#: (shards of (doc ids, texts), model) -> each shard's (entities, numbers, sentences, failures),
#: or why the shard failed (see `tasks.nlp.extraction.extract_shards`).
ShardExtractor = Callable[[list[tuple[list[str], list[str]]], str], list]


# --- stage functions ------------------------------------------------------------------------

def read_files(entries: list, max_document_bytes: int, max_page_bytes: int, inputs: list[str]) -> Out:
    """The batch's input files read (or why one could not be), each named within its input, and
    the entries that could not be."""
    files = io.read_files(entries, max_document_bytes, inputs, max_page_bytes)
    return Out({"files": files, "read_errors": [e for e, f in zip(entries, files, strict=True) if f.error is not None]})


def ingest_documents(files: list[io.InputFile], known: KnownDocuments, max_document_bytes: int,
                     max_page_bytes: int) -> Out:
    """One row per article of the files, and the records that cannot be articles; a record reusing
    a publisher id with different text is quarantined (see `split_conflicting_ids`)."""
    from tasks.ingest import records as ingest
    from tasks.ingest.readers import ingest_file

    results = [ingest_file(f.path, f.data, f.error, f.reason, max_document_bytes, f.first_record, f.name,
                           max_page_bytes) for f in files]
    checked = ingest.split_conflicting_ids([row for r in results for row in r.rows], known.publisher_ids)
    return Out({"ingested": ingest.ingested_frame(checked.rows)},
               quarantine_frame([row for r in results for row in r.quarantine] + checked.quarantine))


def clean_documents(ingested: pl.DataFrame, known: KnownDocuments) -> Out:
    """Clean new documents; those already written are skipped, exact duplicates quarantined."""
    from tasks.documents import clean

    documents, quarantined, already_written = clean.clean_documents(ingested, known.doc_ids, known.text_hashes)
    return Out({"documents": documents}, quarantined, already_written)


def detect_language(documents: pl.DataFrame, languages: list[str]) -> Out:
    """Documents with their language; those confidently in another language than `languages` are
    flagged `not_extracted_language`."""
    from tasks.documents import language

    documents = language.with_language(documents)
    readable = language.extractable(languages, MIN_LANGUAGE_SCORE)
    return Out({"documents": documents.with_columns(
        flags=pl.when(readable).then(pl.col("flags"))
        .otherwise(pl.col("flags").list.concat(pl.lit(["not_extracted_language"]))))})


def find_near_duplicates(documents: pl.DataFrame, near_duplicate_store: io.NearDuplicateStore,
                         near_duplicate_threshold: float) -> Out:
    """Documents with `near_duplicate_of` where one repeats an earlier one with small edits, and
    their `story_id`; their signatures, buckets and stories to store: earlier documents are looked
    up by the buckets the batch falls in, never signed again."""
    from tasks.documents import near_duplicates

    signatures = near_duplicates.signatures_frame(documents)
    buckets = near_duplicates.buckets_frame(signatures, near_duplicate_threshold)
    candidates, earlier = near_duplicate_store.lookup(buckets["bucket"].to_list())
    found = near_duplicates.find_near_duplicates(signatures, candidates, earlier.select("doc_id", "signature"),
                                                 near_duplicate_threshold)
    stories = near_duplicates.story_ids(documents, found, dict(earlier.drop_nulls("story_id")
                                                               .select("doc_id", "story_id").iter_rows()))
    documents = near_duplicates.with_near_duplicates(documents, found).with_columns(stories)
    return Out({"documents": documents, "signatures": signatures, "lsh_buckets": buckets,
                "stories": documents.select("doc_id", "story_id")})


@dataclass
class Extraction:
    """Mentions extracted from documents in an earlier pass over the same batch, before any gate:
    a batch processed again reuses them for the documents it extracts again (extraction reads
    only a document's text, so they are the rows a new pass would give)."""

    doc_ids: list[str]
    entities: pl.DataFrame
    numbers: pl.DataFrame
    sentences: pl.DataFrame


def extract_mentions(documents: pl.DataFrame, extracted: Extraction | None, shard_extractor: ShardExtractor,
                     model: str, shard_size: int) -> Out:
    """Entity and number mentions and sentences of the documents, shard by shard through
    `shard_extractor` (the run's: shards as Prefect tasks, spread over its extraction processes;
    `tasks.nlp.extraction.extract_shards` in this process), those in `extracted` reused;
    documents whose extraction failed are quarantined."""
    from tasks.nlp.extraction import joined_mentions, shards_of

    unread = pl.col("flags").list.contains("not_extracted_language")
    to_extract = documents.filter(~unread)
    done = set(extracted.doc_ids) if extracted is not None else set()
    fresh = to_extract.filter(~pl.col("doc_id").is_in(list(done)))
    shards = shards_of(fresh["doc_id"].to_list(), fresh["text"].to_list(), shard_size)
    outcomes = shard_extractor(shards, model)
    failed = [quarantine_row(record_kind="document", reason="shard_failed", detail=outcome,
                             doc_id=doc_id)
              for (ids, _), outcome in zip(shards, outcomes, strict=True) if isinstance(outcome, str)
              for doc_id in ids]
    parts = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    failed += [quarantine_row(record_kind="document", reason="extraction_error", detail=detail,
                              doc_id=doc_id)
               for *_, failures in parts for doc_id, detail in failures.iter_rows()]
    entities, numbers, sentences = joined_mentions(parts)
    if done:
        reused = pl.col("doc_id").is_in(to_extract["doc_id"].filter(to_extract["doc_id"].is_in(list(done))).implode())
        entities = _in_document_order(pl.concat([entities, extracted.entities.filter(reused)], how="vertical_relaxed"),
                                      to_extract)
        numbers = _in_document_order(pl.concat([numbers, extracted.numbers.filter(reused)], how="vertical_relaxed"),
                                     to_extract)
        sentences = _in_document_order(pl.concat([sentences, extracted.sentences.filter(reused)],
                                                 how="vertical_relaxed"), to_extract)
    failed_ids = [row["doc_id"] for row in failed]
    documents = documents.filter(~pl.col("doc_id").is_in(failed_ids))
    extraction = Extraction(to_extract["doc_id"].filter(~to_extract["doc_id"].is_in(failed_ids)).to_list(),
                            entities, numbers, sentences)
    return Out({"documents": documents, "entities": entities, "numbers": numbers, "sentences": sentences,
                "extraction": extraction},
               quarantine_frame(failed))


def _in_document_order(rows: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Mentions ordered as one pass gives them: by document, each document's in their own order
    (linking reads documents in order, and a document's mentions together)."""
    position = {doc_id: i for i, doc_id in enumerate(documents["doc_id"].to_list())}
    order = pl.Series([position[doc_id] for doc_id in rows["doc_id"].to_list()], dtype=pl.Int64)
    return rows.with_columns(_position=order).sort("_position", maintain_order=True).drop("_position")


def measure_tone(sentences: pl.DataFrame, documents: pl.DataFrame) -> Out:
    """Sentences and documents with their tone, from VADER's lexicon."""
    from tasks.documents import tone

    sentences, documents = tone.measure_tone(sentences, documents)
    return Out({"sentences": sentences, "documents": documents})


def resolve_dates(numbers: pl.DataFrame, documents: pl.DataFrame) -> Out:
    """Dates and times with their calendar value, resolved against their document's date."""
    from tasks.numbers import dates

    return Out({"numbers": dates.with_date_values(numbers, documents)})


def locate_places(entities: pl.DataFrame, documents: pl.DataFrame) -> Out:
    """Place mentions resolved in their document's context, and each document's focus country and place."""
    from tasks.entities import places

    located, documents = places.locate_places(entities, documents)
    return Out({"entities": located, "documents": documents})


def extract_events(numbers: pl.DataFrame, entities: pl.DataFrame, documents: pl.DataFrame) -> Out:
    """One event per count of killed, wounded, arrested, ... with its place, actor and date."""
    from tasks import events

    return Out({"events": events.extract_events(numbers, entities, documents)})


def extract_quotes(entities: pl.DataFrame, sentences: pl.DataFrame, documents: pl.DataFrame) -> Out:
    """Every direct quotation with its cue and speaker, the speaker resolved to the catalog."""
    from tasks import quotes

    return Out({"quotes": quotes.extract_quotes(entities, sentences, documents)})


def link_entities(entities: pl.DataFrame, entity_catalog: pl.DataFrame) -> Out:
    """Entity mentions with their entity ids (a surname alone resolves from earlier documents)."""
    from tasks.entities import canonical

    counts = dict(zip(entity_catalog["entity_key"], entity_catalog["mention_count"], strict=True))
    linked = canonical.link_entities(entities, counts)
    # A name until the catalog gives the preferred one (`merge_entity_catalog`).
    return Out({"entities": linked.with_columns(canonical_name=pl.coalesce("gazetteer_name", "text"))})


def merge_entity_catalog(entities: pl.DataFrame, documents: pl.DataFrame, entity_catalog: pl.DataFrame) -> Out:
    """The entity catalog with the batch's aggregates merged in, the mentions with their canonical
    names, and how many mentions the merged catalog must count."""
    from tasks.entities import canonical

    merged = canonical.merge_catalog(entity_catalog, canonical.catalog_aggregates(entities, documents))
    return Out({"entity_catalog": merged, "entities": canonical.with_canonical_names(entities, entity_catalog),
                "mention_total": int(entity_catalog["mention_count"].sum()) + entities.height})


# --- gate preparations -----------------------------------------------------------------------

def span_check(surface: str):
    def prepare(rows: pl.DataFrame, values: dict) -> pl.DataFrame:
        from tasks.validation import with_span_check

        return with_span_check(rows, values["documents"], surface)
    return prepare


def number_checks(rows: pl.DataFrame, values: dict) -> pl.DataFrame:
    from tasks.validation import with_date_check, with_span_check

    return with_date_check(with_span_check(rows, values["documents"], "surface"))


def alias_check(rows: pl.DataFrame, values: dict) -> pl.DataFrame:
    from tasks.entities import canonical

    return canonical.with_alias_check(rows)


def mention_total(values: dict) -> dict:
    from tasks.validation import MENTION_TOTAL

    return {MENTION_TOTAL: values["mention_total"]}
