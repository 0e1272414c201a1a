"""The per-batch pipeline as data: each stage's function, the batch values it reads and gives, what
its counts count, and the quality gate on what it gives. `flows.runner` runs it on each batch.

    PIPELINE = read_files -> ingest_documents -> [ingested] -> clean_documents -> detect_language
               -> find_near_duplicates -> [documents] -> extract_mentions
               -> measure_tone -> [sentences] -> resolve_dates -> locate_places -> [numbers]   (BATCH_STEPS)
               -> link_entities -> [entities] -> merge_entity_catalog -> [entity_catalog]
               -> extract_events -> [events] -> extract_quotes -> [quotes]                 (RUN_STEPS)
    then, on every batch:   [quarantine] -> [run_manifest] -> commit_batch

A batch's BATCH_STEPS run as one task, `process-batch`, on a worker (this process, a local
worker process or a Dask worker: see `flows.batches`); the flow runs RUN_STEPS on its result
and commits, batch after batch in input order.

(`[suite]`: a Great Expectations gate, task `validate-<suite>`.) Each stage function is a thin
binding of pure functions in `tasks/` (or of `tasks.io` for reading), named as the Prefect task
the UI shows (`read_files` runs as `read-files`). Values a stage reads come from the batch (its
input entries and what earlier stages gave) or from the run (`known`, `near_duplicate_store`,
`catalog`); settings come from the run configuration, by name.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tasks import io
from tasks.quarantine import quarantine_frame, quarantine_row
from tasks.schemas import ENTITIES, NUMBERS, SENTENCES, frame

# Pure stage logic is imported where a stage runs (a run with nothing new loads none of it: spaCy,
# SciPy) and called through its module, so tests can replace one function everywhere.

# A document is left unextracted only when its language is this certain: a short or mixed text
# is better read by the English model than not at all.
MIN_LANGUAGE_SCORE = 0.9


@dataclass
class Out:
    """What a stage gives: batch values by name, the records it quarantined, and how many it left
    out on purpose (already written)."""

    values: dict[str, Any]
    quarantine: pl.DataFrame | None = None
    skipped: int = 0


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    `counts` = (value whose length is the rows in, or None for a stage that creates its rows:
    then in = out + quarantined + skipped; value whose length is the rows out), in `unit`.
    """

    fn: Callable[..., Out]
    takes: tuple[str, ...]
    gives: tuple[str, ...]
    counts: tuple[str | None, str]
    unit: str
    config: tuple[str, ...] = ()
    #: An I/O task (retried).
    retries: int = 0

    @property
    def name(self) -> str:
        return self.fn.__name__.replace("_", "-")


@dataclass(frozen=True)
class Gate:
    """A Great Expectations suite on a batch value: failing rows leave it for the quarantine (as
    `record_kind`, at `stage`, with `excerpt`); the batch fails when too many documents (or rows,
    for values not of documents) fail. `prepare` adds computed check columns, `parameters` gives
    the suite's parameters; both read the batch values."""

    suite: str
    value: str
    stage: str
    record_kind: str
    excerpt: str
    unit: str
    prepare: Callable[[pl.DataFrame, dict], pl.DataFrame] | None = None
    parameters: Callable[[dict], dict] | None = None

    @property
    def name(self) -> str:
        return f"validate-{self.suite.replace('_', '-')}"


# --- stage functions -------------------------------------------------------------------------

def read_files(entries: list, max_document_bytes: int, inputs: list[str]) -> Out:
    """The batch's input files read (or why one could not be), each named within its input, and
    the entries that could not be."""
    files = io.read_files(entries, max_document_bytes, inputs)
    return Out({"files": files, "read_errors": [e for e, f in zip(entries, files, strict=True) if f.error is not None]})


def ingest_documents(files: list[io.InputFile], known: KnownDocuments, max_document_bytes: int) -> Out:
    """One row per article of the files, and the records that cannot be articles; a record reusing
    a publisher id with different text is quarantined (see `split_conflicting_ids`)."""
    from tasks.ingest import records as ingest
    from tasks.ingest.readers import ingest_file

    results = [ingest_file(f.path, f.data, f.error, f.reason, max_document_bytes, f.first_record, f.name)
               for f in files]
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


