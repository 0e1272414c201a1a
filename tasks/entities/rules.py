"""Label corrections after NER: known places are places, titled names are people.

A spaCy pipeline component (`newsfacts_entity_rules`, added after `ner`): it first computes the
corrected entity list from the doc (`correct_entities`, pure), then sets it.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.language import Language
from spacy.tokens import Doc, Span

from tasks.entities.gazetteer import abbreviated_place, find_place

COMPONENT = "newsfacts_entity_rules"
PLACE_LABELS = ("GPE", "LOC")
# Words that stand right before a person's name in news copy (compared lower-cased, without dots).
PERSON_TITLES = frozenset("""
mr mrs ms miss dr sir lord lady dame president prime minister chancellor secretary general senator sen
rep representative governor gov mayor king queen prince princess pope judge justice ceo chairman
chairwoman chief spokesman spokeswoman gen col colonel captain capt commander premier ambassador deputy
vice mp mep msp analyst speechwriter
""".split())
# Endings that make a name a state or region whatever NER thought: `Donetsk People's Republic`.
STATE_WORDS = frozenset({"republic", "republics", "oblast", "oblasts", "province", "krai"})
DEMONYM = re.compile(r"(?:ian|ean|ese|ish|ic|i|an)s?$")
# `the West`, `Western leaders`: the geopolitical bloc and its adjective, not followed by a name.
WEST = re.compile(r"(?:(?<=\bthe )West|Western)\b(?!\s+[A-Z])")
# Two or three capitalised Cyrillic words: a name quoted in the original script (`Володимир Зеленський`).
CYRILLIC_NAME = re.compile(r"\b[А-ЯЁЄІЇҐ][а-яёєіїґ'’]+(?:\s+[А-ЯЁЄІЇҐ][а-яёєіїґ'’]+){1,2}\b")


# Results and match reports: a town that beats, draws with or loses to another is its club.
_RESULT = (r"beat|beats|defeated|defeats|thrashed|hammered|edged|overcame|routed|trounced|crushed|stunned|"
           r"drew\s+(?:\d{1,2}-\d{1,2}\s+)?(?:with|against|at)|lost\s+(?:\d{1,2}-\d{1,2}\s+)?(?:to|at)|"
           r"lose\s+to|knocked\s+out|eliminated")
TEAM_VERB_AFTER = re.compile(rf"^\s+(?:{_RESULT})\s+(?:the\s+)?", re.IGNORECASE)
TEAM_VERB_BEFORE = re.compile(rf"\b(?:{_RESULT}|against|v|vs\.?|versus|(?:win|victory|defeat|draw)\s+"
                              rf"(?:over|against|to|with|at))\s+(?:the\s+)?$", re.IGNORECASE)
SCORE_BEFORE = re.compile(r"\b\d{1,2}-\d{1,2}\b[^.;!?]{0,40}$")
NAME_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC")
# `Chelsea 2-1`: a score NER took into a name.
TRAILING_SCORE = re.compile(r"\s+\d{1,2}\s?-\s?\d{1,2}$")
TEAM_POSITION_AFTER = re.compile(
    r"^(?:'s|\u2019s)?\s+(?:\d{1,2}-\d{1,2}\s+(?:win|victory|defeat|draw|loss|home|away)|striker|midfielder|"
    r"defender|goalkeeper|keeper|winger|full-back|centre-back|manager|boss|captain)\b", re.IGNORECASE)
SCORE_NEAR = re.compile(r"^[^.;!?]{0,60}?\b\d{1,2}-\d{1,2}\b")
PLACE_PREPOSITION = re.compile(r"\b(?:in|at|near)\s+$", re.IGNORECASE)
# A results or standings line: names each followed by their scores, nothing else outside brackets
# (`Pohang 3 Ulsan 2 (halftime 1-0)`, `Hove: Sussex 363 (...), Lancashire 197-8`,
# `NEW YORK 73 53 .579 -`), after the venue if any. Its names are teams. Read token by token (a
# regular expression of repeated names and scores backtracks without end on long lines).
ROW_TOKEN = re.compile(r"[^\s,;]+")
NAME_WORD = re.compile(r"[A-Z][A-Za-z.'&-]*")
SCORE = re.compile(r"\d[\d./-]*|\.\d+|-")
BRACKETED = re.compile(r"\([^()\n]*\)")
PLACE_CUE = re.compile(r"\b(?:in|at|near|from)\s+$")
# `Huntsville, Ala.`, `Edmonton, Alberta`, `Wajir, Mandera`: a state, or another place, after a town.
QUALIFIED_PLACE = re.compile(r"^,\s+(?P<holder>(?:[A-Z][a-z]{0,4}\.){1,3}|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b)")


def _is_title(token) -> bool:
    return token.lower_.rstrip(".") in PERSON_TITLES


def _strip_titles(span: Span) -> Span:
    """`President Vladimir Putin` -> `Vladimir Putin`: titles are not part of a name."""
    start = span.start
    while start < span.end - 1 and _is_title(span.doc[start]):
        start += 1
    return span if start == span.start else Span(span.doc, start, span.end, span.label_)


def _surnames(ents: list[Span]) -> set[str]:
    """Last words of the multi-word PERSON names in a doc: `Jackson` after `Michael Jackson`."""
    return {ent[-1].lower_ for ent in ents if ent.label_ == "PERSON" and len(ent) > 1}


def _preceded_by_title(span: Span) -> bool:
    return span.start > 0 and _is_title(span.doc[span.start - 1])


def correct_entity(span: Span, surnames: set[str]) -> Span:
    """The span with its label (and extent) corrected; the same span when nothing applies."""
    label = span.label_
    if label == "PERSON":
        span = _strip_titles(span)
        words = {token.lower_ for token in span}
        if words & STATE_WORDS:
            return Span(span.doc, span.start, span.end, "GPE")
        if _preceded_by_title(span) or (len(span) == 1 and span[0].lower_ in surnames):
            return span
        # Exact spellings only: a fuzzy match would turn surnames into towns.
        place = find_place(span.text, fuzzy=False)
        if place is not None:
            return Span(span.doc, span.start, span.end, place.label)
        return span
    if label in ("ORG", "NORP", "GPE", "LOC", "FAC") and _preceded_by_title(span):
        if label not in PLACE_LABELS or find_place(span.text, fuzzy=False) is None:
            return Span(span.doc, span.start, span.end, "PERSON")
    if label in ("ORG", "FAC") and span[-1].lower_ in STATE_WORDS:
        return Span(span.doc, span.start, span.end, "GPE")
    if label == "ORG" and (place := _place_named(span)) is not None:
        return Span(span.doc, span.start, span.end, place.label)
    return span


def _place_named(span: Span):
    """The known place an ORG span names, where it reads as the place: a country or state named
    alone (`Mozambique`, `Texas`), or a town after `in`, `at`, `near` or `from`, or before a comma
    and its state or another place (`in Edmonton`, `Huntsville, Ala.`, `Wajir, Mandera`). Clubs are
    towns in results (`Edmonton 4 Calgary 2`)."""
    place = find_place(span.text, fuzzy=False)
    if place is None or place.feature_class in ("country", "admin1"):
        return place
    text = span.doc.text
    if place.feature_class != "city":
        return None
    if PLACE_CUE.search(text[max(0, span.start_char - 8):span.start_char]):
        return place
    qualified = QUALIFIED_PLACE.match(text[span.end_char:span.end_char + 30])
    holder = qualified and (abbreviated_place(qualified["holder"]) or find_place(qualified["holder"], fuzzy=False))
    return place if holder else None


def _trim(span: Span) -> Span:
    """`the Bank of England` -> `Bank of England`, `Tony Blair's` -> `Tony Blair`, `- Blair` -> `Blair`,
    `Labour\n` -> `Labour`: articles, possessives, line breaks and edge punctuation are not part of a name."""
    start, end = span.start, span.end
    doc = span.doc
    while end - start > 1 and (doc[start].is_punct or doc[start].is_space or doc[start].lower_ == "the"):
        start += 1
    score = TRAILING_SCORE.search(doc[start:end].text)
    if score is not None and span.label_ in NAME_LABELS:
        cut = doc[start:end].char_span(0, score.start(), alignment_mode="contract")
        if cut is not None and len(cut):
            end = cut.end
    while end - start > 1 and (doc[end - 1].is_punct or doc[end - 1].is_space
                               or doc[end - 1].lower_ in ("'s", "’s", "'", "’")
                               or (span.label_ == "PERSON" and doc[end - 1].is_lower)):
        end -= 1
    return span if (start, end) == (span.start, span.end) else Span(doc, start, end, span.label_)


def _is_demonym(span: Span) -> bool:
    """`Ukrainian`, `Chinese`, `Israelis`: one capitalised word shaped like a nationality that is no place."""
    word = span.text
    return (len(span) == 1 and word[:1].isupper() and DEMONYM.search(word) is not None
            and find_place(word, fuzzy=False) is None)


def _majority_labels(ents: list[Span]) -> list[Span]:
    """One label per name within a document: `Yukos` is ORG throughout if it mostly is."""
    votes: dict[str, Counter] = {}
    for ent in ents:
        votes.setdefault(ent.text, Counter())[ent.label_] += 1
    out = []
    for ent in ents:
        (label, count), *rest = votes[ent.text].most_common()
        if label != ent.label_ and (not rest or count > rest[0][1]):
            ent = Span(ent.doc, ent.start, ent.end, label)
        out.append(ent)
    return out


def _missed_names(doc: Doc, taken: set[int]) -> list[Span]:
    """Names NER left out: the geopolitical West, and names written in Cyrillic script."""
    found = []
    text = doc.text  # joined from the tokens on every access
    for match in WEST.finditer(text):
        span = doc.char_span(match.start(), match.end())
        if span is not None:
            found.append(Span(doc, span.start, span.end, "LOC" if match.group(0) == "West" else "NORP"))
    for match in CYRILLIC_NAME.finditer(text):
        span = doc.char_span(match.start(), match.end())
        if span is not None:
            found.append(Span(doc, span.start, span.end, "PERSON"))
    return [span for span in found if not taken & set(range(span.start, span.end))]


def _teams(doc: Doc, ents: list[Span]) -> set[str]:
    """Names of towns that stand for their sports club in this doc: `Leicester beat Chelsea 2-1`,
    `lost 3-1 to Bolton`, `Everton's 2-0 win`, `Leicester striker ...`. Countries are left alone
    (`Russia beat back ...`, and national sides are not clubs)."""
    text = doc.text
    teams: set[str] = set()
    for i, ent in enumerate(ents):
        if ent.label_ not in ("GPE", "ORG", "PERSON"):
            continue
        after = text[ent.end_char:ent.end_char + 60]
        before = text[max(0, ent.start_char - 40):ent.start_char]
        following = next((e for e in ents[i + 1:] if e.label_ in NAME_LABELS), None)
        beat = TEAM_VERB_AFTER.match(after)
        # A result carries its score (`beat Chelsea 2-1`, `lost 3-1 to`): without one, `beat` is any win.
        scored = SCORE_NEAR.search(after) or SCORE_BEFORE.search(before)
        if beat and scored and following is not None and following.start_char == ent.end_char + beat.end():
            teams.update({ent.text, following.text})
        elif TEAM_POSITION_AFTER.match(after) or (TEAM_VERB_BEFORE.search(before) and scored):
            teams.add(ent.text)
    return {name for name in teams if (place := find_place(name, fuzzy=False)) is None
            or place.feature_class != "country"}


def _row_names(line: str) -> list[tuple[int, int, int]]:
    """(start, end, scores) of each name of a results or standings row (up to four capitalised
    words, then its scores, `83 and 174` counting two), after a venue ending in a colon; [] when
    the line is anything else."""
    tokens = [(m.start(), m.end(), m.group()) for m in ROW_TOKEN.finditer(line)]
    if tokens and tokens[-1][2] == ".":  # the full stop after a closing bracket
        tokens.pop()
    venue = next((n for n, token in enumerate(tokens[:5]) if token[2].endswith(":")), None)
    if venue is not None:
        if not all(word == ":" or NAME_WORD.fullmatch(word.rstrip(":")) for _, _, word in tokens[:venue + 1]):
            return []
        tokens = tokens[venue + 1:]
    rows, i = [], 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and j - i < 4 and NAME_WORD.fullmatch(tokens[j][2]):
            j += 1
        k, scores = j, 0
        while k < len(tokens):
            word = tokens[k][2]
            if word == "and" and scores and k + 1 < len(tokens) and SCORE.fullmatch(tokens[k + 1][2].rstrip(".")):
                k += 1
                continue
            if not SCORE.fullmatch(word.rstrip(".") or "."):
                break
            scores, k = scores + 1, k + 1
        if j == i or not scores:
            return []
        rows.append((tokens[i][0], tokens[j - 1][1], scores))
        i = k
    return rows


def _table_teams(text: str) -> list[tuple[int, int]]:
    """(start, end) of the team names in results and standings lines (`_row_names`): two names or
    more with their scores, or one with three numbers or more (a standings row; not a dateline
    `LONDON 1996-08-30` or `Euro 96`)."""
    found = []
    offset = 0
    for line in text.split("\n"):
        if any(c.isdigit() for c in line):
            rows = _row_names(BRACKETED.sub(lambda m: " " * len(m.group(0)), line))
            if len(rows) >= 2 or (rows and rows[0][2] >= 3):
                found.extend((offset + start, offset + end) for start, end, _ in rows)
        offset += len(line) + 1
    return found


def _with_table_teams(doc: Doc, ents: list[Span]) -> tuple[list[Span], set[str]]:
    """The entities with the teams of results and standings lines as ORG (added where the NER
    missed them), and those teams' names. Countries and the UK's nations are left alone (national
    sides are their countries in results, as in `_teams`)."""
    by_span = {(e.start_char, e.end_char): i for i, e in enumerate(ents)}
    taken = {i for e in ents for i in range(e.start_char, e.end_char)}
    ents, names = list(ents), set()
    for start, end in _table_teams(doc.text):
        name = doc.text[start:end]
        place = find_place(name, fuzzy=False)
        if place is not None and (place.feature_class == "country"
                                  or (place.feature_class == "admin1" and place.country_code == "GB")):
            continue
        span = doc.char_span(start, end, label="ORG")
        if span is None:
            continue
        if (start, end) in by_span:
            ents[by_span[(start, end)]] = span
        elif not taken & set(range(start, end)):
            ents.append(span)
        else:
            continue
        names.add(name)
    return sorted(ents, key=lambda e: e.start), names


def _as_teams(ents: list[Span], teams: set[str]) -> list[Span]:
    """A team's mentions as ORG, but where a preposition makes it the place (`in Leicester`)."""
    return [Span(e.doc, e.start, e.end, "ORG") if e.label_ in PLACE_LABELS and e.text in teams
            and not PLACE_PREPOSITION.search(e.doc.text[max(0, e.start_char - 6):e.start_char]) else e
            for e in ents]


