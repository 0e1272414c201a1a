import json

import spacy
from spacy.tokens import Span

from tasks.entities.mentions import extract_entities


def test_entity_rows_have_offsets_labels_and_sentences():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("Putin spoke in Moscow. Zelensky replied on Friday.")
    doc.ents = [Span(doc, 0, 1, "PERSON"), Span(doc, 3, 4, "GPE"), Span(doc, 5, 6, "PERSON"),
                Span(doc, 8, 9, "DATE")]
    rows = extract_entities(["d1"], [doc])
    assert rows.select("text", "label", "sentence_index").rows() == [
        ("Putin", "PERSON", 0), ("Moscow", "GPE", 0), ("Zelensky", "PERSON", 1)]
    for start, end, text in rows.select("start_char", "end_char", "text").rows():
        assert doc.text[start:end] == text


def test_sentences_split_at_punctuation_and_blank_lines_and_keep_opening_quotes():
    from tasks.documents.sentences import sentence_starts
    from tasks.nlp.model import SENTENCES

    nlp = spacy.blank("en")
    nlp.add_pipe(SENTENCES)
    text = ('Ad sales boost profit\n\nProfits rose 76%. "I think so," he said. It took a $900m loan.\n\n'
            "State-owned Rosneft bought it.\n")
    doc = nlp(text)
    assert [s.text for s in doc.sents] == [
        "Ad sales boost profit\n\n", "Profits rose 76%.", '"I think so," he said.', "It took a $900m loan.\n\n",
        "State-owned Rosneft bought it.\n"]
    assert [text[start] for start in sentence_starts(doc)] == ["A", "P", '"', "I", "S"]


def test_each_mention_says_whether_the_model_or_a_correction_labelled_it_for_its_confidence():
    from tasks.entities.rules import MODEL_LABELS

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("Mr Putin met NATO in Moscow. Putin left.")
    doc.ents = [Span(doc, 1, 2, "PERSON"), Span(doc, 3, 4, "ORG"), Span(doc, 5, 6, "GPE"), Span(doc, 7, 8, "PERSON")]
    # The model had read `Moscow` as an organisation and not seen the second `Putin`.
    doc.user_data[MODEL_LABELS] = {(3, 8): "PERSON", (13, 17): "ORG", (21, 27): "ORG"}
    rows = extract_entities(["d1"], [doc])
    first, nato, moscow, second = (json.loads(e) for e in rows["label_evidence"])
    assert [e["source"] for e in (first, nato, moscow, second)] == ["model", "model", "relabelled", "added"]
    assert nato["acronym"] == 1.0
    assert first["title_before"] == 1.0 and first["agreement"] == 1.0 and first["repeated"] > 0
    assert moscow["known_place"] == 1.0 and moscow["label_place"] == "GPE/True"
    assert second["source"] == "added" and second["sentence_start"] == 1.0
    confidences = rows["label_confidence"].to_list()
    assert all(c is not None and 0 <= c <= 1 for c in confidences)


def test_a_nationality_the_gazetteer_knows_is_told_from_a_group_it_does_not():
    nlp = spacy.blank("en")
    doc = nlp("Chinese officials met the Tories.")
    doc.ents = [Span(doc, 0, 1, "NORP"), Span(doc, 4, 5, "NORP")]
    chinese, tories = (json.loads(e) for e in extract_entities(["d1"], [doc])["label_evidence"])
    assert (chinese["label_demonym"], tories["label_demonym"]) == ("NORP/True", "NORP/False")


def test_mentions_of_no_document_have_every_column_extraction_gives_so_batches_concatenate():
    import polars as pl

    from tasks.nlp.extraction import no_mentions

    nlp = spacy.blank("en")
    doc = nlp("Putin spoke.")  # no sentence boundaries, and no labels kept from a model
    doc.ents = [Span(doc, 0, 1, "PERSON")]
    rows = extract_entities(["d1"], [doc])
    entities, numbers, _ = no_mentions()
    assert pl.concat([entities, rows]).columns == rows.columns
    evidence = json.loads(rows["label_evidence"][0])
    assert evidence["source"] == "unknown" and evidence["sentence_start"] == 1.0
    assert {"unit_evidence", "object_evidence", "unit_confidence"} <= set(numbers.columns)
