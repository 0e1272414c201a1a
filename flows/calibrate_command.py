"""`newsfacts eval calibrate`: each field's confidence fitted on every dev gold set at once
(`tasks.eval.calibration`), written as the package's calibration file, with each set's
reliability printed twice: cross-fitted (every document scored by a model fitted without it, what
to expect on new news) and as the written model gives it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flows import eval_commands as ev

#: (field, set name, where under the dev-eval folder or the team's gold folder, format): the
#: gold each field is fitted on. `gold:` paths are globs in the team's gold folder.
CALIBRATION_SETS = (
    ("label", "CoNLL-2003 dev", "entities/conll2003-dev.txt", "conll"),
    ("label", "team entities", "gold:entities_*.jsonl", "jsonl"),
    # A mention's id, on the team's identity gold beside its entity gold (`identities_*.jsonl`).
    ("entity", "team entities", "gold:entities_*.jsonl", "jsonl"),
    ("unit", "quantulum3", "numbers", "quantulum3"),
    ("unit", "Recognizers-Text", "recognizers_text", "recognizers"),
    ("unit", "team numbers", "gold:numbers_*.jsonl", "jsonl"),
    ("object", "team numbers", "gold:numbers_*.jsonl", "jsonl"),
    ("place", "TR-News", "places/tr-news.xml", "lgl-xml"),
    ("place", "GeoVirus", "places/geovirus.xml", "geovirus-xml"),
    ("place", "team places", "gold:places_*.jsonl", "jsonl"),
    ("date", "TimeBank", "dates/timebank", "timeml"),
    ("date", "team dates", "gold:dates_*.jsonl", "jsonl"),
    ("speaker", "PolNeAR dev", "quotes/polnear-dev", "polnear"),
    ("speaker", "team quotes", "gold:quotes_*.jsonl", "jsonl"),
    # An event's place, actor and date (fields `event_place`, `event_actor`, `event_date`), on the
    # team's event gold of TR-News and GeoVirus articles, whose texts the format names.
    ("event", "TR-News events", "gold:events_tr-news.jsonl", "events:places/tr-news.xml"),
    ("event", "GeoVirus events", "gold:events_geovirus.jsonl", "events:places/geovirus.xml"),
)
#: Fields whose evidence holds other fields' confidences (a mention's label and place; an event's
#: mentions and date): judged after those are fitted and written, so they see what a run will give.
DEPENDENT_FIELDS = ("entity", "event")


def judge_set(field: str, name: str, paths: list[Path], fmt: str, corpus: str | None, model: str,
              dev: Path = Path(".")) -> dict[str, list] | None:
    """The set's judged rows (`tasks.eval.calibration.Judged`) by artefact field, through the same
    readers and pipeline slice as `newsfacts eval <target>`; None when its gold cannot be read."""
    if field == "event":
        args = argparse.Namespace(gold=[str(p) for p in paths], texts=[str(dev / fmt.removeprefix("events:"))])
        gold = ev._read_event_gold(args)
        return None if gold is None else ev.judged_events(name, gold, model)
    rows = _judge_field(field, name, paths, fmt, corpus, model)
    return None if rows is None else {field: rows}


def _judge_field(field: str, name: str, paths: list[Path], fmt: str, corpus: str | None, model: str) -> list | None:
    args = argparse.Namespace(gold=[str(p) for p in paths], corpus=corpus, format=fmt, model=model)
    if field in ("label", "entity"):
        from tasks.eval.gold import read_conll
        from tasks.pipeline.texts import run_on_texts

        gold = (ev._read_published_gold(args, lambda text, _: read_conll(text)) if fmt == "conll"
                else ev._read_gold_or_fail(args))
        identities = ev._read_identities_or_fail(paths) if field == "entity" else None
        if gold is None or identities is False:
            return None
        texts = [r["text"] for r in gold]
        expected = ([[(r["text"][s:e], label) for s, e, label in r["entities"]] for r in gold] if fmt == "conll"
                    else [[tuple(e[:3]) for e in r["entities"]] for r in gold])
        rows = run_on_texts(texts, "validate_entities", model)["entities"]
        if field == "entity":
            return ev.judged_entities(name, expected, identities, rows, texts)
        return ev.judged_labels(name, expected, rows, texts, conll=fmt == "conll")
    if field in ("unit", "object"):
        if fmt == "quantulum3":
            args.gold = [str(p) for folder in paths for p in sorted(folder.glob("quantities*.json"))]
        sets = ev._number_sets(args)
        if sets is None:
            return None
        judged = []
        for records in sets.values():
            predicted = ev.predict_numbers(model, [r["text"] for r in records])
            gold, found = ev.number_gold_and_predictions(records, predicted)
            judged += (ev.judged_units if field == "unit" else ev.judged_objects)(name, gold, found)
        return judged
    if field == "place":
        gold = ev._read_place_gold(args)
        if gold is None:
            return None
        located = ev.locate_gold_places(gold, model)
        predicted: list[list[dict]] = [[] for _ in gold]
        for row in located.iter_rows(named=True):
            if row["place_evidence"] is not None:
                predicted[int(row["doc_id"])].append(ev.place_prediction(row))
        return ev.judged_places(name, [r["places"] for r in gold], predicted)
    if field == "date":
        from tasks.pipeline.texts import run_on_texts

        gold, _ = ev._read_date_gold(args)
        if gold is None:
            return None
        numbers = run_on_texts([r["text"] for r in gold], "validate_numbers", model,
                               published=ev._document_dates(gold))["numbers"]
        return ev.judged_dates(name, [r["dates"] for r in gold], ev.date_predictions(numbers, len(gold)))
    gold = ev._read_polnear_gold(args) if fmt == "polnear" else ev._read_gold_or_fail(args)
    if gold is None:
        return None
    found = ev.predict_quotes(model, [r["text"] for r in gold])
    return ev.judged_speakers(name, [r["quotes"] for r in gold], found, 0.5 if fmt == "polnear" else 0.0)


def calibrate(args) -> int:
    from tasks.confidence.calibrated import CALIBRATION_FILE, PACKAGE_CALIBRATION, field_models

    dev, gold_dir = Path(args.dev_eval), Path(args.gold_dir)
    output = Path(args.output) if args.output else PACKAGE_CALIBRATION
    shipped = json.loads(output.read_text(encoding="utf-8")) if output.is_file() else {"fields": {}, "fitted_on": {}}
    wanted = [s for s in CALIBRATION_SETS if not args.fields or s[0] in args.fields]
    paths_of: dict[str, list[Path]] = {}
    for field, name, where, fmt in wanted:  # every set found before anything is fitted or written
        paths_of[name + field] = paths = (sorted(gold_dir.glob(where[len("gold:"):])) if where.startswith("gold:")
                                          else [dev / where])
        texts = dev / fmt.removeprefix("events:") if fmt.startswith("events:") else None
        if not paths or not all(p.exists() for p in paths):
            print(f"newsfacts: error: {name}: no {where.removeprefix('gold:')} under "
                  f"{gold_dir if where.startswith('gold:') else dev}", file=sys.stderr)
            return 2
        if texts is not None and not texts.exists():
            print(f"newsfacts: error: {name}: no {fmt.removeprefix('events:')} under {dev}", file=sys.stderr)
            return 2
        identities = ev._read_identities_or_fail(paths) if field == "entity" else True
        if identities is None:
            print(f"newsfacts: error: {name}: no identities in the records of each entity gold file under "
                  f"{gold_dir}, nor identities_*.jsonl beside it", file=sys.stderr)
        if not identities:
            return 2
    if args.fields and not set(DEPENDENT_FIELDS) <= set(args.fields) and {"label", "place", "date"} & set(args.fields):
        print("newsfacts: note: entities' and events' confidences rest on labels', places' and dates': refit "
              "them too (--fields ... entity event)", file=sys.stderr)
    for stage in ([s for s in wanted if s[0] not in DEPENDENT_FIELDS], [s for s in wanted if s[0] in DEPENDENT_FIELDS]):
        judged: dict[str, list] = {}
        for field, name, where, fmt in stage:
            by_field = judge_set(field, name, paths_of[name + field], fmt, args.corpus, args.model, dev)
            if by_field is None:
                return 2
            for judged_field, rows in by_field.items():
                judged.setdefault(judged_field, []).extend(rows)
        for field, rows in judged.items():
            if not rows:
                print(f"newsfacts: note: no {field} row the gold can judge: its model is left as it was",
                      file=sys.stderr)
                continue
            shipped["fields"][field], shipped["fitted_on"][field] = _fit_and_report(field, rows)
        if judged:
            output.write_text(json.dumps(shipped, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            print(f"wrote {output}" + ("" if output == PACKAGE_CALIBRATION else
                                        f" (runs, and entities and events judged here, use the package's "
                                        f"{CALIBRATION_FILE})"))
            field_models.cache_clear()
    return 0


def _fit_and_report(field: str, rows: list) -> tuple[dict, dict]:
    """The field's fitted model (as written) and its rows per set, after printing each set's
    reliability cross-fitted and as written."""
    from tasks.eval.calibration import cross_fitted, fit_field, format_reliability, reliability

    model = fit_field(rows)
    held_out = cross_fitted(rows)
    sets = list(dict.fromkeys(r.gold_set for r in rows))
    for name in sets:
        at = [i for i, r in enumerate(rows) if r.gold_set == name]
        right = [rows[i].right for i in at]
        print(format_reliability(f"{field}_confidence", f"{name} (cross-fitted)",
                                 reliability([held_out[i] for i in at], right)))
        print(format_reliability(f"{field}_confidence", f"{name} (as written)",
                                 reliability([model.confidence(rows[i].evidence) for i in at], right), table=False))
    return model.to_json(), {name: sum(r.gold_set == name for r in rows) for name in sets}
