"""One identity per real-world entity: stable `entity_id`s for mentions, and the entity catalog.

An id is a hash of an identity key that depends only on the name, never on the order documents
arrive in: a place's gazetteer id (`Zaporozhye`, `Zaporizhia`, `Zaporizhzhia` -> one GeoNames id),
a person's surname with its spelling and script folded (`Zelensky`, `Zelenskyy`, `Зеленський`)
plus a first initial, or any other entity's folded name.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import groupby

import polars as pl
from anyascii import anyascii

from tasks.confidence.calibrated import with_confidence
from tasks.entities.gazetteer import find_place, fold
from tasks.entities.ids import entity_id_for, place_key
from tasks.entities.places import with_place_columns
from tasks.entities.rules import PERSON_TITLES, PLACE_LABELS
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
            return place_key(place.external_id), place.external_id, place.name
    return f"{label}|{fold(text)}", None, None


def resolve_surnames(keys: list[str], doc_ids: list[str], known_counts: Mapping[str, int] | None = None) -> list[str]:
    """Person keys with a missing first initial filled in: from a full name of the same surname
    in the same document (`Putin` after `Vladimir Putin`), else from the person of that surname
    mentioned most so far: in `known_counts` (entity key -> mentions, from earlier runs) and in
    the documents before this one; otherwise left surname-only.

    Documents are read in order and each is resolved from what came before it, never after: a
    batch of documents resolves exactly as the same documents split into smaller batches or runs.
    Mentions of one document are consecutive."""
    return [key for key, _, _ in _surnames_resolved(keys, doc_ids, known_counts)]


def _surnames_resolved(keys: list[str], doc_ids: list[str], known_counts: Mapping[str, int] | None
                       ) -> list[tuple[str, str | None, Counter]]:
    """`resolve_surnames`' keys, each with where a surname alone was resolved from (`document`,
    `earlier`, or `alone` when nothing names it; None for a key that needed no resolving) and the
    votes it was resolved by (first initial -> mentions)."""
    def parts(key):
        _, surname, initial = key.split("|")
        return surname, initial

    def full_name(key):
        return key.startswith("PERSON|") and parts(key)[1] != ""

    so_far: dict[str, Counter] = defaultdict(Counter)
    for key, count in (known_counts or {}).items():
        if full_name(key):
            so_far[parts(key)[0]][parts(key)[1]] += count
    resolved: list[tuple[str, str | None, Counter]] = []
    for _, positions in groupby(range(len(keys)), key=doc_ids.__getitem__):
        document = [keys[i] for i in positions]
        in_doc: dict[str, Counter] = defaultdict(Counter)
        for key in filter(full_name, document):
            in_doc[parts(key)[0]][parts(key)[1]] += 1
        for key in document:
            source, votes = None, Counter()
            if key.startswith("PERSON|") and not full_name(key):
                surname = parts(key)[0]
                votes = in_doc.get(surname) or so_far.get(surname) or Counter()
                source = "document" if surname in in_doc else "earlier" if votes else "alone"
                if votes:
                    # Most mentions first; ties go to the alphabetically first initial.
                    key = f"PERSON|{surname}|{min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]}"
            resolved.append((key, source, Counter(votes)))
        for key, _, _ in resolved[-len(document):]:
            if full_name(key):
                so_far[parts(key)[0]][parts(key)[1]] += 1
    return resolved


ACRONYM = re.compile(r"(?:[A-Z]\.){2,6}|[A-Z]{2,6}")
# Words an acronym skips (`Federal Bureau of Investigation` -> FBI).
ACRONYM_SKIPS = frozenset("the of and for & in on de".split())


def initials(name: str) -> set[str]:
    """The acronyms a name can have: its words' initials, with and without the small words."""
    words = [w for w in re.split(r"[\s\-]+", re.sub(r"[\u2019']s\b", "", name)) if w and w[0].isalnum()]
    if words and words[0].lower() == "the":
        words = words[1:]
    if len(words) < 2:
        return set()
    every = "".join(w[0] for w in words).upper()
    significant = "".join(w[0] for w in words if w.lower() not in ACRONYM_SKIPS).upper()
    return {every, significant}


