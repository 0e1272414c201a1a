"""Direct quotations and who said them.

- Quotations: text between quotation marks (curly or straight double marks, curly single ones)
  of at least MIN_WORDS words, or a shorter part of one the attribution interrupts (`“The armed
  formations of Ukraine,” he told ..., “are trying ...”`), or fewer words that reported speech
  quotes (a speech cue before them in their sentence: `said the city was “semi-surrounded”`,
  `called them “deplorables”`; not `so-called “referendums”`); one left open at a paragraph's end and
  opened again at the next one's start runs on; an embedded post (`... — Name (@handle) date`)
  is a quotation by the name in its author line. Titles (every word capitalised) are not quotes.
- Attribution: a speech cue (`said`, `told`, `according to`, ...) after the quote in its sentence
  (`“...,” said X`, `“...,” X said`), else before it (`X said: “...”`, `X called it “...”`), else
  the cue of the sentence before it (a quote carrying on from `X said` or `he added`).
- Speaker: the cue's subject, a name (an entity mention), a pronoun or a title/description (`the
  Ukrainian president`); resolved to an entity: a name by its mention; `he`/`she` by the nearest
  person named before outside quotation marks; a title by the person the document names with that
  title (a nationality in it must not contradict theirs); `a spokesman for X` by X; `the company`
  by the nearest organisation named before.

Pure functions of a document's text, its sentences and its linked entity mentions.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, replace

import polars as pl

from tasks.confidence.calibrated import with_confidence
from tasks.entities.gazetteer import demonyms, fold
from tasks.schemas import QUOTES, frame

MIN_WORDS = 3
WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")
# Marks that open a quotation and the one closing it; a straight double mark does both.
OPENERS = {"\u201c": "\u201d", "\u2018": "\u2019", '"': '"'}
MARK = re.compile("[\u201c\u201d\u2018\u2019\"]")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
# An embedded post's author line: `— Володимир Зеленський (@ZelenskyyUa) September 29, 2022`.
POST_AUTHOR = re.compile(r"\s[\u2014\u2013-]{1,2}\s*(?P<name>[^\n()@]{2,60}?)\s*\(@\w{1,30}\)[^\n]{0,40}$")
SMALL_WORDS = frozenset("a an and the of in on at to for or by with from".split())

# Speech verbs as written (no lemmatiser: the stage reads text), and `according to`.
CUE_VERBS = frozenset("""
say says said saying tell tells told telling add adds added adding write writes wrote writing ask asks asked
explain explains explained stated declare declares declared insist insists insisted warn warns warned argue
argues argued noted claimed announced tweeted posted reply replied replies commented admit admits admitted
acknowledge acknowledged urge urged urging conclude concluded concede conceded suggested stressed recalled
predicted promised vowed pledged accuse accused accusing continued described complained remarked asserted
maintained confirmed reported
responded responds respond suggests suggest tweets tweeting blasted slammed dismissed
describes describing claims claiming claim insisting boasted demanded demands asking announces declaring
referred refers mocked touted praised criticized criticised charged alleged alleges joked quipped observed
wondered testified reports cautioned countered lamented contended shouted chanted sang sings emailed texted
yell yells yelled shouts screamed exhorted exhorts urges likened likens scolded scolds attacked attacks
cited cites citing hailed hails nicknamed proclaimed proclaims stressing stresses bemoaning bemoaned lauded lauds
""".split())
# Where a newspaper reports what another outlet wrote, the outlet is not the speaker.
SOURCE_CUES = frozenset({"reported", "reports"})
# `called` attributes only what it names right before a quote: `X called it “...”`, not `what he
# called a plan`.
CALLED = re.compile(r"\b(?:called|calls|calling)\b(?=\s+(?:it|them|this|that|him|her|the\s+\w+)?\s*[\u201c\"\u2018])",
                    re.IGNORECASE)
# `as a Homeland Security memo put it`, `the letter reads`: a document as its own source.
CUE = re.compile(r"\baccording\s+to\b|\bput\s+it\b|\b(?:reads|" + "|".join(sorted(CUE_VERBS)) + r")\b",
                 re.IGNORECASE)
# What else attributes a quotation of one or two words in its sentence (`Clinton called them
# “deplorables”`, `Trump's claim that there were “thousands of shootings”`): any form of `call`
# and nouns of speech.
SHORT_QUOTE_CUE = re.compile(r"\b(?:call(?:s|ed|ing)?|(?:claim|statement|remark|comment|word|description|promise|"
                             r"pledge|accusation|warning|tweet|post|speech|interview|letter|complaint)s?)\b",
                             re.IGNORECASE)
SIGNATURE = re.compile(r"[ \t\xa0]*[\u2015\u2014\u2013][ \t\xa0]*")
# The name a signature gives: two to five capitalised words (`Christina N Luis Olidem`).
SIGNED_NAME = re.compile(r"[^\W\d_][\w'\u2019.-]*(?:[ \t]+[^\W\d_][\w'\u2019.-]*){1,4}")
# `called` anywhere before a quote of one or two words: `she called Wells Fargo's behavior “outrageous”`.
CALLED_ANY = re.compile(r"\bcall(?:s|ed|ing)?\b", re.IGNORECASE)
# `The New York Times reports:` and `which reported that`: the outlet is the source of what follows.
REPORTS_BEFORE = re.compile(r"\s*(?::|that\b)")
# `what is called an “A” item`, `has been accused of a “brain-drain”`: nobody is said to speak.
PASSIVE_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
SO_CALLED = re.compile(r"\bso[-\s]called\s*$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?][\u201d\"\u2019)]?\s+(?=[\u201c\"(]?[A-Z0-9])|\n")
PRONOUNS = frozenset({"he", "she", "they", "we", "i", "it"})
# Words that may stand between a subject and its cue (`Putin also said`, `he has said`).
ADVERBS = frozenset("also then later has have had previously again once repeatedly recently earlier "
                    "simply just further separately subsequently today yesterday".split())
# Titles that name a person by office; `leader` is any of the leaders'.
LEADER_TITLES = frozenset("president prime minister premier chancellor king queen leader".split())
TITLE_WORDS = frozenset("""
president minister premier chancellor secretary leader spokesman spokeswoman spokesperson governor mayor
chairman chairwoman chief executive boss head director general commander ambassador senator envoy official
""".split())
# A description that speaks for an organisation (`a spokesman for Microsoft`, `a Microsoft spokeswoman`).
SPOKES_WORDS = frozenset("spokesman spokeswoman spokesperson statement representative".split())
# `the company said`: the organisation named last before.
ORGANISATION_WORDS = frozenset("company firm group bank carrier retailer maker giant agency ministry department "
                               "government party union club organisation organization".split())
SPEAKER_LABELS = ("PERSON", "ORG", "GPE", "NORP")
# Words a title before a name is made of, besides capitalised ones (`former Kremlin speechwriter`).
TITLE_RUN_WORDS = TITLE_WORDS | LEADER_TITLES | {"of", "the", "deputy", "former", "acting", "vice"}


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    #: An embedded post's author: (start, end) of the name in its author line, the speaker.
    author: tuple[int, int] | None = None
    #: Fewer than MIN_WORDS words, a quotation only as reported speech's or an interrupted one's part.
    short: bool = False


@dataclass(frozen=True)
class Speaker:
    start: int
    end: int
    kind: str  # name, title, pronoun or signature
    cue: str
    #: Which rule found it (`speaker_evidence`): posted, signed, reported, after, before, carried,
    #: follows or previous_sentence.
    rule: str = ""


def _words(text: str) -> int:
    return len(WORD.findall(text))


def _is_title_text(inner: str) -> bool:
    inner = inner.strip().rstrip(".,;:!?\u201c\u201d\"")
    words = WORD.findall(inner)
    return all(w[0].isupper() or w.lower() in SMALL_WORDS for w in words) and words[0][0].isupper() \
        and not re.search(r"[.!?,:;]", inner)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in PARAGRAPH_BREAK.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    return [*bounds, (start, len(text))]


def find_marked(text: str) -> list[tuple[int, int]]:
    """(start, end) of every span between quotation marks, marks included, whatever its length.
    Straight double marks alternate within a paragraph; a quote open at a paragraph's end carries
    on when the next paragraph opens with its mark, else ends there."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    closer, last_end = "", 0
    for p_start, p_end in _paragraphs(text):
        scan_from = p_start
        if open_at is not None:
            opener = next(o for o, c in OPENERS.items() if c == closer)
            if text.startswith(opener, p_start):
                scan_from = p_start + 1  # carried on: this mark reopens the same quotation
            else:
                spans.append((open_at, last_end))
                open_at = None
        for m in MARK.finditer(text, scan_from, p_end):
            mark, at = m.group(), m.start()
            side = _side(text, at) if mark == '"' else ("open" if mark in "\u201c\u2018" else "close")
            if open_at is None:
                if mark not in OPENERS or side == "close":
                    continue  # a stray closing mark or an apostrophe
                if mark == "\u2018" and ((at and text[at - 1].isalnum()) or not _closes_single(text, at, p_end)):
                    continue
                open_at, closer = at, OPENERS[mark]
            elif mark == closer and side != "open" \
                    and not (closer == "\u2019" and at + 1 < len(text) and text[at + 1].isalpha()):
                spans.append((open_at, at + 1))
                open_at = None
            # An opening mark inside an open quotation carries it on: a new paragraph of the same
            # quotation whose break the text lost (`... portfolio. "Our businesses ...`).

        last_end = p_end
    if open_at is not None:
        spans.append((open_at, last_end))
    return spans


