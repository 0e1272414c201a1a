"""Scoring extracted spans against hand-annotated gold: exact span and label, per label P/R/F1."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Span3 = tuple[int, int, str]
GOLD_LABELS = ("PERSON", "NORP", "ORG", "GPE", "LOC")


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives


def score_spans(
    gold: Sequence[Iterable[Span3]], predicted: Sequence[Iterable[Span3]], labels: Sequence[str] = GOLD_LABELS
) -> dict[str, Score]:
    """Per-label scores (and `ALL`, micro-averaged) of predicted (start, end, label) spans, exact match;
    predicted labels outside `labels` are ignored."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        g = {s for s in gold_spans if s[2] in labels}
        p = {s for s in predicted_spans if s[2] in labels}
        for _, _, label in g & p:
            tp[label] += 1
        for _, _, label in p - g:
            fp[label] += 1
        for _, _, label in g - p:
            fn[label] += 1
    scores = {label: Score(tp[label], fp[label], fn[label]) for label in labels}
    scores["ALL"] = Score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return scores


#: The pipeline's (spaCy's OntoNotes) labels as CoNLL-2003's: other labels are not CoNLL entities.
CONLL_LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "NORP": "MISC",
                "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC"}


def score_bags(gold: Sequence[Iterable[tuple[str, str]]], predicted: Sequence[Iterable[tuple[str, str]]],
               labels: Sequence[str] = ("PER", "ORG", "LOC", "MISC")) -> dict[str, Score]:
    """Per-label scores (and `ALL`) of (surface, label) pairs as a bag per document: each gold pair
    matched at most once by an equal predicted pair, surfaces compared without whitespace."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for gold_pairs, predicted_pairs in zip(gold, predicted, strict=True):
        g = Counter(("".join(surface.split()), label) for surface, label in gold_pairs if label in labels)
        p = Counter(("".join(surface.split()), label) for surface, label in predicted_pairs if label in labels)
        for (_, label), n in (g & p).items():
            tp[label] += n
        for (_, label), n in (p - g).items():
            fp[label] += n
        for (_, label), n in (g - p).items():
            fn[label] += n
    scores = {label: Score(tp[label], fp[label], fn[label]) for label in labels}
    scores["ALL"] = Score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return scores


def format_comparison(columns: dict[str, dict[str, Score]]) -> str:
    """A table of P/R/F1 per label, one column group per system."""
    names = list(columns)
    header = f"{'label':<8}{'gold':>6}  " + "  ".join(f"{name + ' P/R/F1':>24}" for name in names)
    lines = [header]
    for label in next(iter(columns.values())):
        support = next(iter(columns.values()))[label].support
        cells = "  ".join(f"{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}"
                          for s in (columns[name][label] for name in names))
        lines.append(f"{label:<8}{support:>6}  {cells}")
    return "\n".join(lines)


# --- numbers -------------------------------------------------------------------------------

NUMBER_METRICS = ("value", "value+unit", "value+object")


def _same_value(a: dict, b: dict) -> bool:
    def close(x, y):
        return x is not None and y is not None and abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y))

    if a.get("value_low") is not None and a.get("value_high") is not None:
        # A range is right when both ends are.
        return close(a["value_low"], b.get("value_low")) and close(a["value_high"], b.get("value_high"))
    return close(a["value"], b.get("value"))


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def _number_matches(gold_doc: Sequence[dict], predicted_doc: Sequence[dict]) -> list[dict | None]:
    """The gold number each prediction matches (overlapping spans, the same value; each gold
    number matched once, predictions taken in order), or None."""
    unmatched = list(gold_doc)
    matches: list[dict | None] = []
    for p in predicted_doc:
        match = next((g for g in unmatched if p["start"] < g["end"] and g["start"] < p["end"] and _same_value(g, p)),
                     None)
        if match is not None:
            unmatched.remove(match)
        matches.append(match)
    return matches


def score_numbers(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]] | None,
                  with_object: bool = True) -> dict[str, Score]:
    """Value, value+unit and value+object scores. A prediction matches a gold mention when their
    spans overlap and their values agree (both ends for ranges); each gold mention matches once."""
    counts = {metric: Counter() for metric in NUMBER_METRICS}
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        hits = [(g, p) for g, p in zip(_number_matches(gold_doc, predicted_doc), predicted_doc, strict=True)
                if g is not None]
        for metric in NUMBER_METRICS:
            if metric == "value":
                good = len(hits)
            elif metric == "value+unit":
                good = sum(_norm(g["unit"]) == _norm(p.get("unit")) for g, p in hits)
            else:
                good = sum(_norm(g["object"]) == _norm(p.get("object")) for g, p in hits) if with_object else 0
            counts[metric]["tp"] += good
            counts[metric]["fp"] += len(predicted_doc) - good
            counts[metric]["fn"] += len(gold_doc) - good
    return {metric: Score(c["tp"], c["fp"], c["fn"]) for metric, c in counts.items()}


# --- places and dates ----------------------------------------------------------------------

#: A resolved place within this of the gold point is right (GeoNames-based geoparsing's usual
#: 100 miles: a city named for its region, or a region's point, is not wrong by its size).
PLACE_TOLERANCE_KM = 161.0


@dataclass(frozen=True)
class Accuracy:
    correct: int
    total: int

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0


def same_place(gold: dict, predicted: dict | None) -> bool:
    """Whether a predicted place (`latitude`, `longitude`, `country_code`, `admin1_code`,
    `feature_class`, `geonames_id`) is the gold one: within PLACE_TOLERANCE_KM, the same country
    or first-level division (both that large), or the same GeoNames id."""
    from tasks.entities.gazetteer import distance_km

    if predicted is None:
        return False
    if gold.get("geonames_id") is not None and gold["geonames_id"] == predicted.get("geonames_id"):
        return True
    if gold.get("feature_class") == "country" and predicted.get("feature_class") == "country":
        return gold.get("country_code") == predicted.get("country_code")
    if gold.get("feature_class") == "admin1" and predicted.get("feature_class") == "admin1" \
            and gold.get("admin1_code") and predicted.get("admin1_code"):
        return gold["admin1_code"] == predicted["admin1_code"]
    if predicted.get("latitude") is None or predicted.get("longitude") is None:
        return False
    return distance_km((gold["latitude"], gold["longitude"]),
                       (predicted["latitude"], predicted["longitude"])) <= PLACE_TOLERANCE_KM


def score_places(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]]) -> Accuracy:
    """Accuracy over gold place mentions with a location: the prediction at the same span (or
    overlapping it) is the same place (`same_place`)."""
    correct = total = 0
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        for g in gold_doc:
            if g.get("latitude") is None or g.get("longitude") is None:
                continue
            total += 1
            exact = [p for p in predicted_doc if (p["start"], p["end"]) == (g["start"], g["end"])]
            overlapping = exact or [p for p in predicted_doc if p["start"] < g["end"] and g["start"] < p["end"]]
            correct += same_place(g, overlapping[0] if overlapping else None)
    return Accuracy(correct, total)


def score_toponyms(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]]) -> tuple[Accuracy, Accuracy]:
    """(accuracy over the gold toponyms with coordinates that a located prediction overlaps,
    recall over all gold toponyms with coordinates): right = within PLACE_TOLERANCE_KM of the gold
    coordinates, as geoparsing benchmarks score it (no same-country or same-id shortcut)."""
    from tasks.entities.gazetteer import distance_km

    located = correct = total = 0
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        for g in gold_doc:
            if g.get("latitude") is None or g.get("longitude") is None:
                continue
            total += 1
            found = [p for p in predicted_doc if p["start"] < g["end"] and g["start"] < p["end"]
                     and p.get("latitude") is not None and p.get("longitude") is not None]
            if found:
                located += 1
                correct += distance_km((g["latitude"], g["longitude"]),
                                       (found[0]["latitude"], found[0]["longitude"])) <= PLACE_TOLERANCE_KM
    return Accuracy(correct, located), Accuracy(correct, total)


def score_dates(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]]) -> dict:
    """`found` (precision/recall of date and time expressions, by overlap) and `value` (accuracy over
    gold expressions with a value: the overlapping prediction has exactly that value)."""
    tp = fp = fn = correct = total = 0
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        matched = set()
        for g in gold_doc:
            overlapping = [i for i, p in enumerate(predicted_doc) if p["start"] < g["end"] and g["start"] < p["end"]]
            if overlapping:
                tp += 1
                matched.update(overlapping)
            else:
                fn += 1
            if g.get("value") is not None:
                total += 1
                correct += any(predicted_doc[i].get("value") == g["value"] for i in overlapping)
        fp += len(predicted_doc) - len(matched)
    return {"found": Score(tp, fp, fn), "value": Accuracy(correct, total)}


# --- quotes --------------------------------------------------------------------------------------

def same_speaker(name: str | None, gold: str) -> bool:
    """Whether a predicted speaker name names the gold speaker: the same name, or the same last
    word (`Putin` for `Vladimir Putin`), spelling and script folded."""
    from tasks.entities.canonical import surname_key
    from tasks.entities.gazetteer import fold

    if not name:
        return False
    ours, theirs = fold(name).split(), fold(gold).split()
    return bool(ours and theirs) and (ours == theirs or surname_key(ours[-1]) == surname_key(theirs[-1]))


def _quote_matches(gold_doc: Sequence[dict], predicted_doc: Sequence[dict], cover: float) -> list[int | None]:
    """For each gold quote, the index of the first prediction not yet taken that overlaps it and
    covers more than `cover` of it, or None."""
    matched: set[int] = set()
    found: list[int | None] = []
    for g in gold_doc:
        def covered(p: dict, g: dict = g) -> bool:
            shared = min(p["end"], g["end"]) - max(p["start"], g["start"])
            return shared > 0 and shared > cover * (g["end"] - g["start"])
        at = next((i for i, p in enumerate(predicted_doc) if covered(p) and i not in matched), None)
        if at is not None:
            matched.add(at)
        found.append(at)
    return found


def score_quotes(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]], cover: float = 0.0) -> dict:
    """`found` (quote precision and recall, each gold quote and prediction counted once; a
    prediction finds a gold quote it overlaps, and covers more than `cover` of), `speaker` (of gold
    quotes with a `speaker_name`: the found prediction's `speaker_names` name that speaker,
    `same_speaker`), `speaker_span` (of gold quotes with a speaker span: the prediction's speaker
    span overlaps it) and `found_with_speaker` (of all gold quotes: found, with the speaker span
    overlapping the gold one or its name naming the gold speaker; one without a gold speaker, with
    none predicted)."""
    tp = fp = fn = 0
    speaker, span, either = Counter(), Counter(), Counter()
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        found = _quote_matches(gold_doc, predicted_doc, cover)
        for g, at in zip(gold_doc, found, strict=True):
            hit = predicted_doc[at] if at is not None else None
            if hit is None:
                fn += 1
            else:
                tp += 1
            named = hit is not None and bool(g.get("speaker_name")) and any(
                same_speaker(n, g["speaker_name"]) for n in hit["speaker_names"])
            if g.get("speaker_name"):
                speaker["total"] += 1
                speaker["correct"] += named
            same_span = hit is not None and g.get("speaker_start") is not None \
                and hit["speaker_start"] is not None \
                and hit["speaker_start"] < g["speaker_end"] and g["speaker_start"] < hit["speaker_end"]
            if g.get("speaker_start") is not None:
                span["total"] += 1
                span["correct"] += same_span
            either["total"] += 1
            either["correct"] += hit is not None and (same_span or named or (
                g.get("speaker_start") is None and not g.get("speaker_name") and hit["speaker_start"] is None))
        fp += len(predicted_doc) - sum(at is not None for at in found)
    return {"found": Score(tp, fp, fn), "speaker": Accuracy(speaker["correct"], speaker["total"]),
            "speaker_span": Accuracy(span["correct"], span["total"]),
            "found_with_speaker": Accuracy(either["correct"], either["total"])}


#: A word, as the article-extraction benchmark (Scrapinghub's) tokenises any language.
WORD = re.compile(r"\w+")


def shingles(text: str | None, size: int = 4) -> Counter:
    """The text's word `size`-grams, counted (one shingle of all its words when it has fewer)."""
    words = WORD.findall(text or "")
    return Counter(tuple(words[i:i + size]) for i in range(max(1, len(words) - size + 1)) if words[i:i + size])


