"""`newsfacts eval entities|numbers|places|dates|quotes|pages`: gold read, scored through the
pipeline's steps from `extract_mentions` on, as a run runs them (`tasks.pipeline.texts`), or for
pages from reading the files to cleaning the documents, beside the peer library of each field,
printed as a table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def predict_numbers(model: str, texts: list[str]) -> list[list[dict]]:
    """The number rows a run writes for each text."""
    from tasks.pipeline.texts import by_document, run_on_texts

    rows = run_on_texts(texts, "validate_numbers", model)["numbers"]
    return [[{**row, "start": row["start_char"], "end": row["end_char"]} for row in rows_of_text]
            for rows_of_text in by_document(rows, texts)]


def _number_sets(args) -> dict[str, list[dict]] | None:
    """The number gold sets GOLD names, by name (the team's JSONL as `gold`, each quantulum3 file,
    each Recognizers-Text English spec); None, after one line saying why, when one cannot be read."""
    from tasks.eval.peers import read_quantulum_tests, read_recognizers_specs

    sets: dict[str, list[dict]] = {}
    if args.gold and args.format == "jsonl":
        gold = _read_gold_or_fail(args)
        if gold is None:
            return None
        sets["gold"] = gold
    elif args.format == "quantulum3":
        for path in map(Path, args.gold):
            records = _read_published_gold(argparse.Namespace(gold=[path]), read_quantulum_tests, ".json")
            if records is None:
                return None
            sets[f"quantulum3/{path.stem}"] = records
    recognizers = getattr(args, "recognizers", None)
    for folder in (args.gold if args.format == "recognizers" else []) + ([recognizers] if recognizers else []):
        specs = read_recognizers_specs(Path(folder))
        if not specs:
            print(f"newsfacts: error: {folder} holds no Recognizers-Text English specs (Specs/Number/English/...)",
                  file=sys.stderr)
            return None
        sets |= {f"recognizers/{name}": records for name, records in specs.items()}
    return sets


#: Kinds with calendar values, scored by `newsfacts eval dates`: left out of the number scores.
CALENDAR_KINDS = ("date", "time")


def number_gold_and_predictions(records: list[dict], predicted: list[list[dict]]) -> tuple[list, list]:
    """(gold, predictions) of a set as its scores count them: dates and times left out, with every
    prediction on one, and only the kinds the set annotates."""
    dated = [[(n["start"], n["end"]) for n in r["numbers"] if n.get("kind") in CALENDAR_KINDS] for r in records]
    gold = [[n for n in r["numbers"] if n.get("kind") not in CALENDAR_KINDS] for r in records]
    kinds = records[0].get("kinds") if records else None
    kept = [[n for n in doc if (kinds is None or n["kind"] in kinds) and n.get("kind") not in CALENDAR_KINDS
             and not any(n["start"] < end and start < n["end"] for start, end in spans)]
            for doc, spans in zip(predicted, dated, strict=True)]
    return gold, kept


def evaluate_numbers(args) -> int:
    from tasks.eval.peers import quantulum_numbers
    from tasks.eval.scoring import score_numbers

    sets = _number_sets(args)
    if sets is None:
        return 2
    if not sets:
        print("newsfacts: error: give GOLD files (or folders with --format recognizers)", file=sys.stderr)
        return 2
    print(f"{'set':<32}{'docs':>5}{'gold':>6}   {'newsfacts F1: value  +unit  +object':>36}   "
          f"{'quantulum3 F1: value  +unit':>28}")
    judged: dict[str, list] = {"unit": [], "object": []}
    for name, records in sets.items():
        texts = [r["text"] for r in records]
        gold, found = number_gold_and_predictions(records, predict_numbers(args.model, texts))
        ours = score_numbers(gold, found)
        theirs = score_numbers(gold, number_gold_and_predictions(records, [quantulum_numbers(t) for t in texts])[1],
                               with_object=False)
        has_objects = any(n.get("object") for doc in gold for n in doc)
        with_object = f"{ours['value+object'].f1:>8.3f}" if has_objects else f"{'n/a':>8}"
        print(f"{name:<32}{len(records):>5}{sum(map(len, gold)):>6}   {'':>14}"
              f"{ours['value'].f1:>7.3f}{ours['value+unit'].f1:>7.3f}{with_object}   {'':>14}"
              f"{theirs['value'].f1:>7.3f}{theirs['value+unit'].f1:>7.3f}")
        judged["unit"] += judged_units(name, gold, found)
        judged["object"] += judged_objects(name, gold, found)
    for field, rows in judged.items():
        for name in dict.fromkeys(j.gold_set for j in rows):
            print_reliability(f"{field}_confidence", name, [j for j in rows if j.gold_set == name])
    return 0


def judged_units(gold_set: str, gold: list, found: list) -> list:
    """Each number's unit the gold can judge, with its evidence, confidence and verdict."""
    from tasks.eval.scoring import judge_number_field

    return _judged(gold_set, "unit", found, judge_number_field(gold, found, "unit"))


