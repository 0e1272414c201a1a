"""The pipeline as data: each stage's function, the batch values it reads and gives, what its
counts count, and the quality gate on what it gives. Everything that runs stages runs slices of
this one declaration with `tasks.pipeline.runner.Runner`: the flow, `newsfacts eval`, the
benchmarks.

    PIPELINE = read_files -> ingest_documents -> [ingested] -> clean_documents -> detect_language
               -> find_near_duplicates -> [documents] -> extract_mentions
               -> measure_tone -> [sentences] -> resolve_dates -> locate_places -> [numbers]   (BATCH_STEPS)
               -> link_entities -> [entities] -> merge_entity_catalog -> [entity_catalog]
               -> extract_events -> [events] -> extract_quotes -> [quotes]                 (RUN_STEPS)
    then, on every batch:   [quarantine] -> [stage_counts]

(`[suite]`: a Great Expectations gate, step `validate_<suite>`.) Values a stage reads come from the
batch (its input entries and what earlier stages gave) or from the run (`known`,
`near_duplicate_store`, `entity_catalog`, `extracted`, `shard_extractor`); settings come from the
run configuration, by name.
"""

from __future__ import annotations

from tasks.pipeline import stages
from tasks.pipeline.step import Gate, Stage

PIPELINE: tuple[Stage | Gate, ...] = (
    Stage(stages.read_files, takes=("entries",), gives=("files", "read_errors"), counts=("entries", "files"), unit="files",
          config=("max_document_bytes", "max_page_bytes", "inputs"), retries=2),
    Stage(stages.ingest_documents, takes=("files", "known"), gives=("ingested",), counts=(None, "ingested"),
          unit="records", config=("max_document_bytes", "max_page_bytes")),
    Gate("ingested", value="ingested", record_kind="record", excerpt="body", unit="documents"),
    Stage(stages.clean_documents, takes=("ingested", "known"), gives=("documents",), counts=("ingested", "documents"),
          unit="documents"),
    Stage(stages.detect_language, takes=("documents",), gives=("documents",), counts=("documents", "documents"),
          unit="documents", config=("languages",)),
    Stage(stages.find_near_duplicates, takes=("documents", "near_duplicate_store"),
          gives=("documents", "signatures", "lsh_buckets", "stories"), counts=("documents", "documents"),
          unit="documents",
          config=("near_duplicate_threshold",)),
    Gate("documents", value="documents", record_kind="document", excerpt="text", unit="documents"),
    Stage(stages.extract_mentions, takes=("documents", "extracted", "shard_extractor"),
          gives=("documents", "entities", "numbers", "sentences", "extraction"), counts=("documents", "documents"),
          unit="documents", config=("model", "shard_size")),
    Stage(stages.measure_tone, takes=("sentences", "documents"), gives=("sentences", "documents"),
          counts=("sentences", "sentences"), unit="sentences"),
    Gate("sentences", value="sentences", record_kind="sentence", excerpt="doc_id",
         unit="sentences"),
    Stage(stages.resolve_dates, takes=("numbers", "documents"), gives=("numbers",), counts=("numbers", "numbers"),
          unit="mentions"),
    Stage(stages.locate_places, takes=("entities", "documents"), gives=("entities", "documents"),
          counts=("entities", "entities"), unit="mentions"),
    Gate("numbers", value="numbers", record_kind="number", excerpt="surface", unit="mentions",
         prepare=stages.number_checks),
    Stage(stages.link_entities, takes=("entities", "entity_catalog"), gives=("entities",), counts=("entities", "entities"),
          unit="mentions"),
    Gate("entities", value="entities", record_kind="entity", excerpt="text", unit="mentions",
         prepare=stages.span_check("text")),
    Stage(stages.merge_entity_catalog, takes=("entities", "documents", "entity_catalog"),
          gives=("entity_catalog", "entities", "mention_total"), counts=("entities", "entity_catalog"), unit="entities"),
    Gate("entity_catalog", value="entity_catalog", record_kind="entity", excerpt="canonical_name",
         unit="entities", prepare=stages.alias_check, parameters=stages.mention_total),
    Stage(stages.extract_events, takes=("numbers", "entities", "documents"), gives=("events",), counts=(None, "events"),
          unit="events"),
    Gate("events", value="events", record_kind="event", excerpt="sentence", unit="events"),
    Stage(stages.extract_quotes, takes=("entities", "sentences", "documents"), gives=("quotes",), counts=(None, "quotes"),
          unit="quotes"),
    Gate("quotes", value="quotes", record_kind="quote", excerpt="text", unit="quotes",
         prepare=stages.span_check("text")),
)

#: Run on every batch, after the pipeline or after the gate that failed it.
QUARANTINE_GATE = Gate("quarantine", value="quarantine", record_kind="record", excerpt="excerpt", unit="rows")
ACCOUNTING_GATE = Gate("stage_counts", value="stage_counts", record_kind="record", excerpt="stage", unit="rows")
#: Every step, by name: the values of the quarantine's `stage` and the manifest's stage rows.
STEPS: dict[str, Stage | Gate] = {step.name: step for step in (*PIPELINE, QUARANTINE_GATE, ACCOUNTING_GATE)}
STAGES = tuple(STEPS)

#: The stage whose rows in are the batch's records, and the one that skips what is written.
RECORDS_STAGE, SKIPPING_STAGE = stages.ingest_documents.__name__, stages.clean_documents.__name__


def steps_between(first: str | None = None, last: str | None = None) -> tuple[Stage | Gate, ...]:
    """The slice of PIPELINE from the step named `first` to the one named `last`, both included
    (from the start, to the end, when not given)."""
    names = [step.name for step in PIPELINE]
    for name in (first, last):
        if name is not None and name not in names:
            raise ValueError(f"no step {name!r} in the pipeline: {', '.join(names)}")
    start = names.index(first) if first else 0
    stop = names.index(last) + 1 if last else len(PIPELINE)
    return PIPELINE[start:stop]


#: The steps a batch runs wherever it is processed (a worker): everything up to linking, which
#: reads the entity catalog as the batches before left it, and so runs in the flow, in batch order.
BATCH_STEPS = steps_between(last="validate_numbers")
#: The steps the flow runs on each batch's result, in batch order, before committing it.
RUN_STEPS = steps_between(first="link_entities")
