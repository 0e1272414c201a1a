import polars as pl

from tasks.documents.clean import clean_documents, clean_text, text_hash
from tasks.ingest.readers import ingest_file
from tasks.ingest.records import ingested_frame


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
    assert quarantine["source_id"].to_list() == ["1.txt"]
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


PAYWALLS = [
    # What the page said, with its prices.
    "Ukraine war live. You have reached your limit of free articles. Subscribe for $1 a week for 6 months, "
    "then $4.99 a week. Already a subscriber? Log in.",
    "The mayor's plan for the harbour\n\nThis article is only available to subscribers. Start your free trial.",
    "Council tax to rise by 5%\n\nThe council voted on Tuesday to raise the tax.\n\n"
    "Subscribe to continue reading. Get unlimited access for £2 a month.",
    "Sign in to keep reading. Create a free account to read 3 stories a month.",
    "You've used all of your free articles this month. To continue reading, please subscribe.",
]
ARTICLES_ABOUT_WALLS = [
    # About paywalls, not behind one: no reader addressed.
    "Newspapers have put up paywalls. The Times said subscribers grew by 10% after readers met a limit.",
    # A full article with the nag left at its end: long, so kept.
    " ".join(["Officials said the bridge would reopen in March after repairs costing 12 million."] * 40)
    + " Subscribe to continue reading our coverage.",
]


def test_paywalls_and_login_walls_are_quarantined_with_their_words():
    from tasks.documents.paywalls import find_wall

    assert all(find_wall(text) for text in PAYWALLS), [t for t in PAYWALLS if not find_wall(t)]
    assert not any(find_wall(text) for text in ARTICLES_ABOUT_WALLS)
    docs, quarantine, _ = clean_documents(_ingested(*PAYWALLS, *ARTICLES_ABOUT_WALLS))
    assert docs.height == len(ARTICLES_ABOUT_WALLS)
    assert quarantine["reason"].to_list() == ["paywall"] * len(PAYWALLS)
    assert "You have reached your limit" in quarantine["detail"][0]
    assert quarantine["excerpt"][0].startswith("Ukraine war live.")