def judged_objects(gold_set: str, gold: list, found: list) -> list:
    """Each number's counted object the gold can judge (gold that annotates objects), with its
    evidence, confidence and verdict."""
    from tasks.eval.scoring import judge_number_field

    if not any(n.get("object") for doc in gold for n in doc):
        return []
    return _judged(gold_set, "object", found, judge_number_field(gold, found, "object"))


def evaluate_entities(args) -> int:
    if args.format == "conll":
        return evaluate_conll_entities(args)
    import polars as pl

    from tasks.eval.scoring import format_comparison, score_spans
    from tasks.nlp.model import annotate_texts, components_for, load_model
    from tasks.pipeline.texts import run_on_texts

    gold = _read_gold_or_fail(args)
    identities = _read_identities_or_fail(args.gold)
    if gold is None or identities is False:
        return 2
    nlp = load_model(args.model)
    texts = [record["text"] for record in gold]
    expected = [[tuple(e[:3]) for e in record["entities"]] for record in gold]
    # The model's NER alone, beside the entity rows a run writes (NER, corrections, sentences).
    docs = annotate_texts(nlp, texts, components_for(nlp, ["ner"]))
    columns = {"spaCy": score_spans(expected, [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs])}
    rows = run_on_texts(texts, "validate_entities", args.model)["entities"]
    predicted: list[list[tuple]] = [[] for _ in texts]
    for doc_id, start, end, label in rows.select("doc_id", "start_char", "end_char", "label").iter_rows():
        predicted[int(doc_id)].append((start, end, label))
    columns["newsfacts"] = score_spans(expected, predicted)
    print(f"{len(gold)} documents, model {args.model}")
    print(format_comparison(columns))
    print_reliability("label_confidence", _gold_name(args), judged_labels(_gold_name(args), expected, rows, texts))
    if identities is None:
        print("entity ids: not judged (no \"identities\" in the gold records, nor identities_*.jsonl beside them)")
        return 0
    judged = judged_entities(_gold_name(args), expected, identities, rows, texts)
    # Beside an id per exact spelling and label, what joining names by string gives.
    spelled = judged_entities(_gold_name(args), expected, identities, rows.with_columns(
        entity_id=pl.concat_str("label", "text", separator="|")), texts)
    print(f"entity ids: {_share(judged)} mentions on gold spans right (one id per spelling: {_share(spelled)}): "
          "the id most of their entity's mentions have, standing mostly for that entity")
    print_reliability("entity_confidence", _gold_name(args), judged)
    return 0


def judged_labels(gold_set: str, expected: list, rows, texts: list[str], conll: bool = False) -> list:
    """Each entity mention the gold can judge (its span and label; for CoNLL-2003 its surface and
    CoNLL label in the document's bag), with its evidence, confidence and verdict."""
    from tasks.eval.scoring import CONLL_LABELS, judge_bag_labels, judge_labels
    from tasks.pipeline.texts import by_document

    predicted = [[{"start": r["start_char"], "end": r["end_char"], "surface": r["text"],
                   "label": CONLL_LABELS.get(r["label"], "") if conll else r["label"],
                   "label_confidence": r["label_confidence"], "label_evidence": r["label_evidence"]}
                  for r in doc_rows] for doc_rows in by_document(rows, texts)]
    verdicts = judge_bag_labels(expected, predicted) if conll else judge_labels(expected, predicted)
    return _judged(gold_set, "label", predicted, verdicts)


def _share(judged: list) -> str:
    """`right of rows (share)` of judged rows."""
    right = sum(j.right for j in judged)
    return f"{right} of {len(judged)} ({right / max(len(judged), 1):.3f})"