def score_page_texts(gold: Sequence[str | None], predicted: Sequence[str | None]) -> dict[str, float]:
    """Main-text extraction scored as the article-extraction benchmark scores it: each page's word
    4-gram shingles matched as multisets, giving the page's precision and recall; precision is the
    mean over the pages something was extracted from, recall the mean over the pages with gold text
    (so a long page weighs as much as a short one), F1 the harmonic mean of the two means. A page
    with no gold text and no output counts in neither."""
    precisions, recalls = [], []
    for expected, found in zip(gold, predicted, strict=True):
        true, pred = shingles(expected), shingles(found)
        tp = sum((true & pred).values())
        fp, fn = sum((pred - true).values()), sum((true - pred).values())
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pages": len(gold)}


# --- confidences ---------------------------------------------------------------------------------

def judge_places(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]]) -> list[list[bool | None]]:
    """For each predicted place (`latitude`, ..., `geonames_id`), whether it is the gold place of the
    mention it overlaps (`same_place`); None when it overlaps no gold place with a location."""
    judged = []
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        located = [g for g in gold_doc if g.get("latitude") is not None and g.get("longitude") is not None]
        judged.append([next((same_place(g, p) for g in located if p["start"] < g["end"] and g["start"] < p["end"]),
                            None) for p in predicted_doc])
    return judged


