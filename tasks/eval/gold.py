"""Gold sets read as they are published, into the records `newsfacts eval` scores: text, and the
annotations as character spans into it."""

from __future__ import annotations

#: Tokens written without a space before them, and after which none follows, when a tokenised
#: sentence is turned back into text: `Leicestershire , who` reads `Leicestershire, who`.
_NO_SPACE_BEFORE = {",", ".", ":", ";", "!", "?", ")", "]", "}", "%", "'s", "'S", "n't", "'re", "'ve", "'ll", "'d",
                    "'m"}
_NO_SPACE_AFTER = {"(", "[", "{", "$"}


def read_conll(text: str) -> list[dict]:
    """CoNLL-2003 (`token POS chunk tag` lines, IOB1 or IOB2 tags, a blank line between sentences,
    `-DOCSTART-` between documents) as records: `text` (each sentence a line, its tokens joined as
    running text) and `entities`, [start, end, label] with the set's labels (PER, ORG, LOC, MISC)."""
    records, sentences, sentence = [], [], []
    for line in [*text.splitlines(), "-DOCSTART-"]:
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if sentence:
                sentences.append(sentence)
                sentence = []
            if fields and sentences:
                records.append(_document(len(records), sentences))
                sentences = []
            continue
        if len(fields) < 2:
            raise ValueError(f"not a CoNLL line (token ... tag): {line!r}")
        sentence.append((fields[0], fields[-1]))
    return records


def _document(number: int, sentences: list[list[tuple[str, str]]]) -> dict:
    parts: list[str] = []
    spans: list[list] = []
    at = 0
    for sentence in sentences:
        if parts:
            parts.append("\n")
            at += 1
        open_span, previous = None, "O"
        for i, (token, tag) in enumerate(sentence):
            if i and token not in _NO_SPACE_BEFORE and sentence[i - 1][0] not in _NO_SPACE_AFTER:
                parts.append(" ")
                at += 1
            kind, _, label = tag.partition("-")
            continues = kind == "I" and previous != "O" and previous.partition("-")[2] == label
            if open_span is not None and not continues:
                spans.append(open_span)
                open_span = None
            if kind in ("B", "I") and open_span is None:
                open_span = [at, at, label]
            parts.append(token)
            at += len(token)
            if open_span is not None:
                open_span[1] = at
            previous = tag
        if open_span is not None:
            spans.append(open_span)
    return {"id": f"conll-{number}", "text": "".join(parts), "entities": spans}
