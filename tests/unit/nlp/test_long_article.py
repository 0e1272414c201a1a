"""A long article through the real extraction: offsets into the whole text, every copy of a repeated
article extracted as the article alone, and memory bounded by one NER batch, not by the article."""



from tasks.nlp.model import MAX_BATCH_CHARS, batches, split_text


def test_pieces_join_back_and_end_after_a_paragraph():
    text = ("A short paragraph. " * 40 + "\n\n") * 50
    pieces = split_text(text, 2_000)
    assert "".join(pieces) == text
    assert all(len(piece) <= 2_000 for piece in pieces)
    assert all(piece.endswith("\n\n") for piece in pieces[:-1])
    assert all(not piece[0].isspace() for piece in pieces)


def test_a_paragraph_longer_than_a_piece_is_cut_after_a_sentence_then_a_space():
    sentences = "One sentence here. " * 300
    assert all(p.endswith(". ") for p in split_text(sentences, 1_000)[:-1])
    words = "word " * 1_000
    assert all(p.endswith(" ") and len(p) <= 999 for p in split_text(words, 999)[:-1])
    assert split_text("x" * 2_500, 1_000) == ["x" * 1_000, "x" * 1_000, "x" * 500]


def test_an_article_under_the_limit_is_one_piece():
    text = "A paragraph.\n\n" * 3_000
    assert len(text) < MAX_BATCH_CHARS and split_text(text) == [text]


def test_batches_hold_at_most_their_size_and_characters_in_order():
    texts = ["a" * n for n in (10, 30, 5, 60, 1, 1, 1, 1)]
    got = list(batches(texts, 3, 40))
    assert [t for batch in got for t in batch] == texts
    assert got == [["a" * 10, "a" * 30], ["a" * 5], ["a" * 60], ["a", "a", "a"], ["a"]]