def judge_dates(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]]) -> list[list[bool | None]]:
    """For each predicted date, whether its value is the value of the gold expression it overlaps
    (a prediction without one is wrong there); None when it overlaps none with a value."""
    judged = []
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        valued = [g for g in gold_doc if g.get("value") is not None]
        judged.append([next((p.get("value") == g["value"] for g in valued
                             if p["start"] < g["end"] and g["start"] < p["end"]), None) for p in predicted_doc])
    return judged


def judge_speakers(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]], cover: float = 0.0
                   ) -> list[list[bool | None]]:
    """For each predicted quote with a speaker, whether the speaker is the gold quote's (its span
    overlaps the gold speaker's, or its names name the gold speaker; a gold quote with no speaker
    has none to find); None for a prediction that finds no gold quote (`score_quotes`'s matching)."""
    judged = []
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        verdicts: list[bool | None] = [None] * len(predicted_doc)
        for g, at in zip(gold_doc, _quote_matches(gold_doc, predicted_doc, cover), strict=True):
            if at is None:
                continue
            hit = predicted_doc[at]
            if hit["speaker_start"] is None:
                continue
            same_span = g.get("speaker_start") is not None and hit["speaker_start"] < g["speaker_end"] \
                and g["speaker_start"] < hit["speaker_end"]
            named = bool(g.get("speaker_name")) and any(same_speaker(n, g["speaker_name"])
                                                        for n in hit["speaker_names"])
            verdicts[at] = same_span or named
        judged.append(verdicts)
    return judged


