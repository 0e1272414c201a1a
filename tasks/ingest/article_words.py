"""How many words a text is, in any script, and how many make an article rather than a teaser,
a menu's remains or a 404 page."""

from __future__ import annotations

import re

#: A text with fewer words than this is no article: what boilerplate removal leaves of a 404 page, a
#: gallery or a page of links, or a feed item's teaser.
MIN_ARTICLE_WORDS = 20
#: Letters of scripts written without spaces between words (Han, kana, Thai, Lao, Myanmar, Khmer):
#: two of them count as a word, which a Chinese word averages and a Thai word exceeds.
UNSPACED_LETTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f"
                             r"\u1780-\u17ff]")


def word_count(text: str) -> int:
    """Words in a text of any script: its space-separated words, where a run of letters of a script
    written without spaces counts as one word per two letters."""
    unspaced = len(UNSPACED_LETTER.findall(text))
    spaced = sum(1 for word in text.split() if not UNSPACED_LETTER.search(word))
    return spaced + unspaced // 2