def _side(text: str, at: int) -> str:
    """Whether a straight double mark at `at` looks like it opens or closes a quotation, by the
    characters around it (`either` when they do not tell)."""
    before = text[at - 1] if at else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    if (before.isspace() or before in "([{\u2014\u2013-") and not after.isspace():
        return "open"
    if not before.isspace() and (after.isspace() or after in ".,;:!?)]}\u2014\u2013-"):
        return "close"
    return "either"


def _closes_single(text: str, at: int, end: int) -> bool:
    """Whether a `‘` opens a quotation: a `’` not followed by a letter closes it in the paragraph."""
    for m in re.finditer("\u2019", text[at + 1:end]):
        after = at + 1 + m.end()
        if after >= len(text) or not text[after].isalpha():
            return True
    return False


def find_quotes(text: str, marked: list[tuple[int, int]] | None = None) -> list[Quote]:
    """The document's quotations (see the module docstring), in text order; `marked`: what
    `find_marked` gives, when the caller has it."""
    marked = find_marked(text) if marked is None else marked
    quotes: list[Quote] = []
    for i, (start, end) in enumerate(marked):
        inner = text[start + 1:end - 1]
        # An attribute's value in markup a page left in the text (`tweet-id="7834..."`) says nothing.
        if not re.search(r"[^\W\d_]", inner) or text[start - 1:start] == "=":
            continue
        long_enough = _words(inner) >= MIN_WORDS and not _is_title_text(inner)
        if long_enough or _interrupts(text, marked, i) or _reported(text, marked, i):
            quotes.append(Quote(start, end, short=_words(inner) < MIN_WORDS))
    for p_start, p_end in _paragraphs(text):
        line = text[p_start:p_end]
        author = POST_AUTHOR.search(line)
        if author is None or _words(line[:author.start()]) < MIN_WORDS:
            continue
        if any(p_start <= q.start < p_end for q in quotes):
            continue
        body_end = p_start + len(line[:author.start()].rstrip())
        quotes.append(Quote(p_start, body_end, (p_start + author.start("name"), p_start + author.end("name"))))
    return sorted(quotes, key=lambda q: q.start)