Identity = tuple[str, str | None, str | None]  # (identity key, external id, gazetteer name)


def with_acronyms_expanded(doc_ids: list[str], texts: list[str], identities: list[Identity]) -> list[Identity]:
    """Identities where an acronym (`AP`, `PGO`, `RF`) takes the identity of the name it stands for
    in the same document (`The Associated Press`, `the Prosecutor General's Office (PGO)`, `Russian
    Federation`: a country's acronym is the country). Only within a document: the same letters
    stand for other names elsewhere, and a document's own full name is what tells them apart."""
    result = list(identities)
    for _, positions in groupby(range(len(doc_ids)), key=doc_ids.__getitem__):  # a document's mentions
        document = list(positions)
        expansions: dict[str, set[int]] = defaultdict(set)
        for i in document:
            for letters in initials(texts[i]):
                expansions[letters].add(i)
        for i in document:
            text = texts[i].strip()
            if not ACRONYM.fullmatch(text) or identities[i][0].startswith("PERSON|"):
                continue
            targets = {identities[j] for j in expansions.get(text.replace(".", ""), ())
                       if identities[j] != identities[i] and not identities[j][0].startswith("PERSON|")}
            if len(targets) == 1:
                result[i] = targets.pop()
    return result


def link_entities(mentions: pl.DataFrame, known_counts: Mapping[str, int] | None = None) -> pl.DataFrame:
    """Mentions (in document order, a document's consecutive) with `entity_id`, `entity_key`,
    `external_id` and how sure the id is (`entity_confidence`; canonical names come from the
    catalog); `known_counts` are the stored catalog's mentions per entity key. A mention whose
    place is already resolved in its document (`external_id` and `gazetteer_name` given, see
    `tasks.entities.places.locate_places`) is that place; others are looked up by name alone."""
    if "gazetteer_name" in mentions.columns:
        located = mentions.select("text", "label", "external_id", "gazetteer_name").iter_rows()
        named = [(place_key(external), external, name) if external is not None
                 else identity_key(text, label) if label not in PLACE_LABELS
                 else (f"{label}|{fold(text)}", None, None)
                 for text, label, external, name in located]
    else:
        named = [identity_key(text, label) for text, label in mentions.select("text", "label").iter_rows()]
    doc_ids = mentions["doc_id"].to_list()
    identities = with_acronyms_expanded(doc_ids, mentions["text"].to_list(), named)
    resolved = _surnames_resolved([k for k, _, _ in identities], doc_ids, known_counts)
    keys = [key for key, _, _ in resolved]
    rules = [_linking_rule(text, label, name, identity, source) for (text, label), name, identity, (_, source, _)
             in zip(mentions.select("text", "label").iter_rows(), named, identities, resolved, strict=True)]
    evidence = entity_evidence(mentions, keys, rules, [votes for _, _, votes in resolved])
    return mentions.with_columns(
        entity_key=pl.Series(keys, dtype=pl.String),
        entity_id=pl.Series([entity_id_for(k) for k in keys], dtype=pl.String),
        external_id=pl.Series([ext for _, ext, _ in identities], dtype=pl.String),
        gazetteer_name=pl.Series([name for _, _, name in identities], dtype=pl.String),
        **with_confidence("entity", evidence),
    )


def _linking_rule(text: str, label: str, named: Identity, identity: Identity, surname_source: str | None) -> str:
    """Which rule gave a mention its identity: an acronym's expansion, a gazetteer place, a person's
    full name or a surname resolved in the `document`, from `earlier` ones or left `alone`, a
    place the gazetteer does not know, an acronym nothing in its document spells out, or the name."""
    if identity != named:
        return "acronym"
    if identity[1] is not None:
        return "place"
    if label == "PERSON":
        return f"person_{surname_source or 'full'}"
    if label in PLACE_LABELS:
        return "unplaced"
    return "acronym_alone" if ACRONYM.fullmatch(text.strip()) else "name"


