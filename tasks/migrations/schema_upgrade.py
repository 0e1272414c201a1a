"""Schema 1.x -> 2.x: places with coordinates and focus, dates with calendar values, events,
sentences with their tone, quotes.

What 2.x adds is derived again from what 1.x stored: numbers and sentences are extracted again
from each document's text (dates are now found by `tasks.numbers.dates` and carry `date_value`, not a day
or year in `value`; the parse around each amount gives the same objects), place mentions keep
their offsets and labels and are resolved in their document's context (a mention that now names
another place, `Kherson region` the oblast, gets that place's entity id), an acronym takes the id
of the name it stands for in its document, the catalog is rebuilt from every mention, and events,
tone and quotes are derived. Only the numbers and sentences need the spaCy model.
"""

from __future__ import annotations

import polars as pl

from tasks.documents.tone import measure_tone
from tasks.entities.canonical import build_catalog, with_acronyms_expanded
from tasks.entities.ids import entity_id_for
from tasks.entities.places import locate_places
from tasks.events import extract_events
from tasks.numbers.dates import with_date_values
from tasks.quotes import extract_quotes
from tasks.schemas import NUMBERS, SENTENCES, frame

#: Documents whose numbers are extracted at once (the model's memory, not the rows, bounds it).
CHUNK = 200


def extract_again(documents: pl.DataFrame, model: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(number rows, sentence rows) of every extracted document, as a 2.x run extracts them (dates
    unresolved, tone not measured)."""
    from tasks.nlp.extraction import extract_mentions
    from tasks.nlp.model import load_model

    extracted = documents.filter(~pl.col("flags").list.contains("not_extracted_language"))
    if not extracted.height:
        return frame([], NUMBERS), frame([], SENTENCES)
    nlp = load_model(model)
    parts = []
    for start in range(0, extracted.height, CHUNK):
        chunk = extracted.slice(start, CHUNK)
        parts.append(extract_mentions(nlp, chunk["doc_id"].to_list(), chunk["text"].to_list()))
    return pl.concat([p.numbers for p in parts]), pl.concat([p.sentences for p in parts])


def relink_places(entities: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Mentions located again (`locate_places`) with the ids and names their place gives them, and
    acronyms with those of the name they stand for in their document; other mentions keep theirs.
    Adds `entity_key` and `gazetteer_name` for the catalog."""
    keys = catalog.select("entity_id", "entity_key")
    located = entities.join(keys, on="entity_id", how="left", maintain_order="left")
    place = pl.col("external_id").is_not_null()
    located = located.with_columns(
        entity_key=pl.when(place).then(pl.lit("PLACE|") + pl.col("external_id"))
        .otherwise(pl.coalesce("entity_key", "entity_id")),
        canonical_name=pl.when(place).then(pl.col("gazetteer_name")).otherwise(pl.col("canonical_name")),
    )
    identities = with_acronyms_expanded(
        located["doc_id"].to_list(), located["text"].to_list(),
        list(located.select("entity_key", "external_id", "gazetteer_name").iter_rows()))
    expanded = located.with_columns(
        pl.Series("expanded_key", [key for key, _, _ in identities], dtype=pl.String),
        external_id=pl.Series([external for _, external, _ in identities], dtype=pl.String),
        gazetteer_name=pl.Series([name for _, _, name in identities], dtype=pl.String))
    changed = (pl.col("expanded_key") != pl.col("entity_key")) | place
    return expanded.with_columns(
        entity_id=pl.when(changed).then(pl.col("expanded_key").map_elements(entity_id_for, return_dtype=pl.String))
        .otherwise(pl.col("entity_id")),
        canonical_name=pl.when(pl.col("gazetteer_name").is_not_null()).then(pl.col("gazetteer_name"))
        .otherwise(pl.col("canonical_name")),
    ).with_columns(entity_key=pl.col("expanded_key")).drop("expanded_key")


def upgrade(tables: dict[str, pl.DataFrame], model: str) -> dict[str, pl.DataFrame]:
    """Every table's rows carried from 1.x to 2.x (see the module's docstring)."""
    documents = tables["documents"]
    numbers, sentences = extract_again(documents, model)
    numbers = with_date_values(numbers, documents)
    sentences, documents = measure_tone(sentences, documents)
    stored = tables["entities"].drop("external_id", strict=False)
    located, documents = locate_places(stored, documents)
    entities = relink_places(located, tables["entity_catalog"])
    catalog = build_catalog(entities, documents)
    events = extract_events(numbers, entities, documents)
    quotes = extract_quotes(entities, sentences, documents)
    return tables | {"documents": documents, "numbers": numbers, "entities": entities,
                     "entity_catalog": catalog, "events": events, "sentences": sentences, "quotes": quotes}