def _reported(text: str, marked: list[tuple[int, int]], i: int) -> bool:
    """Whether marked span i, too short to be a quotation by itself, is words reported speech
    quotes: a speech or writing cue before it in its sentence, outside other quotations, and no
    `so-called` right before it."""
    start, end = marked[i]
    if SO_CALLED.search(text, max(0, start - 12), start):
        return False
    if _is_title_text(text[start + 1:end - 1]) and _words(text[start:end]) > 1:
        return False  # `told MSNBC's “Morning Joe”`: a programme's title
    begins = max((m.end() for m in SENTENCE_END.finditer(text, max(0, start - 400), start)), default=max(0, start - 400))
    outside = _masked(text[begins:start], [(max(a - begins, -1), b - begins) for a, b in marked[:i] if b > begins])
    # `is describing` is no passive: only a participle after `is` (`is called`) makes one.
    return any(cue.group().lower().endswith("ing") or not PASSIVE_BEFORE.search(outside, 0, cue.start())
               for cue in (*CUE.finditer(outside), *SHORT_QUOTE_CUE.finditer(outside)))


def _interrupts(text: str, marked: list[tuple[int, int]], i: int) -> bool:
    """Whether marked span i is part of a quotation an attribution interrupts: it ends with a comma
    and the next quote follows a short attribution, or it follows one such part."""
    def attribution(a: int, b: int) -> bool:
        between = text[marked[a][1]:marked[b][0]]
        return "\n" not in between and _words(between) <= 10 and CUE.search(between) is not None \
            and between.rstrip().endswith(",")
    before = i > 0 and text[marked[i - 1][1] - 2:marked[i - 1][1] - 1] == "," and attribution(i - 1, i) \
        and _words(text[marked[i - 1][0]:marked[i - 1][1]]) + _words(text[marked[i][0]:marked[i][1]]) >= MIN_WORDS
    after = i + 1 < len(marked) and text[marked[i][1] - 2:marked[i][1] - 1] == "," and attribution(i, i + 1) \
        and _words(text[marked[i][0]:marked[i][1]]) + _words(text[marked[i + 1][0]:marked[i + 1][1]]) >= MIN_WORDS
    return before or after


# --- attribution -------------------------------------------------------------------------------