def judge_labels(gold: Sequence[Iterable[Span3]], predicted: Sequence[Sequence[dict]],
                 labels: Sequence[str] = GOLD_LABELS) -> list[list[bool | None]]:
    """For each predicted mention (`start`, `end`, `label`), whether the gold has that very span
    with that label; None for a label the gold does not annotate."""
    judged = []
    for gold_doc, predicted_doc in zip(gold, predicted, strict=True):
        spans = {tuple(g[:3]) for g in gold_doc}
        judged.append([None if p["label"] not in labels else (p["start"], p["end"], p["label"]) in spans
                       for p in predicted_doc])
    return judged


UNKNOWN_IDENTITY = "?"


def judge_entities(gold: Sequence[Sequence[Span3]], identities: Sequence[Sequence[str]],
                   predicted: Sequence[Sequence[dict]]) -> list[list[bool | None]]:
    """For each predicted mention (`start`, `end`, `entity_id`) on a gold span, whether its id is
    right over the whole set: it is the id most of its gold entity's matched mentions have, and
    most mentions with that id are that entity (a split or a merge makes the smaller part wrong;
    ties go to the first seen). None off the gold's spans and where the gold names nothing real."""
    matched: list[list[str | None]] = []
    for gold_doc, names, predicted_doc in zip(gold, identities, predicted, strict=True):
        by_span = {(g[0], g[1]): name for g, name in zip(gold_doc, names, strict=True)}
        matched.append([by_span.get((p["start"], p["end"])) for p in predicted_doc])
    pairs = [(name, p["entity_id"]) for names, predicted_doc in zip(matched, predicted, strict=True)
             for name, p in zip(names, predicted_doc, strict=True) if name not in (None, UNKNOWN_IDENTITY)]
    ids_of: dict[str, Counter] = {}
    names_of: dict[str, Counter] = {}
    for name, entity_id in pairs:
        ids_of.setdefault(name, Counter())[entity_id] += 1
        names_of.setdefault(entity_id, Counter())[name] += 1
    main_id = {name: ids.most_common(1)[0][0] for name, ids in ids_of.items()}
    main_name = {entity_id: names.most_common(1)[0][0] for entity_id, names in names_of.items()}
    return [[None if name in (None, UNKNOWN_IDENTITY) else
             main_id[name] == p["entity_id"] and main_name[p["entity_id"]] == name
             for name, p in zip(names, predicted_doc, strict=True)]
            for names, predicted_doc in zip(matched, predicted, strict=True)]