def correct_entities(doc: Doc) -> list[Span]:
    """The doc's entities with every correction applied (computed, not yet set)."""
    ents = [_trim(ent) for ent in doc.ents]
    surnames = _surnames(ents)
    ents = [correct_entity(ent, surnames) for ent in ents]
    ents = [Span(doc, e.start, e.end, "NORP") if e.label_ in ("GPE", "PERSON", "ORG") and _is_demonym(e) else e
            for e in ents]
    ents, listed = _with_table_teams(doc, ents)
    ents = _as_teams(ents, _teams(doc, ents) | listed)
    ents = _majority_labels(ents)
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    return sorted(ents + _missed_names(doc, taken), key=lambda span: span.start)


#: `Doc.user_data` key of the labels the model gave, by (start_char, end_char), before the
#: corrections: what `label_confidence` reads to tell a model's label from a rule's.
MODEL_LABELS = "newsfacts_model_labels"


@Language.component(COMPONENT)
def entity_rules(doc: Doc) -> Doc:
    doc.user_data[MODEL_LABELS] = {(e.start_char, e.end_char): e.label_ for e in doc.ents}
    doc.ents = correct_entities(doc)
    return doc


def add_entity_rules(nlp: Language) -> Language:
    """`nlp` with the corrections right after its NER (once)."""
    if COMPONENT not in nlp.component_names and "ner" in nlp.component_names:
        nlp.add_pipe(COMPONENT, after="ner")
    return nlp