def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with what every quotation says blanked (same length): cues and names inside quotes
    do not attribute."""
    chars = list(text)
    for start, end in spans:
        for k in range(start + 1, end - 1):
            if chars[k] != "\n":
                chars[k] = "\u2591"
    return "".join(chars)


def _cue_name(match: re.Match) -> str:
    return " ".join(match.group().lower().split())


def _subject_before(masked: str, region_start: int, cue_start: int, mentions: list[dict]
                    ) -> tuple[int, int, str] | None:
    """The cue's subject right before it: a pronoun, an entity mention (an apposition between
    them allowed: `Andrii Yermak, the head of ..., said`), else the noun phrase back to the
    clause's start (a title or description). A participle cue (`..., saying`) takes its clause's
    subject: the first person or organisation named in the region."""
    before = masked[region_start:cue_start]
    words = list(WORD.finditer(before))
    while words and words[-1].group().lower() in ADVERBS:
        words.pop()
    if not words:
        return None
    cue_word = WORD.match(masked, cue_start)
    if cue_word is not None and cue_word.group().lower().endswith("ing") and "," in before[words[-1].end():]:
        first = [m for m in mentions if region_start <= m["start_char"] and m["end_char"] <= cue_start
                 and m["label"] in ("PERSON", "ORG") and not _possessive(masked, m)]
        if first:
            return first[0]["start_char"], first[0]["end_char"], "name"
        lead = words[0]
        if lead.group().lower() in PRONOUNS:
            return region_start + lead.start(), region_start + lead.end(), "pronoun"
        return None
    last = words[-1]
    if last.group().lower() in PRONOUNS and (len(words) == 1 or not before[words[-2].end():last.start()].strip()
                                             or re.search(r"[,;:\u201d\"\u2591]\s*$", before[:last.start()])):
        return region_start + last.start(), region_start + last.end(), "pronoun"
    candidates = sorted((m for m in mentions if region_start <= m["start_char"] and m["end_char"] <= cue_start
                         and m["label"] in SPEAKER_LABELS), key=lambda m: -m["end_char"])
    for mention in candidates:
        gap = masked[mention["end_char"]:cue_start]
        gap_words = [w.lower() for w in WORD.findall(gap)]
        named_between_commas = mention["label"] == "PERSON" and gap.strip() == "," \
            and masked[max(0, mention["start_char"] - 2):mention["start_char"]] == ", "
        plain = named_between_commas or "," not in gap and "\u2591" not in gap and (
            all(w in ADVERBS for w in gap_words)
            or (mention["label"] in ("PERSON", "ORG") and len(gap_words) <= 3 and re.search(r"[;:.]", gap) is None
                and not set(gap_words) & TITLE_WORDS))
        apposition = mention["label"] in ("PERSON", "ORG") \
            and re.fullmatch(r"\s*,[^,;:\u2591]{1,90},\s*(?:\w+\s+)?", gap) is not None
        if plain and mention["label"] != "PERSON":
            # `Howard Archer, economist at Global Insight said`: the person the apposition is about.
            person = next((m for m in candidates if m["label"] == "PERSON" and m["end_char"] <= mention["start_char"]
                           and re.fullmatch(r"\s*,[^,;:\u2591]{1,60}", masked[m["end_char"]:mention["start_char"]])),
                          None)
            if person is not None:
                return person["start_char"], person["end_char"], "name"
        if plain or apposition:
            return mention["start_char"], mention["end_char"], "name"
    # A noun phrase: back from the cue to punctuation or the region's start, at most six words.
    phrase_start = max((m.end() for m in re.finditer(r"[,;:\u2014\u2013\u201c\u201d\"(\u2591]", before)), default=0)
    phrase = [w for w in words if w.start() >= phrase_start][-6:]
    if phrase and phrase[0].group().lower() == "as":  # `as a Homeland Security memo put it`
        phrase = phrase[1:]
    if not phrase or not _noun_phrase([w.group() for w in phrase]):
        return None
    return region_start + phrase[0].start(), region_start + phrase[-1].end(), "title"


def _noun_phrase(words: list[str]) -> bool:
    """Whether words can be a title or description standing as a subject (`the Ukrainian
    president`, `Analysts`), not the tail of a clause (`and`, `approach to the`, `a letter that`)."""
    first, last = words[0], words[-1].lower()
    return (first.lower() in DETERMINERS or first[0].isupper() or len(words) == 1) and last not in CLAUSE_WORDS


DETERMINERS = frozenset("the a an his her its their our my your this that these those one another some many several "
                        "most other two three four five".split())
CLAUSE_WORDS = frozenset("and or but nor to the a an of that who which what whom in on at for with from by as not "
                         "did does do has have had was were is are be been than while when where if".split())


def _possessive(text: str, mention: dict) -> bool:
    return text[mention["end_char"]:mention["end_char"] + 2] in ("'s", "\u2019s")


def _subject_after(masked: str, cue_end: int, region_end: int, mentions: list[dict]) -> tuple[int, int, str] | None:
    """The subject of an inverted cue (`said X`): the words after it up to punctuation; the
    person named in them, else an entity ending them (`said Swedish trades union official Ulf
    Carlsson`), else the person named right after a comma (`said its chief executive, Sir Howard
    Newby`), else the phrase as a title."""
    after = masked[cue_end:region_end]
    stop = re.search(r"[,;:.!?\u2014\u2013(\u2591\u201c\"]", after)
    phrase_end = cue_end + (stop.start() if stop else len(after))
    words = list(WORD.finditer(masked, cue_end, phrase_end))
    if not words:
        return None
    phrase_end = words[-1].end()
    inside = [m for m in mentions if cue_end <= m["start_char"] and m["end_char"] <= phrase_end]
    named = [m for m in inside if m["label"] == "PERSON"] \
        or [m for m in inside if m["label"] in SPEAKER_LABELS and m["end_char"] == phrase_end
            and (m["label"] != "NORP" or m["start_char"] == words[0].start())]
    if named:
        return named[0]["start_char"], named[0]["end_char"], "name"
    if words[0].group().lower() in PRONOUNS and len(words) == 1:
        return words[0].start(), words[0].end(), "pronoun"
    if len(words) > 8:
        return None
    comma = re.match(r",\s*(?:(?:sir|mr|mrs|ms|dr|lord|dame)\.?\s+)?", masked[phrase_end:phrase_end + 12],
                     re.IGNORECASE)
    if comma is not None:
        person = next((m for m in mentions if m["label"] == "PERSON"
                       and phrase_end < m["start_char"] <= phrase_end + comma.end()), None)
        if person is not None:
            return person["start_char"], person["end_char"], "name"
    return words[0].start(), words[-1].end(), "title"


def attribute(masked: str, quote: Quote, sentence: tuple[int, int], end_sentence: tuple[int, int],
              next_quote: int | None, mentions: list[dict], closing: str = "") -> Speaker | None:
    """The cue and speaker of one quote from its own sentence (see the module docstring); `closing`:
    the quote's last character before its closing mark, which `masked` blanks."""
    if quote.author is not None:
        return Speaker(*quote.author, "signature", "posted", "posted")
    # `“...” ― Pamela Padilla`: a vox pop's signature after the quote.
    signed = SIGNATURE.match(masked, quote.end)
    if signed is not None:
        name = next((m for m in mentions if m["start_char"] == signed.end() and m["label"] in ("PERSON", "ORG")), None)
        if name is not None:
            return Speaker(name["start_char"], name["end_char"], "signature", "signed", "signed")
        # A reader's name the model does not know as one (`― Jacklyn Ashley`): its capitalised words.
        written = SIGNED_NAME.match(masked, signed.end())
        if written is not None and all(word[:1].isupper() for word in written.group().split()):
            # A full stop after the name ends the line, not an initial (`Steve Quinlan.`, `Julie A.`).
            end = written.end() - (written.group().endswith(".") and len(written.group().split()[-1]) > 2)
            return Speaker(written.start(), end, "signature", "signed", "signed")
    after = _attribution_after(masked, quote, end_sentence, next_quote, mentions, closing)
    # Words quoted inside reported speech belong to its speaker, whatever cue follows them (`Flynn
    # said Trump was “absolutely right” when he said ...`), unless the quote hands on to an
    # attribution with a comma (`..., but “we will sue,” his lawyer said`).
    lead = masked[sentence[0]:quote.start].rstrip()
    hands_on = closing == "," or masked[quote.end:quote.end + 1] == ","
    if _words(lead) and not lead.endswith(":") and not (hands_on and after is not None):
        # Any `called` before it: `Minyon Moore called Mr. Obama's remarks “a true wake-up call”`.
        before = _cue_in(masked, sentence[0], quote.start, mentions, first=True, short=True)
        if before is not None:
            return replace(before, rule="reported")
    if after is not None:
        return replace(after, rule="after")
    # Before it, in its sentence: `X said: “...”`, `X called it “...”`, `Putin said ... to “...”`.
    before = _cue_in(masked, sentence[0], quote.start, mentions, first=True, short=quote.short)
    return replace(before, rule="before") if before is not None else None


