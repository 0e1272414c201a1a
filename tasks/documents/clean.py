"""Cleaning: repaired, normalised article text, and exact duplicates set aside."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container, Mapping

import ftfy
import polars as pl
from ftfy.badness import is_bad

from tasks.documents.paywalls import find_wall
from tasks.quarantine import quarantine_frame, quarantine_row
from tasks.schemas import ARTICLE_FIELDS, DOCUMENTS, polars_schema

# ftfy repairs mojibake, NFC-normalises and drops control characters; curly quotes are the
# publisher's text, not damage, so they stay.
FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, normalization="NFC")

# Words that are never correctly written twice in a row ("that that" and "had had" can be).
DOUBLED_WORDS = (
    "the", "a", "an", "of", "to", "in", "on", "at", "for", "and", "or", "by", "with", "from", "as",
    "is", "was", "are", "were", "be", "been", "it", "its", "this", "his", "her", "their", "our",
    "we", "he", "she", "they", "will", "would", "has", "have", "not", "but",
)
# The lookahead on the words' first letters only saves time: without it the expression tries every
# word of the list at every word start of the text.
DOUBLED = re.compile(r"\b(?=[" + "".join(sorted({w[0] for w in DOUBLED_WORDS})) + r"])("
                     + "|".join(DOUBLED_WORDS) + r")(\s+)\1\b", re.IGNORECASE)
HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible format characters (soft hyphen, zero-width space, bidi marks, BOM) sit inside words;
# the zero-width joiner stays because emoji sequences need it.
FORMAT_CHARS = re.compile(r"[\u00ad\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")
MANY_NEWLINES = re.compile(r"\n{3,}")
# Control characters worth a flag: line breaks, tabs and form feeds are ordinary layout.
STRAY_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _repair_doubled(match: re.Match) -> str:
    # A word repeated across a paragraph break is a heading or list, not a typo.
    return match.group(0) if "\n" in match.group(2) else match.group(1)


REPAIR_PASSES = 4


def clean_text(text: str) -> str:
    """Text with mojibake repaired, NFC, no control characters, tidy whitespace, no doubled words.

    Idempotent: cleaning a clean text changes nothing (so reruns and checks agree).
    """
    text = LONE_SURROGATES.sub("\ufffd", text)
    # Invisible characters and odd spacing go before ftfy, so they cannot hide mojibake (`Ã\u200b©`)
    # or a decomposed letter from its repair and normalisation; ftfy's output is checked again.
    text = _tidy(text)
    # Tidying ftfy's output can expose more mojibake (`Â ÃƒÂ©` -> `\xa0Ã©` -> `Ã©`), so repair
    # until nothing changes; a few passes always suffice.
    for _ in range(REPAIR_PASSES):
        if (repaired := _tidy(fix_text(text))) == text:
            break
        text = repaired
    while (repaired := DOUBLED.sub(_repair_doubled, text)) != text:  # `the the the` takes two passes
        text = repaired
    return text


def fix_text(text: str) -> str:
    """ftfy's repair of a tidy text (`_tidy`'s output). Tidy ASCII text without `&` is returned as
    it is, without asking ftfy, which would change nothing: only its HTML unescaping acts on ASCII,
    and tidying already removed the control characters, carriage returns and terminal escapes it
    would remove. ftfy fixes a text line by line, a dozen steps each, and most news copy is ASCII."""
    if text.isascii() and "&" not in text:
        return text
    return ftfy.fix_text(text, FTFY_CONFIG)


def _tidy(text: str) -> str:
    text = FORMAT_CHARS.sub("", CONTROL_CHARS.sub(" ", text))
    text = HORIZONTAL_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return MANY_NEWLINES.sub("\n\n", text).strip()


def cleaning_flags(body: str) -> list[str]:
    """Flags for what cleaning repairs in `body`: mojibake and stray control characters."""
    flags = []
    # ftfy's badness heuristic also fires on U+FFFD and odd symbols; only a text its encoding
    # repair changes held mojibake. ASCII text never does (`fix_encoding` returns it as it is),
    # and the heuristic's expression is slow to rule it out on a long text.
    if not body.isascii() and is_bad(body) and ftfy.fix_encoding(body) != body:
        flags.append("mojibake_repaired")
    if STRAY_CONTROL_CHARS.search(body):
        flags.append("control_chars_removed")
    return flags


def text_hash(text: str) -> str:
    """Hash of a clean text: equal hashes mean exact duplicate articles."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def clean_documents(
    ingested: pl.DataFrame,
    known_doc_ids: Container[str] = frozenset(),
    known_text_hashes: Mapping[str, str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(new clean documents, quarantine, count already written) from ingested articles.

    Articles whose id is in `known_doc_ids` were written by an earlier run and are skipped.
    An article whose clean text equals an earlier one's (in this input, in input order, or in
    `known_text_hashes`: hash -> doc_id) is quarantined as `duplicate_document`.
    """
    # Looked up, never copied: the known hashes are every stored document's.
    known_text_hashes = known_text_hashes or {}
    batch_hashes: dict[str, str] = {}
    rows, quarantine, already_written = [], [], 0
    seen_ids: set[str] = set()
    for row in ingested.iter_rows(named=True):
        if row["doc_id"] in known_doc_ids:
            already_written += 1
            continue
        where = {"source_path": row["source_path"], "source_id": row["source_id"],
                 "record_index": row["record_index"], "doc_id": row["doc_id"]}
        try:
            text = clean_text(row["body"])
        except Exception as exc:  # a bug must cost one document, not the run
            quarantine.append(quarantine_row(record_kind="document", reason="clean_error",
                                             detail=f"{type(exc).__name__}: {exc}"[:500], **where))
            continue
        digest = text_hash(text)
        if not text:
            quarantine.append(quarantine_row(record_kind="document", reason="empty_text",
                                             detail="no text left after cleaning", **where))
            continue
        wall = find_wall(text)
        if wall is not None:
            quarantine.append(quarantine_row(record_kind="document", reason="paywall",
                                             detail=f"a paywall or login wall, not the article: {wall!r}",
                                             excerpt=text, **where))
            continue
        original = batch_hashes.get(digest) or known_text_hashes.get(digest)
        if original is not None or row["doc_id"] in seen_ids:
            quarantine.append(quarantine_row(
                record_kind="document", reason="duplicate_document",
                detail=f"same text as document {original or row['doc_id']}", excerpt=text, **where))
            continue
        batch_hashes[digest] = row["doc_id"]
        seen_ids.add(row["doc_id"])
        rows.append({
            **{field.name: row[field.name] for field in ARTICLE_FIELDS},
            "flags": [*row["flags"], *cleaning_flags(row["body"])],
            "raw_text": row["raw_text"],
            "text": text,
            "text_hash": digest,
            "char_count": len(text),
            # Set by the language and near-duplicate tasks that follow.
            "language": "und",
            "language_score": 0.0,
            "near_duplicate_of": None,
            "near_duplicate_similarity": None,
            "run_id": "",
        })
    documents = pl.DataFrame(rows, schema=polars_schema(DOCUMENTS))
    return documents, quarantine_frame(quarantine), already_written