def judged_entities(gold_set: str, expected: list, identities: list, rows, texts: list[str]) -> list:
    """Each entity mention on a gold span whose id the identity gold can judge, with its evidence,
    confidence and verdict (`tasks.eval.scoring.judge_entities`, over the whole set)."""
    from tasks.eval.scoring import judge_entities
    from tasks.pipeline.texts import by_document

    predicted = [[{"start": r["start_char"], "end": r["end_char"], "entity_id": r["entity_id"],
                   "entity_confidence": r["entity_confidence"], "entity_evidence": r["entity_evidence"]}
                  for r in doc_rows] for doc_rows in by_document(rows, texts)]
    return _judged(gold_set, "entity", predicted, judge_entities(expected, identities, predicted))


def evaluate_conll_entities(args) -> int:
    """CoNLL-2003 gold: a bag of (surface, label) per document, the pipeline's labels as CoNLL's,
    beside the raw model's NER."""
    from tasks.eval.gold import read_conll
    from tasks.eval.scoring import CONLL_LABELS, format_comparison, score_bags
    from tasks.nlp.model import annotate_texts, components_for, load_model
    from tasks.pipeline.texts import by_document, run_on_texts

    gold = _read_published_gold(args, lambda text, name: read_conll(text))
    if gold is None:
        return 2
    texts = [record["text"] for record in gold]
    expected = [[(text[start:end], label) for start, end, label in record["entities"]]
                for text, record in zip(texts, gold, strict=True)]
    nlp = load_model(args.model)
    docs = annotate_texts(nlp, texts, components_for(nlp, ["ner"]))
    raw = [[(e.text, CONLL_LABELS.get(e.label_, "")) for e in doc.ents] for doc in docs]
    rows = run_on_texts(texts, "validate_entities", args.model)["entities"]
    ours = [[(row["text"], CONLL_LABELS.get(row["label"], "")) for row in rows_of_text]
            for rows_of_text in by_document(rows, texts)]
    print(f"{len(gold)} documents, {sum(map(len, expected))} gold entities, model {args.model}; "
          "a bag of (surface, label) per document")
    print(format_comparison({"spaCy": score_bags(expected, raw), "newsfacts": score_bags(expected, ours)}))
    print_reliability("label_confidence", _gold_name(args),
                      judged_labels(_gold_name(args), expected, rows, texts, conll=True))
    return 0


def _read_published_gold(args, parse, suffix: str = "") -> list[dict] | None:
    """Gold in the format its set is published in: each GOLD file (a folder stands for its files
    ending in `suffix`, in name order) read as UTF-8 and parsed by `parse(text, name)` into
    records; None, after one line saying why, when one cannot be."""
    from tasks.io import read_text

    paths = [file for path in map(Path, args.gold)
             for file in (sorted(path.glob(f"*{suffix}")) if path.is_dir() else [path])]
    try:
        return [record for path in paths for record in parse(read_text(path), path.stem)]
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        print(f"newsfacts: error: {exc}", file=sys.stderr)
        return None


def _read_identities_or_fail(paths) -> list[list[str]] | None | bool:
    """The entity gold files' identity gold, in their records or beside them
    (`tasks.io.read_identities`); None where there is none; False, after one line saying why, when
    it cannot be read or does not line up."""
    from tasks.io import read_identities

    try:
        return read_identities([Path(p) for p in paths])
    except (ValueError, OSError, KeyError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"newsfacts: error: identity gold: {exc!r}" if isinstance(exc, KeyError | TypeError)
              else f"newsfacts: error: {exc}", file=sys.stderr)
        return False


def _read_gold_or_fail(args) -> list[dict] | None:
    from tasks.documents.clean import clean_text
    from tasks.io import read_gold

    try:
        return read_gold([Path(p) for p in args.gold], Path(args.corpus) if args.corpus else None, clean_text)
    except (ValueError, OSError) as exc:
        print(f"newsfacts: error: {exc}", file=sys.stderr)
        return None