def _attribution_after(masked: str, quote: Quote, end_sentence: tuple[int, int], next_quote: int | None,
                       mentions: list[dict], closing: str) -> Speaker | None:
    """The cue and speaker after the quote: `“...,” said X`, `“...,” X said`, `“...,” according to X`."""
    region_end = min(end_sentence[1], next_quote if next_quote is not None else len(masked))
    # A quote ending its sentence (`... now.” Mr X said`) is attributed by a name or pronoun only.
    ends_sentence = closing in tuple(".!?")
    for cue in CUE.finditer(masked, quote.end, region_end):
        if _words(masked[quote.end:cue.start()]) > 10:
            break
        if cue.group().lower() in SOURCE_CUES:
            continue
        cue_word = _cue_name(cue)
        if cue_word == "according to" or not masked[quote.end:cue.start()].strip(" ,\u2591"):
            found = _subject_after(masked, cue.end(), region_end, mentions)
        else:
            found = _subject_before(masked, quote.end, cue.start(), mentions)
        if found is not None and not (ends_sentence and found[2] == "title"):
            return Speaker(*found, cue_word)
        break
    return None


def _cue_in(masked: str, start: int, end: int, mentions: list[dict], first: bool, short: bool = False
            ) -> Speaker | None:
    """The cue in masked[start:end] with a subject before it (the first or the last such cue) as
    a speaker; `according to X` names its speaker after it. `reports` is a cue where what is
    reported follows it (`The New York Times reports:`); any `called` is one before a `short` quote."""
    cues = [c for c in CUE.finditer(masked, start, end)
            if c.group().lower() not in SOURCE_CUES or REPORTS_BEFORE.match(masked, c.end())]
    # +1: `called` is a cue only right before the quote's opening mark.
    cues += CALLED_ANY.finditer(masked, start, end) if short else CALLED.finditer(masked, start, end + 1)
    cues = sorted(cues, key=lambda c: c.start())
    for cue in (cues if first else reversed(cues)):
        found = _subject_before(masked, start, cue.start(), mentions)
        if found is None and _cue_name(cue) == "according to":
            found = _subject_after(masked, cue.end(), end, mentions)
        if found is not None:
            return Speaker(*found, _cue_name(cue))
    return None


