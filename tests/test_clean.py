import polars as pl

from tasks.clean import clean_documents, clean_text, text_hash
from tasks.ingest import ingest_file, ingested_frame


def test_doubled_words_are_repaired_but_legitimate_ones_kept():
    assert clean_text("The The US announced") == "The US announced"
    assert clean_text("he said that that was it") == "he said that that was it"
    assert clean_text("they had had enough") == "they had had enough"


def test_mojibake_is_repaired_and_curly_quotes_kept():
    assert clean_text("CafÃ© “quoted”") == "Café “quoted”"


def test_nfc_controls_and_whitespace():
    assert clean_text("Cafe\u0301\x00 a\u00ad\tb  c \n\n\n\n d ") == "Café a b c\n\nd"


def test_cyrillic_and_emoji_survive():
    text = "— Володимир Зеленський (@ZelenskyyUa) 🇺🇦"
    assert clean_text(text) == text


def _ingested(*texts):
    return ingested_frame([row for i, t in enumerate(texts) for row in ingest_file(f"{i}.txt", t.encode()).rows])


def test_exact_duplicates_are_quarantined_once_each():
    docs, quarantine, skipped = clean_documents(_ingested("Same story.", "Same  story.", "Other story."))
    assert docs["text"].to_list() == ["Same story.", "Other story."]
    assert quarantine["reason"].to_list() == ["duplicate_document"]
    assert quarantine["source_id"].to_list() == ["1"]
    assert skipped == 0


def test_documents_already_written_are_skipped_and_known_texts_are_duplicates():
    ingested = _ingested("Old story.", "Old  story.", "New story.")
    old_id = ingested["doc_id"][0]
    docs, quarantine, skipped = clean_documents(
        ingested, frozenset({old_id}), {text_hash("Old story."): old_id})
    assert docs["text"].to_list() == ["New story."]
    assert skipped == 1
    assert quarantine["reason"].to_list() == ["duplicate_document"]
    assert old_id in quarantine["detail"][0]


def test_clean_keeps_raw_text_and_offsets_refer_to_clean_text():
    docs, _, _ = clean_documents(_ingested(" date 2022-09-30 The The  end."))
    row = docs.row(0, named=True)
    assert row["raw_text"] == " date 2022-09-30 The The  end."
    assert row["text"] == "The end."
    assert row["char_count"] == len(row["text"])
    assert docs.schema["published_date"] == pl.Date