def evaluate_places(args) -> int:
    import polars as pl

    from tasks.entities.gazetteer import place_candidates
    from tasks.entities.places import PlaceMention, place_fields, resolve_document_places
    from tasks.eval.scoring import score_places, score_toponyms
    from tasks.pipeline.texts import by_document

    gold = _read_place_gold(args)
    if gold is None:
        return 2
    expected = [record["places"] for record in gold]

    def described(start, end, place):
        fields = place_fields(place.external_id) if place is not None else {}
        external = place and place.external_id
        return {"start": start, "end": end, **fields,
                "geonames_id": int(external.split(":")[1]) if external and external.startswith("geonames:") else None}

    def most_populous(text):
        candidates = place_candidates(text)
        return max(candidates, key=lambda p: p.population, default=None)

    ours, naive = [], []
    for record, places in zip(gold, expected, strict=True):
        mentions = [PlaceMention(g["start"], g["end"], g["text"], g["label"]) for g in places]
        found = resolve_document_places(record["text"], record.get("dateline"), mentions).places
        ours.append([described(m.start, m.end, p) for m, p in zip(mentions, found, strict=True)])
        naive.append([described(m.start, m.end, most_populous(m.text)) for m in mentions])
    texts = [record["text"] for record in gold]
    located = locate_gold_places(gold, args.model)
    end_to_end: list[list[dict]] = [[] for _ in texts]
    naive_end_to_end: list[list[dict]] = [[] for _ in texts]
    for row in located.filter(pl.col("label").is_in(["GPE", "LOC", "FAC"])).iter_rows(named=True):
        i, span = int(row["doc_id"]), (row["start_char"], row["end_char"])
        end_to_end[i].append(place_prediction(row))
        naive_end_to_end[i].append(described(*span, most_populous(row["text"])))
    scores = {"gold spans": (score_places(expected, ours), score_places(expected, naive)),
              "end to end": (score_places(expected, end_to_end), score_places(expected, naive_end_to_end))}
    print(f"{len(gold)} documents, {scores['gold spans'][0].total} gold place mentions with a location, "
          f"model {args.model}; right = within 161 km, same country or same GeoNames id")
    print(f"{'':<12}{'newsfacts':>12}{'most populous':>16}")
    for name, (mine, baseline) in scores.items():
        print(f"{name:<12}{mine.value:>12.3f}{baseline.value:>16.3f}")
    if args.format != "jsonl":
        anywhere = [[{"start": row["start_char"], "end": row["end_char"], "latitude": row["latitude"],
                      "longitude": row["longitude"]} for row in rows] for rows in by_document(located, texts)]
        accuracy, recall = score_toponyms(expected, anywhere)
        print(f"as geoparsing benchmarks score it (within 161 km of the gold coordinates, any located mention): "
              f"accuracy {accuracy.value:.3f} over the {accuracy.total} toponyms located, "
              f"recall {recall.value:.3f} over all {recall.total}")
    print_reliability("place_confidence", _gold_name(args), judged_places(_gold_name(args), expected, end_to_end))
    return 0


def _read_place_gold(args) -> list[dict] | None:
    from tasks.eval.gold import read_toponyms

    return (_read_gold_or_fail(args) if args.format == "jsonl"
            else _read_published_gold(args, lambda text, name: read_toponyms(text), ".xml"))


def locate_gold_places(gold: list[dict], model: str):
    """The entity rows a run writes for the gold texts, with their datelines and dates."""
    from tasks.pipeline.texts import run_on_texts

    return run_on_texts([record["text"] for record in gold], "validate_entities", model,
                        datelines=[r.get("dateline") for r in gold],
                        published=[r.get("published_date") for r in gold])["entities"]


def place_prediction(row: dict) -> dict:
    """An entity row as a predicted place for scoring, with its confidence and evidence."""
    external = row["external_id"]
    return {"start": row["start_char"], "end": row["end_char"],
            **{k: row[k] for k in ("latitude", "longitude", "country_code", "admin1_code", "feature_class",
                                   "place_confidence", "place_evidence")},
            "geonames_id": int(external.split(":")[1]) if external and external.startswith("geonames:") else None}


def judged_places(gold_set: str, expected: list[list[dict]], predicted: list[list[dict]]) -> list:
    """Each resolved place the gold can judge, with its evidence, confidence and verdict."""
    from tasks.eval.scoring import judge_places

    return _judged(gold_set, "place", predicted, judge_places(expected, predicted))


def _judged(gold_set: str, field: str, predicted: list[list[dict]], verdicts: list[list[bool | None]]) -> list:
    """`tasks.eval.calibration.Judged` rows of the predictions with evidence that have a verdict."""
    import json

    from tasks.eval.calibration import Judged

    return [Judged(gold_set, str(i), json.loads(p[f"{field}_evidence"]), p[f"{field}_confidence"], verdict)
            for i, (rows, doc_verdicts) in enumerate(zip(predicted, verdicts, strict=True))
            for p, verdict in zip(rows, doc_verdicts, strict=True)
            if verdict is not None and p.get(f"{field}_evidence") is not None]