def entity_evidence(mentions: pl.DataFrame, keys: Sequence[str], rules: Sequence[str],
                    votes: Sequence[Counter]) -> list[dict]:
    """What each mention's id rests on, for its `entity_confidence`: the rule that gave it, the
    surname votes it was resolved by, whether a longer or shorter name in its document has another
    id (`Treasury` beside `HM Treasury`), how often and how variously the document names the
    entity, and how sure the mention's label and place are. Beside the rule (a surname alone is
    resolved from earlier documents where they name its person), all of it is read from the
    mention's own document (mentions of one document are consecutive): how much the catalog
    holds does not move a document's confidences."""
    columns = ["doc_id", "text", "label", "label_confidence", "place_confidence"]
    rows = mentions.select([c for c in columns if c in mentions.columns]).to_dicts()
    evidence: list[dict] = []
    for _, positions in groupby(range(len(rows)), key=lambda i: rows[i]["doc_id"]):
        positions = list(positions)
        words = {i: tuple(fold(rows[i]["text"]).split()) for i in positions}
        per_key: dict[str, Counter] = defaultdict(Counter)
        names: dict[tuple[str, ...], set[str]] = defaultdict(set)  # the document's names, with their ids
        for i in positions:
            per_key[keys[i]][rows[i]["text"]] += 1
            names[words[i]].add(keys[i])
        nesting: dict[tuple, tuple[float, float]] = {}
        for i in positions:
            if (words[i], keys[i]) not in nesting:
                others = [name for name, owners in names.items() if name != words[i] and owners - {keys[i]}]
                nesting[words[i], keys[i]] = (float(any(_within(words[i], other) for other in others)),
                                              float(any(_within(other, words[i]) for other in others)))
            counted = votes[i]
            row = rows[i]
            evidence.append({
                "rule": rules[i], "label_rule": f"{row['label']}/{rules[i]}",
                "tokens": math.log1p(len(words[i])),
                "vote_share": max(counted.values()) / sum(counted.values()) if counted else 1.0,
                "rivals": math.log1p(max(len(counted) - 1, 0)),
                "inside_other": nesting[words[i], keys[i]][0], "around_other": nesting[words[i], keys[i]][1],
                "repeats": math.log1p(sum(per_key[keys[i]].values()) - 1),
                "spellings": math.log1p(len(per_key[keys[i]]) - 1),
                "label_confidence": row.get("label_confidence"), "place_confidence": row.get("place_confidence"),
            })
    return evidence


