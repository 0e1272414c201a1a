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