def print_reliability(field: str, gold_set: str, judged: list) -> None:
    """The field's reliability table on the set, as the run's confidences give it."""
    from tasks.eval.calibration import format_reliability, reliability

    rated = [j for j in judged if j.confidence is not None]
    if rated:
        print(format_reliability(field, gold_set, reliability([j.confidence for j in rated], [j.right for j in rated])))
    else:
        print(f"{field} on {gold_set}: no calibrated rows (no model shipped for it)")


def _gold_name(args) -> str:
    """The set's name for the tables: its file or folder name (the first when several)."""
    names = [Path(p).name for p in args.gold]
    return names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "")


def evaluate_dates(args) -> int:
    import polars as pl

    from tasks.eval.peers import dateparser_value
    from tasks.eval.scoring import score_dates
    from tasks.numbers.dates import clause_around, resolve_date
    from tasks.pipeline.texts import run_on_texts

    gold, durations = _read_date_gold(args)
    if gold is None:
        return 2
    texts = [record["text"] for record in gold]
    anchors = _document_dates(gold)
    expected = [record["dates"] for record in gold]
    numbers = run_on_texts(texts, "validate_numbers", args.model, published=anchors)["numbers"]
    ours = date_predictions(numbers, len(texts))
    on_spans, baseline = [], []
    for text, anchor, dates in zip(texts, anchors, expected, strict=True):
        on_spans.append([{**g, "value": resolve_date(g["surface"], anchor,
                                                      clause_around(text, g["start"], g["end"]))[0]} for g in dates])
        baseline.append([{**g, "value": dateparser_value(g["surface"], anchor)} for g in dates])
    mine, given, theirs = (score_dates(expected, p) for p in (ours, on_spans, baseline))
    found = mine["found"]
    print(f"{len(gold)} documents, {found.support} gold expressions, {mine['value'].total} with a value, "
          f"model {args.model}")
    print(f"newsfacts end to end: found P {found.precision:.3f} R {found.recall:.3f} F1 {found.f1:.3f}; "
          f"value accuracy {mine['value'].value:.3f}")
    print(f"value accuracy given the gold expressions: newsfacts {given['value'].value:.3f}, "
          f"dateparser {theirs['value'].value:.3f}")
    if args.format != "jsonl":
        lengths: list[list[dict]] = [[] for _ in texts]
        for doc_id, start, end, value in numbers.filter(pl.col("kind") == "duration").select(
                "doc_id", "start_char", "end_char", "date_value").iter_rows():
            lengths[int(doc_id)].append({"start": start, "end": end, "value": value})
        spans = score_dates(durations, lengths)
        print(f"durations (TimeML DURATION, {spans['found'].support}): found P {spans['found'].precision:.3f} "
              f"R {spans['found'].recall:.3f}; value accuracy {spans['value'].value:.3f}")
    print_reliability("date_confidence", _gold_name(args), judged_dates(_gold_name(args), expected, ours))
    return 0


def _read_date_gold(args) -> tuple[list[dict] | None, list[list[dict]] | None]:
    """(records, TimeML's DURATION expressions of each): a record's `dates` are the expressions a
    calendar value is scored for (TimeML's DATE and TIME)."""
    from tasks.eval.gold import read_timeml

    if args.format == "jsonl":
        return _read_gold_or_fail(args), None
    gold = _read_published_gold(args, lambda text, name: [read_timeml(text, name)], ".tml")
    durations = gold and [[d for d in record["dates"] if d["type"] == "DURATION"] for record in gold]
    return gold and [record | {"dates": [d for d in record["dates"] if d["type"] in ("DATE", "TIME")]}
                     for record in gold], durations


def _document_dates(gold: list[dict]) -> list:
    import datetime as dt

    return [dt.date.fromisoformat(r["document_date"]) if r.get("document_date") else None for r in gold]


def date_predictions(numbers, documents: int) -> list[list[dict]]:
    """Each text's dates and times as predicted values for scoring, with confidence and evidence."""
    import polars as pl

    ours: list[list[dict]] = [[] for _ in range(documents)]
    for row in numbers.filter(pl.col("kind").is_in(["date", "time"])).iter_rows(named=True):
        ours[int(row["doc_id"])].append({"start": row["start_char"], "end": row["end_char"], "value": row["date_value"],
                                         "date_confidence": row["date_confidence"],
                                         "date_evidence": row["date_evidence"]})
    return ours


