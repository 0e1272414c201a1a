"""Quotes, their cues and speakers (tiny inline documents, hand-made mentions: no model), tone, and
acronyms linked to the names they stand for; then the seeds through the real flow."""

import polars as pl

from tasks.entities.ids import entity_id_for
from tests.conftest import read

SEED_SPEAKERS = {
    "“Today we will be signing": "Putin", "“We continue to work": "Yermak", "I appreciate the clear": "Zelensky",
    "“will never, recognize": "Blinken", "“We are ready for a dialogue": "Zelensky",
    "“Make no mistake": "Biden", "“the biggest attempt": "Stoltenberg", "“the most serious escalation": "Stoltenberg",
    "“The entire territory": "Zelensky", "“De facto": "Zelensky", "“It looks pretty pathetic": "Galyamov",
    "“People understand": "Galyamov", "“The armed formations": "Pushylin", "“are trying very hard": "Pushylin",
    "“History has called us": "Putin",
}


def test_every_seed_quotation_has_its_speaker(seeds_run):
    output, _ = seeds_run
    quotes = read(output, "quotes")
    catalog = read(output, "entity_catalog")
    names = dict(catalog.select("entity_id", "canonical_name").iter_rows())
    for opening, surname in SEED_SPEAKERS.items():
        (row,) = quotes.filter(pl.col("text").str.starts_with(opening)).to_dicts()
        assert surname in names[row["speaker_entity_id"]], (opening, names.get(row["speaker_entity_id"]))
    documents = read(output, "documents")
    for row in quotes.to_dicts():
        text = documents.filter(pl.col("doc_id") == row["doc_id"])["text"][0]
        assert text[row["start_char"]:row["end_char"]] == row["text"]
        if row["speaker_start"] is not None:
            assert text[row["speaker_start"]:row["speaker_end"]] == row["speaker_text"]


def test_seed_acronyms_share_their_names_ids_and_every_document_has_a_tone(seeds_run):
    output, _ = seeds_run
    entities = read(output, "entities")
    ids = {text: set(part["entity_id"]) for (text,), part in entities.partition_by("text", as_dict=True).items()}
    assert ids["AP"] == ids["Associated Press"] and len(ids["AP"]) == 1
    assert ids["RF"] == ids["Russian Federation"] == {entity_id_for("PLACE|iso3166:RU")}
    documents = read(output, "documents")
    assert documents["tone"].null_count() == 0 and (documents["word_count"] > 400).all()
    sentences = read(output, "sentences")
    assert sentences.group_by("doc_id").agg(pl.col("word_count").sum()).sort("doc_id")["word_count"].to_list() \
        == documents.sort("doc_id")["word_count"].to_list()
    # Every entity mention's sentence is a row of `sentences`.
    assert entities.join(sentences, on=["doc_id", "sentence_index"], how="anti").height == 0
