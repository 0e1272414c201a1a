"""Paywalls and login walls: a page that asks the reader to subscribe, sign in or register instead
of giving the article. Such a text is no news (its prices would be counted as numbers), so cleaning
quarantines it as `paywall`, with the words that gave it away.

A wall is a short text (at most `WALL_MAX_WORDS` words: a teaser and the wall's own lines) holding
one of the walls' phrases, which speak to the reader ("your limit", "to continue reading"). A long
text with such a line is an article with a subscription nag left in it, and is kept.
"""

from __future__ import annotations

import re

from tasks.schemas import WALL_MAX_WORDS

WALL_PHRASES = re.compile(
    r"\b(?:"
    r"(?:you(?:'ve| have)|you(?:'re| are)) (?:reached|used|hit|run out of) (?:all |up )?(?:of )?(?:your|the) "
    r"(?:\w+ )?(?:limit|free|complimentary|allowance)"
    r"|(?:reached|hit) (?:your|the) (?:\w+ )?limit of (?:\w+ )?(?:free )?(?:articles|stories|reads)"
    r"|(?:subscribe|sign up|register|log ?in|sign ?in|create (?:a |an )?(?:free )?account|become a (?:member|subscriber))"
    r"(?: now| today| for free| free)? to (?:continue|keep) reading"
    r"|to (?:continue|keep) reading,? (?:please )?(?:subscribe|sign ?in|log ?in|register|create)"
    r"|(?:subscribe|sign ?in|log ?in|register)(?: now)? to (?:read|unlock|access) (?:the|this) (?:full )?"
    r"(?:article|story|content)"
    r"|this (?:article|story|content|page) is (?:only )?(?:available |reserved )?(?:to|for) "
    r"(?:subscribers|members|premium|paying)"
    r"|(?:exclusive|only) (?:to|for) (?:subscribers|members)"
    r"|already (?:a )?(?:subscriber|member)\?"
    r"|(?:free|complimentary) (?:articles?|stories) (?:left|remaining) this month"
    r")",
    re.IGNORECASE,
)


def find_wall(text: str) -> str | None:
    """The words of `text` that make it a paywall or login wall, or None when it is not one."""
    # Characters first: most articles are too long to be a wall without splitting them into words.
    if len(text) > 20 * WALL_MAX_WORDS or len(text.split()) > WALL_MAX_WORDS:
        return None
    match = WALL_PHRASES.search(text)
    return match[0] if match else None