# --- resolution ----------------------------------------------------------------------------------

def _outside(mentions: list[dict], spans: list[tuple[int, int]]) -> list[dict]:
    return [m for m in mentions if not any(s < m["start_char"] < e for s, e in spans)]


def _nationalities(text: str) -> set[str]:
    """Country codes of the nationality words in `text` (`Ukrainian`, `Russian`)."""
    found = set()
    by_demonym = demonyms()
    for word in WORD.findall(text):
        place = by_demonym.get(fold(word))
        if place is not None:
            found.add(place.country_code)
    return found


def resolve_speaker(text: str, speaker: Speaker, before: int, mentions: list[dict], outside: list[dict]
                    ) -> dict | None:
    """The entity mention a speaker refers to (see the module docstring), or None. `outside`: the
    mentions outside quotation marks."""
    if speaker.kind in ("name", "signature"):
        at = [m for m in mentions if m["start_char"] < speaker.end and speaker.start < m["end_char"]]
        return (sorted(at, key=lambda m: m["label"] != "PERSON")[0]) if at else None
    phrase = text[speaker.start:speaker.end]
    words = [w.lower() for w in WORD.findall(phrase)]
    earlier = [m for m in outside if m["end_char"] <= min(before, speaker.start)]
    people = [m for m in earlier if m["label"] == "PERSON" and not _possessive(text, m)]
    if speaker.kind == "pronoun":
        if words and words[0] in ("he", "she", "i"):
            return people[-1] if people else None
        if words and words[0] == "it":
            # `what it called “a clear threat”`: the organisation named last.
            bodies = [m for m in earlier if m["label"] == "ORG" and not _possessive(text, m)]
            return bodies[-1] if bodies else None
        return None
    inside = [m for m in mentions if speaker.start <= m["start_char"] and m["end_char"] <= speaker.end
              and m["label"] in ("ORG", "GPE")]
    if SPOKES_WORDS & set(words):
        after = [m for m in mentions if m["label"] in ("ORG", "GPE")
                 and 0 <= m["start_char"] - speaker.end <= 12 and text[speaker.end:m["start_char"]].strip() in ("for",
                                                                                                                "of")]
        named = inside or after
        return named[0] if named else None
    titles = set(words) & TITLE_WORDS
    if titles and not inside:
        wanted = _nationalities(phrase)
        holder = _holder(text, earlier or outside, titles, wanted)
        if holder is None and words[0] == "the" and people and not (wanted and _nationalities(
                text[max(0, people[-1]["start_char"] - 40):people[-1]["start_char"]]) - wanted):
            # `Mr Blair warned. The prime minister also urged`: a definite title names the person last named.
            return people[-1]
        return holder
    if words and words[-1] in ORGANISATION_WORDS and words[0] in ("the", "its") and len(words) <= 3:
        organisations = [m for m in earlier if m["label"] == "ORG"]
        return organisations[-1] if organisations else None
    return None


def speaker_type(text: str, speaker: Speaker, entity: dict | None) -> str:
    """What the source is (`tasks.schemas.SPEAKER_TYPES`): by its entity's label, else by the
    pronoun or the head noun of the phrase naming it (a title is a person's)."""
    if entity is not None:
        return ENTITY_TYPES.get(entity["label"], "person")
    words = [w.lower() for w in WORD.findall(text[speaker.start:speaker.end])]
    if speaker.kind == "signature" or not words:
        return "person"
    if speaker.kind == "pronoun":
        return {"it": "organisation", "they": "group", "we": "group"}.get(words[0], "person")
    # The head noun: the last word before a prepositional phrase (`a spokesman for the ministry`),
    # a possessive's `'s` left aside (`the company's lawyers`).
    cut = next((i for i, word in enumerate(words) if word in HEAD_ENDS and i > 0), len(words))
    head = words[cut - 1].removesuffix("'s").removesuffix("\u2019s")
    if head in DOCUMENT_WORDS:
        return "document"
    if head in ORGANISATION_WORDS or head in OUTLET_WORDS:
        return "organisation"
    if head in GROUP_WORDS or (head.endswith("s") and not head.endswith("ss") and head[:-1] in PLURAL_PEOPLE):
        return "group"
    return "person"


