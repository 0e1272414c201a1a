import gzip
import random

import pytest

from tasks.ingest.decode import Undecodable, decode_bytes

ARTICLE = "Kyiv’s mayor said “the city is ready” as 1,000 people were evacuated — café owners too."


def reason(data: bytes) -> str:
    with pytest.raises(Undecodable) as caught:
        decode_bytes(data)
    return caught.value.reason


def test_utf8_and_byte_order_marks():
    assert decode_bytes(ARTICLE.encode()).text == ARTICLE and decode_bytes(ARTICLE.encode()).encoding == "utf-8"
    for codec in ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        data = ARTICLE.encode(codec)
        if codec in ("utf-16-le", "utf-16-be"):
            data = ("\ufeff" + ARTICLE).encode(codec)
        assert decode_bytes(data).text == ARTICLE, codec


def test_legacy_code_pages_are_detected():
    assert decode_bytes(ARTICLE.encode("cp1252")).text == ARTICLE
    assert decode_bytes(ARTICLE.encode("cp1252")).encoding == "cp1252"
    russian = "Президент Володимир Зеленський заявив, что армия освободила город Лиман в понедельник."
    assert decode_bytes(russian.encode("cp1251")).text == russian
    german = "Die Straße in München ist schön und grün, sagte der Bürgermeister am Montag."
    assert decode_bytes(german.encode("latin-1")).text == german


def test_binary_files_are_refused_but_articles_about_bmw_are_not():
    assert reason(b"\x89PNG\r\n\x1a\n" + bytes(range(256))) == "binary_file"
    assert reason(gzip.compress(ARTICLE.encode())) == "binary_file"
    assert reason(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj") == "binary_file"
    assert reason(b"%PDF-1.4\n1 0 obj << >> endobj\n") == "binary_file"  # an ASCII-only PDF too
    assert reason(bytes(100) + b"text") == "binary_file"
    # `BM` is a BMP signature, `DVD` an IFO one: real BBC headlines start that way.
    for headline in ("BMW drives record sales in Asia", "DVD copy protection strengthened", "BA to suspend"):
        assert decode_bytes(headline.encode()).text == headline


def test_damaged_utf8_keeps_its_good_characters_and_garbage_is_refused():
    damaged = ARTICLE.encode()[:20] + b"\xff" + ARTICLE.encode()[20:]
    decoded = decode_bytes(damaged)
    assert decoded.encoding == "utf-8" and decoded.text.replace("\ufffd", "", 1) == ARTICLE
    assert reason(random.Random(3).randbytes(5000)) == "undetectable_encoding"


def test_control_characters_are_text_not_binary():
    assert decode_bytes(b"Kyiv\x00 said\x07 no.").text == "Kyiv\x00 said\x07 no."
