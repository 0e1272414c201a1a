import spacy
from spacy.tokens import Span

from tasks.entities import extract_entities


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