def _within(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether the words `short` stand together inside the longer name `long`."""
    n = len(short)
    return 0 < n < len(long) and any(long[k:k + n] == short for k in range(len(long) - n + 1))


def _canonical_name(aliases: Counter, label: str, gazetteer_name: str | None) -> str:
    """The gazetteer's name for a place; for people the most used full name; else the most used alias."""
    if gazetteer_name:
        return gazetteer_name
    pool = aliases
    if label == "PERSON":
        pool = Counter({a: n for a, n in aliases.items() if len(a.split()) > 1}) or aliases
    # Ties go to the Latin-script spelling (the catalog is read in English), then the longest.
    return min(pool.items(), key=lambda kv: (-kv[1], anyascii(kv[0]) != kv[0], -len(kv[0]), kv[0]))[0]


def catalog_aggregates(mentions: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Per entity of `mentions` (linked, with `doc_id`, `text`, `label`, `entity_id`, `entity_key`,
    `external_id`, `gazetteer_name`): the parts of its catalog row that add up across batches
    (mentions, documents, first and last seen, mentions per spelling and per label), with its ids."""
    dated = mentions.join(documents.select("doc_id", "published_date"), on="doc_id", how="left")

    def counted(column: str, name: str) -> pl.DataFrame:
        return (dated.group_by("entity_id", column).agg(mentions=pl.len())
                .sort("entity_id", column)
                .group_by("entity_id", maintain_order=True)
                .agg(pl.struct(pl.col(column).alias(name), "mentions").alias(f"{name}_counts")))

    totals = dated.group_by("entity_id").agg(
        mention_count=pl.len().cast(pl.Int64),
        document_count=pl.col("doc_id").n_unique().cast(pl.Int64),
        first_seen=pl.col("published_date").min(),
        last_seen=pl.col("published_date").max(),
        external_id=pl.col("external_id").drop_nulls().first(),
        entity_key=pl.col("entity_key").first(),
        gazetteer_name=pl.col("gazetteer_name").drop_nulls().first(),
    )
    return (totals.join(counted("text", "alias"), on="entity_id")
            .join(counted("label", "label"), on="entity_id"))


def merge_catalog(stored: pl.DataFrame, batch: pl.DataFrame) -> pl.DataFrame:
    """The stored catalog with a batch's aggregates (`catalog_aggregates`) added: counts summed,
    first and last seen widened, spellings and label votes counted together. Label and canonical
    name are chosen again only for the entities the batch mentions; every entity's aliases are
    checked again, since a new spelling can make an old one ambiguous.

    A document is in one batch only, so document counts add up. Merging batch by batch gives the
    catalog `build_catalog` gives over all of their mentions at once."""
    earlier = stored.select(*_AGGREGATES).with_columns(
        gazetteer_name=pl.when(pl.col("external_id").is_not_null()).then(pl.col("canonical_name")))
    earlier = earlier.drop("canonical_name")
    both = pl.concat([earlier, batch.select(earlier.columns)], how="vertical_relaxed")

    def recount(column: str, name: str) -> pl.DataFrame:
        return (both.select("entity_id", f"{name}_counts").explode(f"{name}_counts").unnest(f"{name}_counts")
                .group_by("entity_id", name).agg(pl.col("mentions").sum()).sort("entity_id", name)
                .group_by("entity_id", maintain_order=True)
                .agg(pl.struct(name, "mentions").alias(f"{name}_counts")))

    merged = both.group_by("entity_id").agg(
        pl.col("mention_count").sum(), pl.col("document_count").sum(),
        pl.col("first_seen").min(), pl.col("last_seen").max(),
        pl.col("external_id").drop_nulls().first(), pl.col("entity_key").first(),
        pl.col("gazetteer_name").drop_nulls().first(),
    ).join(recount("text", "alias"), on="entity_id").join(recount("label", "label"), on="entity_id")
    touched = merged.filter(pl.col("entity_id").is_in(batch["entity_id"].implode()))
    chosen = pl.DataFrame(
        [_label_and_name(row) for row in touched.select("entity_id", "alias_counts", "label_counts",
                                                        "gazetteer_name").iter_rows(named=True)],
        schema={"entity_id": pl.String, "label": pl.String, "canonical_name": pl.String}, orient="row")
    kept = stored.select("entity_id", "label", "canonical_name").join(chosen, on="entity_id", how="anti")
    catalog = merged.drop("gazetteer_name").join(pl.concat([kept, chosen]), on="entity_id")
    catalog = with_place_columns(_with_unshared_aliases(catalog))
    return frame([], ENTITY_CATALOG).vstack(catalog.select(frame([], ENTITY_CATALOG).columns)).sort("entity_id")


#: The catalog columns `merge_catalog` adds up (with the ids that identify them).
_AGGREGATES = ("entity_id", "mention_count", "document_count", "first_seen", "last_seen", "external_id",
               "entity_key", "canonical_name", "alias_counts", "label_counts")


def _label_and_name(row: dict) -> tuple[str, str, str]:
    """(entity id, label by most mentions, canonical name) of one merged catalog row."""
    labels = Counter({c["label"]: c["mentions"] for c in row["label_counts"]})
    label = min(labels.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    aliases = Counter({c["alias"]: c["mentions"] for c in row["alias_counts"]})
    return row["entity_id"], label, _canonical_name(aliases, label, row["gazetteer_name"])


def _with_unshared_aliases(catalog: pl.DataFrame) -> pl.DataFrame:
    """`aliases`: every spelling of the entity that no other entity of its label is mentioned by."""
    spelled = catalog.select("entity_id", "label", pl.col("alias_counts").list.eval(
        pl.element().struct.field("alias")).alias("alias")).explode("alias")
    owners = spelled.group_by("label", "alias").agg(owners=pl.col("entity_id").n_unique())
    unshared = (spelled.join(owners.filter(pl.col("owners") == 1), on=["label", "alias"], how="semi")
                .sort("entity_id", "alias").group_by("entity_id").agg(aliases=pl.col("alias")))
    return catalog.join(unshared, on="entity_id", how="left").with_columns(
        aliases=pl.col("aliases").fill_null(pl.lit([], pl.List(pl.String))))


def build_catalog(mentions: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """One row per entity over every mention given (linked, see `catalog_aggregates`) and the
    documents' published dates.

    An alias used by two entities of one label (`Brown` for two people) names neither in the catalog.
    """
    return merge_catalog(frame([], ENTITY_CATALOG), catalog_aggregates(mentions, documents))


def with_canonical_names(mentions: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Mentions (linked, in document order) with `canonical_name`: their entity's preferred name
    over every mention up to and including their document: the stored `catalog`'s counts, then
    the documents before and the document itself. The last document of an entity gets the name
    the merged catalog gives it. A name depends only on the documents before, so the same
    documents split into other batches or runs get the same names."""
    if not mentions.height:
        return mentions.with_columns(canonical_name=pl.lit(None, pl.String))
    touched = mentions["entity_id"].unique().implode()
    stored = {row["entity_id"]: row for row in catalog.filter(pl.col("entity_id").is_in(touched)).select(
        "entity_id", "canonical_name", "external_id", "alias_counts", "label_counts").iter_rows(named=True)}
    aliases: dict[str, Counter] = {}
    labels: dict[str, Counter] = {}
    gazetteer: dict[str, str | None] = {}
    for entity_id, row in stored.items():
        aliases[entity_id] = Counter({c["alias"]: c["mentions"] for c in row["alias_counts"] or []})
        labels[entity_id] = Counter({c["label"]: c["mentions"] for c in row["label_counts"] or []})
        gazetteer[entity_id] = row["canonical_name"] if row["external_id"] is not None else None
    names: list[str] = []
    columns = mentions.select("doc_id", "entity_id", "text", "label", "gazetteer_name")
    rows = list(columns.iter_rows())
    for _, positions in groupby(range(len(rows)), key=lambda i: rows[i][0]):
        positions = list(positions)
        for i in positions:
            _, entity_id, text, label, gazetteer_name = rows[i]
            aliases.setdefault(entity_id, Counter())[text] += 1
            labels.setdefault(entity_id, Counter())[label] += 1
            if gazetteer_name is not None or entity_id not in gazetteer:
                gazetteer[entity_id] = gazetteer.get(entity_id) or gazetteer_name
        chosen = {}
        for i in positions:
            entity_id = rows[i][1]
            if entity_id not in chosen:
                votes = labels[entity_id]
                label = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                chosen[entity_id] = _canonical_name(aliases[entity_id], label, gazetteer[entity_id])
            names.append(chosen[entity_id])
    return mentions.with_columns(canonical_name=pl.Series(names, dtype=pl.String))


def recount_catalog(catalog: pl.DataFrame, mentions: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """A catalog written before its aggregates were stored (schema 1.0), rebuilt once from every
    mention written (`mentions` with their ids; `documents` with published dates)."""
    keys = catalog.select("entity_id", "entity_key", pl.when(pl.col("external_id").is_not_null())
                          .then("canonical_name").alias("gazetteer_name"))
    linked = mentions.join(keys, on="entity_id", how="left").with_columns(
        entity_key=pl.coalesce("entity_key", "entity_id"))
    return build_catalog(linked, documents)


def with_alias_check(catalog: pl.DataFrame) -> pl.DataFrame:
    """The catalog with `alias_shared`: True where an alias also names another entity of the same label."""
    exploded = catalog.select("entity_id", "label", "aliases").explode("aliases").drop_nulls("aliases")
    shared = exploded.group_by("label", "aliases").agg(pl.col("entity_id").n_unique().alias("owners")) \
        .filter(pl.col("owners") > 1)
    clashing = exploded.join(shared, on=["label", "aliases"], how="semi")["entity_id"].unique()
    return catalog.with_columns(alias_shared=pl.col("entity_id").is_in(clashing.to_list()))