def judged_dates(gold_set: str, expected: list[list[dict]], predicted: list[list[dict]]) -> list:
    """Each resolved date the gold can judge, with its evidence, confidence and verdict."""
    from tasks.eval.scoring import judge_dates

    return _judged(gold_set, "date", predicted, judge_dates(expected, predicted))


def judged_speakers(gold_set: str, expected: list[list[dict]], predicted: list[list[dict]], cover: float) -> list:
    """Each quote's speaker the gold can judge, with its evidence, confidence and verdict."""
    from tasks.eval.scoring import judge_speakers

    return _judged(gold_set, "speaker", predicted, judge_speakers(expected, predicted, cover))


def predict_quotes(model: str, texts: list[str]) -> list[list[dict]]:
    """The quote rows a run writes for each text, each with the names its speaker goes by in the
    document (`speaker_names`: the catalog name and every spelling of that entity there)."""
    import polars as pl

    from tasks.pipeline.texts import run_on_texts

    values = run_on_texts(texts, "validate_quotes", model)
    linked = values["entities"]
    names = {(doc_id, entity_id): spellings for doc_id, entity_id, spellings in linked.group_by(
        "doc_id", "entity_id").agg(pl.col("text").unique()).iter_rows()}
    grouped: list[list[dict]] = [[] for _ in texts]
    for row in values["quotes"].iter_rows(named=True):
        spellings = names.get((row["doc_id"], row["speaker_entity_id"]), [])
        grouped[int(row["doc_id"])].append({
            **row, "start": row["start_char"], "end": row["end_char"],
            "speaker_names": [n for n in [row["speaker_name"], *spellings] if n]})
    return grouped


def _read_polnear_gold(args) -> list[dict] | None:
    """PolNeAR's articles under each GOLD folder (`text/NAME.txt` with `attributions/NAME_*.ann`),
    as `tasks.eval.gold.read_polnear` reads them; None, after one line saying why, when one cannot be."""
    from tasks.eval.gold import read_polnear
    from tasks.io import read_text

    records = []
    for root in map(Path, args.gold):
        annotations = sorted((root / "attributions").glob("*.ann"))
        if not annotations:
            print(f"newsfacts: error: {root} holds no attributions/*.ann: give a PolNeAR folder "
                  "(e.g. ../shared/dev-eval/quotes/polnear-dev)", file=sys.stderr)
            return None
        # An article annotated twice is scored once, on its first annotator's attributions.
        firsts = {path.stem.rsplit("_", 1)[0]: path for path in reversed(annotations)}
        for path in sorted(firsts.values()):
            article = root / "text" / f"{path.stem.rsplit('_', 1)[0]}.txt"
            try:
                records.append(read_polnear(read_text(article), read_text(path), path.stem))
            except (ValueError, OSError, UnicodeDecodeError) as exc:
                print(f"newsfacts: error: {exc}", file=sys.stderr)
                return None
    return records


def evaluate_quotes(args) -> int:
    from collections import Counter

    import spacy

    from tasks.eval.peers import textacy_quotes
    from tasks.eval.scoring import score_quotes

    polnear = args.format == "polnear"
    gold = _read_polnear_gold(args) if polnear else _read_gold_or_fail(args)
    if gold is None:
        return 2
    texts = [record["text"] for record in gold]
    expected = [record["quotes"] for record in gold]
    # PolNeAR's measure: a quote is found when a prediction covers half of it.
    cover = 0.5 if polnear else 0.0
    found = predict_quotes(args.model, texts)
    ours = score_quotes(expected, found, cover)
    textacy_found, refused = textacy_quotes(list(spacy.load(args.model).pipe(texts)))
    theirs = score_quotes(expected, textacy_found, cover)
    print(f"{len(gold)} documents, {ours['found'].support} gold quotes, {ours['speaker'].total} with a named "
          f"speaker, model {args.model}")
    print(f"{'':<28}{'newsfacts':>10}{'textacy':>10}")
    rows = [("quote precision", ours["found"].precision, theirs["found"].precision),
            ("quote recall", ours["found"].recall, theirs["found"].recall),
            ("speaker accuracy", ours["speaker"].value, theirs["speaker"].value),
            ("speaker span accuracy", ours["speaker_span"].value, theirs["speaker_span"].value)]
    if polnear:
        rows.append(("found with right speaker", ours["found_with_speaker"].value,
                     theirs["found_with_speaker"].value))
    for name, mine, baseline in rows:
        print(f"{name:<28}{mine:>10.3f}{baseline:>10.3f}")
    types = Counter(row["speaker_type"] or "no speaker" for rows in found for row in rows)
    print("newsfacts' sources: " + ", ".join(f"{kind} {types[kind]}" for kind in
                                             ("person", "organisation", "group", "document", "no speaker")))
    if refused:
        print(f"textacy refused {refused} of {len(gold)} documents (an odd number of quotation marks): no quotes there")
    print_reliability("speaker_confidence", _gold_name(args), judged_speakers(_gold_name(args), expected, found, cover))
    return 0


