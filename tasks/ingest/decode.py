"""Bytes -> text: UTF-8 first, a byte-order mark or a detected legacy encoding next, binary refused.

Pure functions; `Undecodable` carries the quarantine reason when the bytes are not usable text.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer
import puremagic

# A byte-order mark names its encoding outright; the longest marks first (UTF-32 LE starts like UTF-16 LE).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# Signatures of binary formats that turn up in news feeds under a .txt name. puremagic also knows
# text formats (HTML, XML, scripts); those are text and go on to decoding.
BINARY_EXTENSIONS = {
    ".pdf", ".png", ".gz", ".tgz", ".zip", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".bz2",
    ".xz", ".7z", ".rar", ".docx", ".xlsx", ".pptx", ".doc", ".xls", ".ppt", ".odt", ".mp3", ".mp4", ".ogg",
    ".wav", ".exe", ".elf", ".class", ".sqlite", ".parquet", ".zst", ".ico", ".woff", ".woff2", ".jar", ".epub",
}
# Text has few NUL bytes; a sample this NUL-heavy without a UTF-16/32 mark is a binary file.
MAX_NUL_SHARE = 0.1
# charset-normalizer's "chaos" (share of implausible characters) above which a guess is not trusted.
MAX_CHAOS = 0.2
# Legacy encodings news text arrives in. Left to itself the detector also weighs DOS and Mac code
# pages and UTF-16 without a mark, and picks those for short Latin-1 texts.
NEWS_ENCODINGS = [
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "iso8859_5", "cp1253",
    "iso8859_7", "cp1254", "cp1255", "cp1256", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr",
]
# Several code pages often decode a text to the same or equally plausible characters; the tie goes
# to Windows-1252, the usual legacy encoding of English-language news, then Latin-1.
PREFERRED = ("cp1252", "latin_1", "iso8859_15")
TIE = 0.01
# UTF-8 with a few damaged bytes (a truncated copy, a stray byte) stays UTF-8, the damage replaced
# by U+FFFD, when it also holds correctly encoded non-ASCII characters (a legacy code page almost
# never forms those by chance) and at most this share of its bytes (or a handful) are invalid.
MAX_DAMAGED_SHARE = 0.01
MAX_DAMAGED_BYTES = 4
SAMPLE_BYTES = 64 * 1024
# puremagic's confidence of a 4-byte signature (`%PDF`); `BM` (BMP) is 0.2, gzip's 3 bytes 0.3.
STRONG_SIGNATURE = 0.4


class Undecodable(ValueError):
    """Bytes that are not text this pipeline can read: `reason` names the quarantine reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Decoded:
    text: str
    #: Python codec name the bytes were read with (`utf-8`, `utf-16`, `cp1252`, ...).
    encoding: str


def binary_format(data: bytes, min_confidence: float = 0.0) -> str | None:
    """The binary format (`.pdf`, `.png`, ...) `data` starts with, or None for anything else.
    Short signatures are weak evidence (`BM` opens BMP images and articles about BMW), so a
    caller sets `min_confidence` (puremagic's, from the length of the matched signature); with it
    only a signature at the very start counts (`text` at byte 73 is not an OpenDocument file)."""
    try:
        matches = puremagic.magic_string(data[:SAMPLE_BYTES])
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.extension.lower() in BINARY_EXTENSIONS and match.confidence >= min_confidence \
                and (match.offset == 0 or not min_confidence):
            return match.extension.lower()
    return None


def decode_bytes(data: bytes) -> Decoded:
    """`data` as text: by its byte-order mark, as UTF-8, or in the encoding charset-normalizer
    detects with confidence; raises Undecodable (`binary_file`, `undetectable_encoding`) otherwise."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                raise Undecodable("undetectable_encoding",
                                  f"starts with a {encoding} byte-order mark but is not {encoding}: "
                                  f"{exc.reason} at byte {exc.start}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text, utf8_error = None, f"not UTF-8 ({exc.reason} at byte {exc.start})"
    # Valid UTF-8 is binary only when it opens with a long, unmistakable signature (`%PDF`, PNG's).
    if kind := binary_format(data, 0.0 if text is None else STRONG_SIGNATURE):
        raise Undecodable("binary_file", f"a {kind.lstrip('.').upper()} file, not text ({len(data)} bytes)")
    sample = data[:SAMPLE_BYTES]
    if sample.count(0) > MAX_NUL_SHARE * len(sample):
        raise Undecodable("binary_file", f"{sample.count(0)} NUL bytes in the first {len(sample)}: binary, not text")
    if text is not None:
        return Decoded(text, "utf-8")
    damaged = damaged_utf8(data)
    if damaged is not None:
        return damaged
    matches = charset_normalizer.from_bytes(data, cp_isolation=NEWS_ENCODINGS)
    best = matches.best()
    if best is None or best.chaos > MAX_CHAOS:
        found = "no encoding fits" if best is None else f"best guess {best.encoding} is not plausible text"
        raise Undecodable("undetectable_encoding", f"{utf8_error}; {found}")
    tied = [m for m in matches if m.chaos <= best.chaos + TIE]
    for preferred in PREFERRED:
        if any(preferred in m.could_be_from_charset for m in tied):
            return Decoded(data.decode(preferred), codecs.lookup(preferred).name)
    return Decoded(str(best), codecs.lookup(best.encoding).name)


def damaged_utf8(data: bytes) -> Decoded | None:
    """`data` as UTF-8 with its invalid bytes replaced, when it is mostly valid UTF-8; else None."""
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    well_formed = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if well_formed and replaced <= max(MAX_DAMAGED_BYTES, MAX_DAMAGED_SHARE * len(data)):
        return Decoded(text, "utf-8")
    return None