#: The type of a source named by an entity of each label (a country speaks through its government).
ENTITY_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "organisation", "LOC": "organisation",
                "NORP": "group"}
#: Head nouns of a written or broadcast source quoted as its own (`the letter reads`).
DOCUMENT_WORDS = frozenset("""
letter report statement memo memorandum ad advert advertisement spot commercial article piece story study poll
survey website site tweet post bylaws rules standards document complaint lawsuit filing indictment ruling order
bill law guidance release editorial column book video transcript email message note sign banner headline paper
analysis review assessment manifesto resolution petition announcement
""".split())
#: Head nouns of an outlet or body speaking as one (besides ORGANISATION_WORDS).
OUTLET_WORDS = frozenset("newspaper network channel broadcaster outlet magazine campaign committee council "
                         "court administration police army military office embassy".split())
#: Words that end a source's noun phrase before its head (`a spokesman for the ministry`).
HEAD_ENDS = frozenset("of for at from in with on".split())
#: People by role whose plural is a group (`lawyers`, `spokesmen` aside): a title or a job.
PLURAL_PEOPLE = TITLE_WORDS | frozenset("lawyer attorney adviser advisor aide expert analyst critic resident voter "
                                        "lawmaker member leader supporter activist economist scientist researcher "
                                        "investigator officer prosecutor witness observer doctor parent student "
                                        "worker opponent diplomat politician".split())
#: Head nouns of people in the plural, besides the plurals of PLURAL_PEOPLE (`lawyers`, `officials`).
GROUP_WORDS = frozenset("""
people authorities sources witnesses protesters campaigners legislators democrats republicans families
relatives neighbours neighbors fans states countries nations governments allies partners
""".split())


def _title_run(text: str, start: int) -> str:
    """The words right before a name that can be its title: capitalised ones, title words and
    `of`/`the` (`Russian President`, `NATO Secretary General`, `former Kremlin speechwriter`)."""
    lead = re.split(r"[.;:!?\n,\u201c\u201d\"\u2014\u2013]", text[max(0, start - 60):start])[-1]
    words = list(WORD.finditer(lead))
    first = len(lead)
    for word in reversed(words):
        w = word.group()
        if not (w[0].isupper() or w.lower() in TITLE_RUN_WORDS):
            break
        first = word.start()
    return lead[first:]


def _holder(text: str, mentions: list[dict], titles: set[str], wanted: set[str]) -> dict | None:
    """The person holding one of `titles` (any leader's title for `leader`) named last: of the
    people the document names with such a title (a nationality in it, if any, among `wanted`),
    the one whose latest mention in `mentions` is latest."""
    accepted = titles | (LEADER_TITLES if "leader" in titles else set())
    holders = set()
    for mention in (m for m in mentions if m["label"] == "PERSON"):
        lead = _title_run(text, mention["start_char"])
        if not {w.lower() for w in WORD.findall(lead)} & accepted:
            continue
        theirs = _nationalities(lead)
        if wanted and theirs and not (theirs & wanted):
            continue
        holders.add(mention["entity_id"])
    return next((m for m in reversed(mentions) if m["label"] == "PERSON" and m["entity_id"] in holders), None)


# --- the table -----------------------------------------------------------------------------------