def _read_event_gold(args) -> list[dict] | None:
    """Event gold records (`bench/gold/EVENTS_GUIDELINES.md`) with their article's text, date and
    gold toponyms from the XML sets given by --texts; None, after one line saying why, when a file
    cannot be read or an article is missing or differs."""
    import hashlib

    from tasks.eval.gold import read_toponyms
    from tasks.io import jsonl_records

    if not args.texts:
        print("newsfacts: error: give --texts XML, the TR-News or GeoVirus file the gold's articles come from "
              "(e.g. ../shared/dev-eval/places/tr-news.xml)", file=sys.stderr)
        return None
    articles = _read_published_gold(argparse.Namespace(gold=args.texts), lambda text, name: [
        {**record, "set": name} for record in read_toponyms(text)], ".xml")
    if articles is None:
        return None
    by_id = {(a["set"].replace("_", "-"), a["id"]): a for a in articles}
    records = []
    try:
        for path in map(Path, args.gold):
            for number, gold in jsonl_records(path):
                article = by_id.get((gold["set"], gold["id"]))
                if article is None:
                    raise ValueError(f"{path}:{number}: article {gold['set']}/{gold['id']} is in none of the --texts")
                if hashlib.sha256(article["text"].encode("utf-8")).hexdigest() != gold["sha256"]:
                    raise ValueError(f"{path}:{number}: article {gold['id']} differs from the one annotated")
                records.append({**article, "events": gold["events"]})
    except (OSError, ValueError, KeyError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"newsfacts: error: {exc}", file=sys.stderr)
        return None
    return records


#: An event's confidence fields (as `newsfacts eval calibrate` fits them), by the column they qualify
#: in the events table (`place_confidence`, `actor_confidence`, `event_date_confidence`).
EVENT_COLUMNS = {"event_place": "place", "event_actor": "actor", "event_date": "event_date"}


def judged_events(gold_set: str, gold: list[dict], model: str, with_found: bool = False):
    """Each event's place, actor and date the gold can judge, by artefact field (`event_place`,
    `event_actor`, `event_date`), from the events a run writes for the gold's articles (and, with
    `with_found`, how many gold events a predicted event overlaps)."""
    from tasks.eval.scoring import judge_events
    from tasks.pipeline.texts import by_document, run_on_texts

    texts = [r["text"] for r in gold]
    values = run_on_texts(texts, "validate_events", model, published=[r.get("published_date") for r in gold])
    predicted = [[{**row, "start": row["start_char"], "end": row["end_char"]} for row in rows]
                 for rows in by_document(values["events"], texts)]
    mentions = [[{"start": m["start_char"], "end": m["end_char"], "entity_id": m["entity_id"]} for m in rows]
                for rows in by_document(values["entities"], texts)]
    verdicts = judge_events([r["events"] for r in gold], [r["places"] for r in gold], predicted, mentions)
    judged = {field: _judged(gold_set, column, predicted, verdicts[field.removeprefix("event_")])
              for field, column in EVENT_COLUMNS.items()}
    if not with_found:
        return judged
    found = sum(any(p["start"] < g["end"] and g["start"] < p["end"] for p in rows)
                for record, rows in zip(gold, predicted, strict=True) for g in record["events"])
    return judged, found


