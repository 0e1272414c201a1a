"""Schema 1.x -> 2.0: places with coordinates and focus, dates with calendar values, events.

What 2.0 adds is derived again from what 1.x stored: numbers are extracted again from each
document's text (dates are now found by `tasks.dates` and carry `date_value`, not a day or year
in `value`; the parse around each amount gives the same objects), place mentions keep their
offsets and labels and are resolved in their document's context (a mention that now names
another place, `Kherson region` the oblast, gets that place's entity id), the catalog is rebuilt
from every mention, and events are derived from the counts. Only the numbers need the spaCy model.
"""

from __future__ import annotations

import polars as pl

from tasks.canonical import build_catalog, entity_id_for
from tasks.dates import with_date_values
from tasks.events import extract_events
from tasks.places import locate_places
from tasks.schemas import NUMBERS, frame

#: Documents whose numbers are extracted at once (the model's memory, not the rows, bounds it).
CHUNK = 200


def extract_numbers_again(documents: pl.DataFrame, model: str) -> pl.DataFrame:
    """Number rows of every extracted document, as a 2.0 run extracts them (dates unresolved)."""
    from tasks.extraction import extract_mentions
    from tasks.nlp import load_model

    extracted = documents.filter(~pl.col("flags").list.contains("not_extracted_language"))
    if not extracted.height:
        return frame([], NUMBERS)
    nlp = load_model(model)
    parts = []
    for start in range(0, extracted.height, CHUNK):
        chunk = extracted.slice(start, CHUNK)
        parts.append(extract_mentions(nlp, chunk["doc_id"].to_list(), chunk["text"].to_list()).numbers)
    return pl.concat(parts)


def relink_places(entities: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Mentions located again (`locate_places`) with the ids and names their place gives them;
    other mentions keep theirs. Adds `entity_key` and `gazetteer_name` for the catalog."""
    keys = catalog.select("entity_id", "entity_key")
    located = entities.join(keys, on="entity_id", how="left", maintain_order="left")
    place = pl.col("external_id").is_not_null()
    return located.with_columns(
        entity_key=pl.when(place).then(pl.lit("PLACE|") + pl.col("external_id"))
        .otherwise(pl.coalesce("entity_key", "entity_id")),
        canonical_name=pl.when(place).then(pl.col("gazetteer_name")).otherwise(pl.col("canonical_name")),
    ).with_columns(entity_id=pl.when(place).then(pl.col("entity_key").map_elements(
        entity_id_for, return_dtype=pl.String)).otherwise(pl.col("entity_id")))


def upgrade(tables: dict[str, pl.DataFrame], model: str) -> dict[str, pl.DataFrame]:
    """Every table's rows carried from 1.x to 2.0 (see the module's docstring)."""
    documents = tables["documents"]
    numbers = with_date_values(extract_numbers_again(documents, model), documents)
    stored = tables["entities"].drop("external_id", strict=False)
    located, documents = locate_places(stored, documents)
    entities = relink_places(located, tables["entity_catalog"])
    catalog = build_catalog(entities, documents)
    events = extract_events(numbers, entities, documents)
    return tables | {"documents": documents, "numbers": numbers, "entities": entities,
                     "entity_catalog": catalog, "events": events}