def extract_mentions(documents: pl.DataFrame, extracted: Extraction | None, model: str, shard_size: int) -> Out:
    """Entity and number mentions and sentences of the documents, shard by shard in the process running the
    batch (those in `extracted` reused); documents whose extraction failed are quarantined."""
    from flows.shards import extract_shards, shards_of

    unread = pl.col("flags").list.contains("not_extracted_language")
    to_extract = documents.filter(~unread)
    done = set(extracted.doc_ids) if extracted is not None else set()
    fresh = to_extract.filter(~pl.col("doc_id").is_in(list(done)))
    shards = shards_of(fresh["doc_id"].to_list(), fresh["text"].to_list(), shard_size)
    outcomes = extract_shards(shards, model)
    failed = [quarantine_row(stage="extract", record_kind="document", reason="shard_failed", detail=outcome,
                             doc_id=doc_id)
              for (ids, _), outcome in zip(shards, outcomes, strict=True) if isinstance(outcome, str)
              for doc_id in ids]
    parts = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    failed += [quarantine_row(stage="extract", record_kind="document", reason="extraction_error", detail=detail,
                              doc_id=doc_id)
               for *_, failures in parts for doc_id, detail in failures.iter_rows()]
    entities = pl.concat([e for e, _, _, _ in parts]) if parts else frame([], ENTITIES)
    numbers = pl.concat([n for _, n, _, _ in parts]) if parts else frame([], NUMBERS)
    sentences = pl.concat([s for _, _, s, _ in parts]) if parts else frame([], SENTENCES)
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


def link_entities(entities: pl.DataFrame, catalog: pl.DataFrame) -> Out:
    """Entity mentions with their entity ids (a surname alone resolves from earlier documents)."""
    from tasks.entities import canonical

    counts = dict(zip(catalog["entity_key"], catalog["mention_count"], strict=True))
    linked = canonical.link_entities(entities, counts)
    # A name until the catalog gives the preferred one (`merge_entity_catalog`).
    return Out({"entities": linked.with_columns(canonical_name=pl.coalesce("gazetteer_name", "text"))})


def merge_entity_catalog(entities: pl.DataFrame, documents: pl.DataFrame, catalog: pl.DataFrame) -> Out:
    """The entity catalog with the batch's aggregates merged in, the mentions with their canonical
    names, and how many mentions the merged catalog must count."""
    from tasks.entities import canonical

    merged = canonical.merge_catalog(catalog, canonical.catalog_aggregates(entities, documents))
    return Out({"catalog": merged, "entities": canonical.with_canonical_names(entities, catalog),
                "mention_total": int(catalog["mention_count"].sum()) + entities.height})


# --- gate preparations -----------------------------------------------------------------------

def _span_check(surface: str):
    def prepare(rows: pl.DataFrame, values: dict) -> pl.DataFrame:
        from tasks.validation import with_span_check

        return with_span_check(rows, values["documents"], surface)
    return prepare


def _number_checks(rows: pl.DataFrame, values: dict) -> pl.DataFrame:
    from tasks.validation import with_date_check, with_span_check

    return with_date_check(with_span_check(rows, values["documents"], "surface"))


def _alias_check(rows: pl.DataFrame, values: dict) -> pl.DataFrame:
    from tasks.entities import canonical

    return canonical.with_alias_check(rows)


def _mention_total(values: dict) -> dict:
    from tasks.validation import MENTION_TOTAL

    return {MENTION_TOTAL: values["mention_total"]}


# --- the pipeline ----------------------------------------------------------------------------