def judge_bag_labels(gold: Sequence[Iterable[tuple[str, str]]], predicted: Sequence[Sequence[dict]]
                     ) -> list[list[bool | None]]:
    """For each predicted mention (`surface`, `label` as CoNLL's), whether the document's gold bag
    still holds that pair (each gold pair right once, surfaces compared without whitespace, as
    `score_bags` counts them); None for a label CoNLL has no name for."""
    judged = []
    for gold_pairs, predicted_doc in zip(gold, predicted, strict=True):
        left = Counter(("".join(surface.split()), label) for surface, label in gold_pairs)
        verdicts: list[bool | None] = []
        for p in predicted_doc:
            key = ("".join(p["surface"].split()), p["label"])
            if not p["label"]:
                verdicts.append(None)
                continue
            verdicts.append(left[key] > 0)
            left[key] -= 1
        judged.append(verdicts)
    return judged


def judge_number_field(gold: Sequence[Sequence[dict]], predicted: Sequence[Sequence[dict]], field: str
                       ) -> list[list[bool | None]]:
    """For each predicted number, whether its `field` (`unit` or `object`) is the gold's for the
    same amount (matched as `score_numbers` matches: overlapping spans, the same value; an empty
    one is right where the gold's is empty); None for a prediction that matches no gold number, or
    one whose gold leaves the field out (None: a set that does not annotate it)."""
    return [[None if g is None or g.get(field, "") is None else _norm(g.get(field)) == _norm(p.get(field))
             for g, p in zip(_number_matches(gold_doc, predicted_doc), predicted_doc, strict=True)]
            for gold_doc, predicted_doc in zip(gold, predicted, strict=True)]


def judge_events(gold: Sequence[Sequence[dict]], toponyms: Sequence[Sequence[dict]],
                 predicted: Sequence[Sequence[dict]], mentions: Sequence[Sequence[dict]]
                 ) -> dict[str, list[list[bool | None]]]:
    """For each predicted event, whether its place, actor and date are the gold event's (the one
    whose count it overlaps), by field; None where the gold cannot tell (no such event, or the
    text does not say where or when). Place: `same_place` with the gold toponym at the gold place
    (a country by its code); actor (judged only where one is predicted): a mention of the
    predicted actor's entity (`mentions`: `start`, `end`, `entity_id`) overlaps the gold actor, and
    any is wrong where the gold names none; date: the predicted `event_date` at the gold date's
    precision (`YYYY`, `YYYY-MM`, day)."""
    verdicts: dict[str, list[list[bool | None]]] = {"place": [], "actor": [], "date": []}
    for gold_doc, places, predicted_doc, doc_mentions in zip(gold, toponyms, predicted, mentions, strict=True):
        rows: dict[str, list[bool | None]] = {"place": [], "actor": [], "date": []}
        for p in predicted_doc:
            g = next((g for g in gold_doc if p["start"] < g["end"] and g["start"] < p["end"]), None)
            if g is None:
                for field in rows:
                    rows[field].append(None)
                continue
            rows["place"].append(_event_place_right(g, places, p))
            if p.get("actor_entity_id") is None:
                rows["actor"].append(None)
            elif g.get("actor_start") is None:
                rows["actor"].append(False)
            else:
                rows["actor"].append(any(m["entity_id"] == p["actor_entity_id"] and m["start"] < g["actor_end"]
                                         and g["actor_start"] < m["end"] for m in doc_mentions))
            day = p.get("event_date")
            rows["date"].append(None if not g.get("date") or day is None
                                else day.isoformat()[:len(g["date"])] == g["date"])
        for field in rows:
            verdicts[field].append(rows[field])
    return verdicts


def _event_place_right(gold: dict, toponyms: Sequence[dict], predicted: dict) -> bool | None:
    if gold.get("place_start") is None or predicted.get("latitude") is None and predicted.get("country_code") is None:
        return None
    toponym = next((t for t in toponyms if t["start"] < gold["place_end"] and gold["place_start"] < t["end"]
                    and t.get("latitude") is not None), None)
    country = (toponym or {}).get("country_code") if (toponym or {}).get("feature_class") == "country" else None
    if country is not None:
        return predicted.get("country_code") == country
    if toponym is None:
        return None
    return same_place(toponym, predicted)