def evaluate_events(args) -> int:
    gold = _read_event_gold(args)
    if gold is None:
        return 2
    judged, found = judged_events(_gold_name(args), gold, args.model, with_found=True)
    print(f"{len(gold)} documents, {sum(len(r['events']) for r in gold)} gold events, model {args.model}; "
          "an event's place, actor and date scored where it overlaps a gold event's count")
    print(f"gold events with a predicted event on their count: {found}")
    for field, rows in judged.items():
        right = sum(j.right for j in rows)
        print(f"{field.removeprefix('event_')} right: {right} of {len(rows)} judged"
              + (f" ({right / len(rows):.3f})" if rows else ""))
    for field, rows in judged.items():
        print_reliability(f"{EVENT_COLUMNS[field]}_confidence", _gold_name(args), rows)
    return 0


def extract_pages(paths: list[Path]) -> tuple[list[str | None], dict[str, str]]:
    """The text a run writes for each page (None when it quarantines it), through the pipeline's
    steps from reading the files to cleaning the documents, and each quarantined page's reason."""
    from tasks.config import RunConfig
    from tasks.pipeline.declaration import steps_between
    from tasks.pipeline.known import KnownDocuments
    from tasks.pipeline.runner import Runner

    folder = str(paths[0].parent) if paths else "."
    values = {"entries": list(paths), "known": KnownDocuments()}
    outcome = Runner(RunConfig(inputs=[folder])).run(steps_between("read_files", "clean_documents"), values)
    documents = outcome.values["documents"]
    texts = dict(zip(documents["source_path"], documents["text"], strict=True))
    reasons = {row["source_path"]: row["reason"] for held in outcome.held for row in held.iter_rows(named=True)}
    return [texts.get(str(path)) for path in paths], {Path(p).name: r for p, r in reasons.items() if p}


def _read_pages_gold(args) -> list[dict] | None:
    """The page gold records with their pages' bytes (`tasks.io.read_page_gold`); None, after one
    line saying why, when a gold file cannot be read or a page is missing or differs."""
    from tasks.io import read_page_gold

    if not args.pages:
        print("newsfacts: error: give --pages DIR, the folder of the pages the gold names "
              "(python -m bench.real_pages DIR unpacks them)", file=sys.stderr)
        return None
    try:
        return read_page_gold([Path(p) for p in args.gold], Path(args.pages))
    except (OSError, ValueError, KeyError) as exc:
        print(f"newsfacts: error: {exc} (python -m bench.real_pages DIR unpacks the pages)", file=sys.stderr)
        return None


def evaluate_pages(args) -> int:
    import unicodedata

    from tasks.eval.peers import trafilatura_default
    from tasks.eval.scoring import score_page_texts
    from tasks.ingest.decode import decode_bytes

    gold = _read_pages_gold(args)
    if gold is None:
        return 2
    paths = [Path(args.pages) / record["page"] for record in gold]
    expected = ["\n\n".join(record["body"]) or None for record in gold]
    ours, reasons = extract_pages(paths)
    theirs = [trafilatura_default(decode_bytes(record["data"]).text) if record["data"] else None for record in gold]
    # Compared after NFKC, as a run cleans its documents: `６月` and `6月` are one word to a reader.
    expected, ours, theirs = ([unicodedata.normalize("NFKC", text) if text else None for text in texts]
                              for texts in (expected, ours, theirs))
    articles = [i for i, record in enumerate(gold) if record["kind"] == "article"]
    print(f"{len(articles)} article pages, {len(gold) - len(articles)} pages with no article")
    print(f"{'':<32}{'newsfacts':>10}{'trafilatura':>12}")
    scores = [score_page_texts([expected[i] for i in articles], [found[i] for i in articles]) for found in (ours,
                                                                                                          theirs)]
    for name in ("precision", "recall", "f1"):
        print(f"{'shingle ' + name:<32}{scores[0][name]:>10.3f}{scores[1][name]:>12.3f}")
    written = [sum(found[i] is not None for i in articles) for found in (ours, theirs)]
    print(f"{'article pages with a text':<32}{written[0]:>10}{written[1]:>12}")
    others = [i for i in range(len(gold)) if i not in articles]
    if others:
        wrote = [sum(found[i] is not None for i in others) for found in (ours, theirs)]
        print(f"{'pages with no article, a text':<32}{wrote[0]:>10}{wrote[1]:>12}")
    for i in articles:
        if ours[i] is None:
            print(f"not written: {gold[i]['page']} ({reasons.get(gold[i]['page'], 'no document')})")
    return 0