PIPELINE: tuple[Stage | Gate, ...] = (
    Stage(read_files, takes=("entries",), gives=("files", "read_errors"), counts=("entries", "files"), unit="files",
          config=("max_document_bytes", "inputs"), retries=2),
    Stage(ingest_documents, takes=("files", "known"), gives=("ingested",), counts=(None, "ingested"),
          unit="records", config=("max_document_bytes",)),
    Gate("ingested", value="ingested", stage="ingest", record_kind="record", excerpt="body", unit="documents"),
    Stage(clean_documents, takes=("ingested", "known"), gives=("documents",), counts=("ingested", "documents"),
          unit="documents"),
    Stage(detect_language, takes=("documents",), gives=("documents",), counts=("documents", "documents"),
          unit="documents", config=("languages",)),
    Stage(find_near_duplicates, takes=("documents", "near_duplicate_store"),
          gives=("documents", "signatures", "lsh_buckets", "stories"), counts=("documents", "documents"),
          unit="documents",
          config=("near_duplicate_threshold",)),
    Gate("documents", value="documents", stage="clean", record_kind="document", excerpt="text", unit="documents"),
    Stage(extract_mentions, takes=("documents", "extracted"),
          gives=("documents", "entities", "numbers", "sentences", "extraction"), counts=("documents", "documents"),
          unit="documents", config=("model", "shard_size")),
    Stage(measure_tone, takes=("sentences", "documents"), gives=("sentences", "documents"),
          counts=("sentences", "sentences"), unit="sentences"),
    Gate("sentences", value="sentences", stage="sentences", record_kind="sentence", excerpt="doc_id",
         unit="sentences"),
    Stage(resolve_dates, takes=("numbers", "documents"), gives=("numbers",), counts=("numbers", "numbers"),
          unit="mentions"),
    Stage(locate_places, takes=("entities", "documents"), gives=("entities", "documents"),
          counts=("entities", "entities"), unit="mentions"),
    Gate("numbers", value="numbers", stage="numbers", record_kind="number", excerpt="surface", unit="mentions",
         prepare=_number_checks),
    Stage(link_entities, takes=("entities", "catalog"), gives=("entities",), counts=("entities", "entities"),
          unit="mentions"),
    Gate("entities", value="entities", stage="entities", record_kind="entity", excerpt="text", unit="mentions",
         prepare=_span_check("text")),
    Stage(merge_entity_catalog, takes=("entities", "documents", "catalog"),
          gives=("catalog", "entities", "mention_total"), counts=("entities", "catalog"), unit="entities"),
    Gate("entity_catalog", value="catalog", stage="entities", record_kind="entity", excerpt="canonical_name",
         unit="entities", prepare=_alias_check, parameters=_mention_total),
    Stage(extract_events, takes=("numbers", "entities", "documents"), gives=("events",), counts=(None, "events"),
          unit="events"),
    Gate("events", value="events", stage="events", record_kind="event", excerpt="sentence", unit="events"),
    Stage(extract_quotes, takes=("entities", "sentences", "documents"), gives=("quotes",), counts=(None, "quotes"),
          unit="quotes"),
    Gate("quotes", value="quotes", stage="quotes", record_kind="quote", excerpt="text", unit="quotes",
         prepare=_span_check("text")),
)

#: The steps a batch runs wherever it is processed (a worker): everything up to linking, which
#: reads the entity catalog as the batches before left it, and so runs in the flow, in batch order.
BATCH_STEPS = range(next(i for i, step in enumerate(PIPELINE) if getattr(step, "fn", None) is link_entities))
#: The steps the flow runs on each batch's result, in batch order, before committing it.
RUN_STEPS = range(BATCH_STEPS.stop, len(PIPELINE))

#: Run on every batch, after the pipeline or after the gate that failed it.
QUARANTINE_GATE = Gate("quarantine", value="quarantine", stage="write", record_kind="record", excerpt="excerpt",
                       unit="rows")
ACCOUNTING_GATE = Gate("run_manifest", value="accounting", stage="write", record_kind="record", excerpt="stage",
                       unit="rows")
#: The stage whose rows in are the batch's records, and the one that skips what is written.
RECORDS_STAGE, SKIPPING_STAGE = "ingest-documents", "clean-documents"


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