def document_quotes(doc_id: str, text: str, sentence_bounds: list[tuple[int, int]],
                    mentions: list[dict]) -> list[dict]:
    """Quote rows of one document. `mentions`: its entity mentions (with `entity_id` and
    `canonical_name`) in text order; `sentence_bounds`: (start, end) of its sentences."""
    marked = find_marked(text)
    quotes = find_quotes(text, marked)
    if not quotes:
        return []
    masked = _masked(text, marked)
    outside = _outside(mentions, marked)
    starts = [s for s, _ in sentence_bounds] or [0]

    def sentence_of(char: int) -> int:
        return max(bisect.bisect_right(starts, char) - 1, 0)

    def bounds(index: int) -> tuple[int, int]:
        return sentence_bounds[index] if sentence_bounds else (0, len(text))

    rows, previous = [], None
    for i, quote in enumerate(quotes):
        first = sentence_of(quote.start)
        last = sentence_of(max(quote.end - 1, quote.start))
        next_start = quotes[i + 1].start if i + 1 < len(quotes) else None
        speaker = attribute(masked, quote, bounds(first), bounds(last), next_start, mentions,
                            closing=text[quote.end - 2:quote.end - 1])
        if speaker is None and previous is not None and _carries_on(text, previous[0], quote):
            speaker = replace(previous[1], rule="carried")
        if speaker is None and previous is not None and _follows_attribution(
                text, previous, quote, sentence_of(previous[1].end), first):
            speaker = replace(previous[1], rule="follows")
        if speaker is None and first > 0:
            # `Mr Raha stressed that ...` before a quote standing alone: the sentence before attributes it.
            speaker = _cue_in(masked, *bounds(first - 1), mentions, first=False)
            speaker = replace(speaker, rule="previous_sentence") if speaker is not None else None
        entity = resolve_speaker(text, speaker, quote.start, mentions, outside) if speaker is not None else None
        kind_of_source = speaker_type(text, speaker, entity) if speaker is not None else None
        rows.append({
            "doc_id": doc_id, "start_char": quote.start, "end_char": quote.end, "sentence_index": first,
            "text": text[quote.start:quote.end],
            "cue": speaker.cue if speaker else None,
            "speaker_start": speaker.start if speaker else None,
            "speaker_end": speaker.end if speaker else None,
            "speaker_text": text[speaker.start:speaker.end] if speaker else None,
            "speaker_kind": speaker.kind if speaker else None,
            "speaker_type": kind_of_source,
            "speaker_entity_id": entity["entity_id"] if entity else None,
            "speaker_name": entity["canonical_name"] if entity else None,
            "speaker_evidence": speaker_evidence(text, quote, speaker, entity, kind_of_source, outside,
                                                 bounds(first)) if speaker else None,
        })
        previous = (quote, speaker) if speaker is not None else previous
    return rows


def speaker_evidence(text: str, quote: Quote, speaker: Speaker, entity: dict | None, source_type: str,
                     outside: list[dict], sentence: tuple[int, int]) -> dict:
    """What named a quote's speaker, for its `speaker_confidence`: the rule, the cue, how the
    speaker is named and what it is, whether it resolved to an entity, how far it is from the quote
    and how many people its sentence names besides."""
    gap = speaker.start - quote.end if speaker.start >= quote.end else quote.start - speaker.end
    people = sum(m["label"] == "PERSON" and sentence[0] <= m["start_char"] < sentence[1]
                 and not speaker.start <= m["start_char"] < speaker.end for m in outside)
    return {"rule": speaker.rule, "cue": speaker.cue, "speaker_kind": speaker.kind, "speaker_type": source_type,
            "resolved": float(entity is not None), "distance": math.log1p(max(gap, 0)),
            "quote_words": math.log1p(_words(text[quote.start:quote.end])), "short": float(quote.short),
            "other_people": math.log1p(people)}


def _carries_on(text: str, earlier: Quote, quote: Quote) -> bool:
    """Whether `quote` carries on the same speaker's words: right after the earlier quote's
    attribution sentence, in its paragraph or opening the next."""
    between = text[earlier.end:quote.start]
    # Nothing between but the earlier quote's attribution, and no paragraph of other words.
    return _words(between) <= 12 and not any(line.strip() for line in between.split("\n")[1:])


def _follows_attribution(text: str, previous: tuple[Quote, Speaker], quote: Quote, speaker_sentence: int,
                         quote_sentence: int) -> bool:
    """Whether `quote` opens the sentence after the earlier quote's attribution, however long
    (`“...,” said Rep. Jim Clyburn (D-S.C.), the assistant leader of the Democratic caucus. “...”`):
    the same speaker's next words."""
    earlier, speaker = previous
    between = text[earlier.end:quote.start]
    return (earlier.end <= speaker.start and quote_sentence == speaker_sentence + 1
            and not any(line.strip() for line in between.split("\n")[1:]))


def extract_quotes(entities: pl.DataFrame, sentences: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """The `quotes` table's rows for `documents`, their sentences and linked entity mentions."""
    by_doc_mentions = {key[0]: part.sort("start_char").to_dicts()
                       for key, part in entities.select("doc_id", "start_char", "end_char", "label", "entity_id",
                                                        "canonical_name").partition_by("doc_id", as_dict=True).items()}
    by_doc_sentences = {key[0]: list(part.sort("sentence_index").select("start_char", "end_char").iter_rows())
                        for key, part in sentences.partition_by("doc_id", as_dict=True).items()}
    rows = []
    for doc_id, text in documents.select("doc_id", "text").iter_rows():
        if doc_id not in by_doc_sentences:
            continue  # not extracted (another language)
        rows.extend(document_quotes(doc_id, text, by_doc_sentences[doc_id], by_doc_mentions.get(doc_id, [])))
    evidence = [row.pop("speaker_evidence") for row in rows]
    return frame(rows, QUOTES).with_columns(**with_confidence("speaker", evidence))
