"""One identity per real-world entity: stable `entity_id`s for mentions, and the entity catalog.

An id is a hash of an identity key that depends only on the name, never on the order documents
arrive in: a place's gazetteer id (`Zaporozhye`, `Zaporizhia`, `Zaporizhzhia` -> one GeoNames id),
a person's surname with its spelling and script folded (`Zelensky`, `Zelenskyy`, `Зеленський`)
plus a first initial, or any other entity's folded name.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict

import polars as pl
from anyascii import anyascii

from tasks.entity_rules import PERSON_TITLES, PLACE_LABELS
from tasks.gazetteer import find_place, fold
from tasks.schemas import ENTITY_CATALOG, frame

# Transliterations of one Slavic surname ending: Zelenskyi, Zelenskiy, Zelenskii, Zelenskyy -> zelensky.
SLAVIC_ENDING = re.compile(r"(?:yi|iy|ii|ij|yj|yy)$")
DOUBLED = re.compile(r"(.)\1+")


def surname_key(word: str) -> str:
    """A surname with transliteration noise folded away (doubled letters, -iy/-yi/-ii endings)."""
    return DOUBLED.sub(r"\1", SLAVIC_ENDING.sub("y", fold(word)))


def person_name(text: str) -> tuple[str, str]:
    """(first initial or '', surname key) of a person mention, titles left out."""
    words = [w for w in fold(text).split() if w not in PERSON_TITLES]
    if not words:
        return "", fold(text)
    return (words[0][0] if len(words) > 1 else ""), surname_key(words[-1])


def identity_key(text: str, label: str) -> tuple[str, str | None, str | None]:
    """(identity key, external id, gazetteer name) for one mention, before surname resolution."""
    if label == "PERSON":
        initial, surname = person_name(text)
        return f"PERSON|{surname}|{initial}", None, None
    if label in PLACE_LABELS:
        place = find_place(text)
        if place is not None:
            return f"PLACE|{place.external_id}", place.external_id, place.name
    return f"{label}|{fold(text)}", None, None


def entity_id_for(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def resolve_surnames(keys: list[str], doc_ids: list[str], known_keys: set[str]) -> list[str]:
    """Person keys with a missing first initial filled in: from a full name of the same surname
    in the same document (`Putin` after `Vladimir Putin`), else from the most-mentioned person of
    that surname in this batch and `known_keys` (earlier runs); otherwise left surname-only."""
    def parts(key):
        _, surname, initial = key.split("|")
        return surname, initial

    in_doc: dict[tuple[str, str], Counter] = defaultdict(Counter)
    overall: dict[str, Counter] = defaultdict(Counter)
    for key, doc_id in zip(keys, doc_ids, strict=True):
        if key.startswith("PERSON|"):
            surname, initial = parts(key)
            if initial:
                in_doc[(doc_id, surname)][initial] += 1
                overall[surname][initial] += 1
    for key in known_keys:
        if key.startswith("PERSON|"):
            surname, initial = parts(key)
            if initial and not overall[surname][initial]:
                overall[surname][initial] = 1
    resolved = []
    for key, doc_id in zip(keys, doc_ids, strict=True):
        if key.startswith("PERSON|") and not parts(key)[1]:
            surname = parts(key)[0]
            votes = in_doc.get((doc_id, surname)) or overall.get(surname)
            if votes:
                # Most mentions first; ties go to the alphabetically first initial, so order never matters.
                initial = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                key = f"PERSON|{surname}|{initial}"
        resolved.append(key)
    return resolved


def link_entities(mentions: pl.DataFrame, known_keys: set[str] = frozenset()) -> pl.DataFrame:
    """Mentions with `entity_id`, `entity_key` and `external_id` (canonical names come from the catalog)."""
    identities = [identity_key(text, label) for text, label in mentions.select("text", "label").iter_rows()]
    keys = resolve_surnames([k for k, _, _ in identities], mentions["doc_id"].to_list(), set(known_keys))
    return mentions.with_columns(
        entity_key=pl.Series(keys, dtype=pl.String),
        entity_id=pl.Series([entity_id_for(k) for k in keys], dtype=pl.String),
        external_id=pl.Series([ext for _, ext, _ in identities], dtype=pl.String),
        gazetteer_name=pl.Series([name for _, _, name in identities], dtype=pl.String),
    )


def _canonical_name(aliases: Counter, label: str, gazetteer_name: str | None) -> str:
    """The gazetteer's name for a place; for people the most used full name; else the most used alias."""
    if gazetteer_name:
        return gazetteer_name
    pool = aliases
    if label == "PERSON":
        pool = Counter({a: n for a, n in aliases.items() if len(a.split()) > 1}) or aliases
    # Ties go to the Latin-script spelling (the catalog is read in English), then the longest.
    return min(pool.items(), key=lambda kv: (-kv[1], anyascii(kv[0]) != kv[0], -len(kv[0]), kv[0]))[0]


def build_catalog(mentions: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """One row per entity over every mention given (linked mentions with `doc_id`, `text`, `label`,
    `entity_id`, `entity_key`, `external_id`, `gazetteer_name`) and the documents' published dates.

    An alias used by two entities of one label (`Brown` for two people) names neither in the catalog.
    """
    dated = mentions.join(documents.select("doc_id", "published_date"), on="doc_id", how="left")
    # Counts, dates and ids aggregate in polars; only the choice of label and name is Python, per entity.
    groups = dated.group_by("entity_id", maintain_order=True).agg(
        labels=pl.col("label"),
        texts=pl.col("text"),
        mention_count=pl.len(),
        document_count=pl.col("doc_id").n_unique(),
        first_seen=pl.col("published_date").min(),
        last_seen=pl.col("published_date").max(),
        external_id=pl.col("external_id").drop_nulls().first(),
        entity_key=pl.col("entity_key").first(),
        gazetteer_name=pl.col("gazetteer_name").drop_nulls().first(),
    )
    rows = []
    for group in groups.iter_rows(named=True):
        labels = Counter(group.pop("labels"))
        label = min(labels.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        aliases = Counter(group.pop("texts"))
        rows.append(group | {
            "canonical_name": _canonical_name(aliases, label, group.pop("gazetteer_name")),
            "label": label,
            "aliases": sorted(aliases),
        })
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        for alias in row["aliases"]:
            owners[(row["label"], alias)].add(row["entity_id"])
    for row in rows:
        row["aliases"] = [a for a in row["aliases"] if len(owners[(row["label"], a)]) == 1]
    return frame(rows, ENTITY_CATALOG).sort("entity_id")


def with_canonical_names(mentions: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Mentions with their entity's `canonical_name` from the catalog."""
    names = catalog.select("entity_id", "canonical_name")
    return mentions.drop("canonical_name", strict=False).join(names, on="entity_id", how="left",
                                                              maintain_order="left")


def with_alias_check(catalog: pl.DataFrame) -> pl.DataFrame:
    """The catalog with `alias_shared`: True where an alias also names another entity of the same label."""
    exploded = catalog.select("entity_id", "label", "aliases").explode("aliases").drop_nulls("aliases")
    shared = exploded.group_by("label", "aliases").agg(pl.col("entity_id").n_unique().alias("owners")) \
        .filter(pl.col("owners") > 1)
    clashing = exploded.join(shared, on=["label", "aliases"], how="semi")["entity_id"].unique()
    return catalog.with_columns(alias_shared=pl.col("entity_id").is_in(clashing.to_list()))
