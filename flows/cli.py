"""The `newsfacts` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

def add_gold_arguments(parser: argparse.ArgumentParser, nargs: str, default_model: str) -> None:
    """The arguments every `eval` target takes: gold files, the corpus they point into, the model."""
    parser.add_argument("gold", nargs=nargs, metavar="GOLD", help="gold JSONL files")
    parser.add_argument("--corpus", metavar="DIR", default=None,
                        help="directory that gold records' 'source' paths are relative to (e.g. ../shared/corpus/bbc)")
    parser.add_argument("--model", default=default_model, metavar="NAME",
                        help=f"installed spaCy pipeline to score (default: {default_model})")


def positive_seconds(text: str) -> float:
    """A number of seconds above 0, for argparse."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected seconds above 0, not {text!r}")
    return value


def add_output_argument(parser: argparse.ArgumentParser) -> None:
    """--output: the output directory whose tables a command reads or rewrites."""
    parser.add_argument("--output", "-o", default="data", metavar="DIR", help="output directory (default: data/)")


def build_parser() -> argparse.ArgumentParser:
    from tasks.config import add_run_options
    from tasks.defaults import DEFAULT_MODEL

    parser = argparse.ArgumentParser(
        prog="newsfacts",
        description="Turn news articles into validated Parquet tables of entities and numbers.",
    )
    debug_help = "on a failure, print Python's traceback besides the one-line message"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    # `--debug` after the command too (`newsfacts run --debug`), without overriding one before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", parents=[common], help="run the pipeline flow once",
        description="Run the news-pipeline Prefect flow once: read the inputs in batches, ingest, clean, extract "
                    "entities and numbers, validate each stage with Great Expectations and write each batch's "
                    "Parquet tables at once. Input files already read, unchanged, are skipped unread.",
    )
    add_run_options(run)
    run.add_argument("--quiet", "-q", action="store_true",
                     help="no progress bar and no quarantine lines while running (the bar shows only on a terminal)")
    server = commands.add_parser(
        "server", parents=[common], help="start a Prefect server (API and UI) on this machine",
        description="Start `prefect server start` with the project's settings: bound to 127.0.0.1, telemetry "
                    "off, SQLite under PREFECT_HOME unless --database-url names another database.",
    )
    server.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    server.add_argument("--port", type=int, default=4200, help="port (default: 4200)")
    server.add_argument("--database-url", metavar="URL", default=None,
                        help="SQLAlchemy URL of the server's database, e.g. "
                             "postgresql+asyncpg://user:password@127.0.0.1:5432/prefect (default: SQLite)")
    background = server.add_mutually_exclusive_group()
    background.add_argument("--status", action="store_true",
                            help="say whether the local server that `newsfacts run` starts when no Prefect API "
                                 "is configured runs for this Prefect home, and where, then exit")
    background.add_argument("--stop", action="store_true",
                            help="stop that local server (it stops by itself once unused for 10 minutes), then exit")
    serve = commands.add_parser(
        "serve", parents=[common], help="serve the flow as a scheduled Prefect deployment",
        description="Serve a deployment of the news-pipeline flow on a schedule (Prefect's `Runner`); runs "
                    "until stopped. Needs a Prefect server: start `newsfacts server` and set PREFECT_API_URL "
                    "(e.g. http://127.0.0.1:4200/api). Every parameter can be edited per run in the UI.",
    )
    add_run_options(serve)
    schedule = serve.add_mutually_exclusive_group(required=True)
    schedule.add_argument("--cron", metavar="CRON", help='schedule, e.g. "*/15 * * * *" (UTC)')
    schedule.add_argument("--interval", type=positive_seconds, metavar="SECONDS",
                          help="schedule: a run every SECONDS seconds, the first one SECONDS from now")
    serve.add_argument("--name", default="news-pipeline", help="deployment name (default: news-pipeline)")
    serve.add_argument("--notify-webhook", metavar="URL", default=None,
                       help="also set up a Prefect automation that POSTs {\"subject\", \"body\"} JSON to URL "
                            "(through a custom webhook notification block) whenever a run of this deployment "
                            "fails a quality gate or fails")
    serve.add_argument("--on-overlap", choices=("skip", "queue"), default="skip",
                       help="runs of the deployment never overlap (a deployment concurrency limit of 1): a run "
                            "due while another is running is cancelled (skip: the next run picks up what it "
                            "would have read) or waits for it (queue) (default: %(default)s)")
    prefect_yaml = commands.add_parser(
        "prefect-yaml", parents=[common], help="print prefect.yaml, generated from the run configuration",
        description="Print the prefect.yaml that `prefect deploy --all` reads: the news-pipeline deployment with "
                    "every run parameter at its default, its schedule and its concurrency limit.",
    )
    prefect_yaml.add_argument("--write", metavar="PATH", nargs="?", const="prefect.yaml", default=None,
                              help="write it to PATH (default: prefect.yaml) instead of printing it")
    schema = commands.add_parser(
        "schema", parents=[common], help="print the data contract: tables, columns, types, keys, meanings",
        description="Print the data contract of the tables newsfacts writes (the text of docs/data-contract.md), "
                    "or with --json the contract stored with a dataset in _contract.json.",
    )
    schema.add_argument("--json", action="store_true", help="the machine-readable contract (versions, columns, types)")
    query = commands.add_parser(
        "query", parents=[common], help="run DuckDB SQL over the tables",
        description="Run one DuckDB SQL statement over the tables of an output directory, each registered as a "
                    "view named after it (documents, entities, numbers, quarantine, entity_catalog; the "
                    "published_month partition column included), and print the result.",
    )
    query.add_argument("sql", metavar="SQL", help='e.g. "SELECT label, count(*) FROM entities GROUP BY ALL"')
    add_output_argument(query)
    query.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="table (default, for people), csv or json (one object per row, for tools)")
    query.add_argument("--max-rows", type=int, default=100, metavar="N",
                       help="rows shown in table format (default: 100; csv and json print all)")
    compact = commands.add_parser(
        "compact", parents=[common], help="merge each partition's small files into few large ones",
        description="Rewrite every partition holding more than one file (many small runs leave many small "
                    "files) as files of at most --target-rows rows, sorted, with the same rows; the new files "
                    "replace the old ones all at once. Takes the output directory's lock like a run.",
    )
    add_output_argument(compact)
    compact.add_argument("--target-rows", type=int, default=None, metavar="ROWS",
                         help="largest file, in rows (default: 1,000,000)")
    migrate = commands.add_parser(
        "migrate", parents=[common], help="rewrite a dataset written under an older schema to the current one",
        description="Rewrite every table file of a dataset to this newsfacts's contract (schema version, "
                    "partitioning, columns, metadata), atomically, and store the new contract. Runs refuse a "
                    "dataset of another major schema version until it is migrated. From 1.x to 2.0 it resolves "
                    "places and dates and derives events from what is stored, and extracts numbers again "
                    "(with the spaCy model).",
    )
    add_output_argument(migrate)
    migrate.add_argument("--model", default=DEFAULT_MODEL, metavar="NAME",
                         help="spaCy pipeline to extract numbers again with, from schema 1.x to 2.0 "
                              f"(default: {DEFAULT_MODEL}, what runs use)")
    evaluate = commands.add_parser(
        "eval", parents=[common], help="score extraction against hand-annotated gold",
        description="Score the pipeline against gold annotations, beside the raw spaCy model.",
    )
    targets = evaluate.add_subparsers(dest="target", required=True, metavar="TARGET")
    entities = targets.add_parser(
        "entities", parents=[common], help="named entities: per-label precision, recall and F1 (exact span and label)",
        description="Score PERSON/NORP/ORG/GPE/LOC mentions (exact span and label) of the raw spaCy model "
                    "and of the pipeline (model + newsfacts corrections) against gold JSONL: "
                    '{"id", "text", "entities": [[start, end, label], ...]}; records may give "source" and '
                    '"sha256" instead of "text" (see --corpus).',
    )
    add_gold_arguments(entities, "+", DEFAULT_MODEL)
    numbers = targets.add_parser(
        "numbers", parents=[common], help="numbers: value, value+unit and value+object P/R/F1, beside quantulum3",
        description="Score number mentions other than dates and times (a prediction matches a gold mention when "
                    "the spans overlap and the values agree) against gold JSONL ({\"id\", \"text\" or "
                    "\"source\"+\"sha256\", \"numbers\": [{\"start\", \"end\", \"value\", \"value_low\", "
                    "\"value_high\", \"unit\", \"object\", ...}]}) "
                    "and/or Microsoft Recognizers-Text's English specs, with quantulum3's scores beside.",
    )
    add_gold_arguments(numbers, "*", DEFAULT_MODEL)
    numbers.add_argument("--recognizers", metavar="DIR", default=None,
                         help="Recognizers-Text spec folder (e.g. ../shared/dev-eval/recognizers_text)")
    places = targets.add_parser(
        "places", parents=[common], help="places: accuracy within 161 km, beside the most populous gazetteer match",
        description="Score place resolution against gold JSONL ({\"id\", \"text\" or \"source\"+\"sha256\", "
                    "\"places\": [{\"start\", \"end\", \"text\", \"label\", \"latitude\", \"longitude\", "
                    "\"country_code\", \"feature_class\", \"geonames_id\"}]}, see bench/gold/PLACES_GUIDELINES.md): "
                    "each gold span resolved in its document, and the pipeline's own mentions end to end, beside "
                    "the naive baseline (the most populous gazetteer entry of the name).",
    )
    add_gold_arguments(places, "+", DEFAULT_MODEL)
    dates = targets.add_parser(
        "dates", parents=[common], help="dates: detection and TIMEX3 value accuracy, beside dateparser",
        description="Score date and time expressions against gold JSONL ({\"id\", \"text\" or "
                    "\"source\"+\"sha256\", \"document_date\", \"dates\": [{\"start\", \"end\", \"surface\", "
                    "\"value\", \"granularity\"}]}, see bench/gold/DATES_GUIDELINES.md), beside dateparser given "
                    "each gold expression and the document date.",
    )
    add_gold_arguments(dates, "+", DEFAULT_MODEL)
    quotes = targets.add_parser(
        "quotes", parents=[common], help="quotes: recall, precision and speaker accuracy, beside textacy",
        description="Score direct quotations and their speakers against gold JSONL ({\"id\", \"text\" or "
                    "\"source\"+\"sha256\", \"quotes\": [{\"start\", \"end\", \"speaker_start\", "
                    "\"speaker_end\", \"speaker_name\", ...}]}, see bench/gold/QUOTES_GUIDELINES.md), beside "
                    "textacy's direct_quotations on the same model's full parse.",
    )
    add_gold_arguments(quotes, "+", DEFAULT_MODEL)
    return parser


def predict_numbers(model: str, texts: list[str]) -> list[list[dict]]:
    """The number rows a run writes for each text."""
    from tasks.extraction import extract_mentions
    from tasks.nlp import load_model

    rows = extract_mentions(load_model(model), [str(i) for i in range(len(texts))], texts).numbers
    grouped: list[list[dict]] = [[] for _ in texts]
    for row in rows.iter_rows(named=True):
        grouped[int(row["doc_id"])].append({**row, "start": row["start_char"], "end": row["end_char"]})
    return grouped


def evaluate_numbers(args) -> int:
    from pathlib import Path

    from tasks.evaluation import score_numbers
    from tasks.clean import clean_text
    from tasks.io import read_gold
    from tasks.peers import quantulum_numbers, read_recognizers_specs

    sets: dict[str, list[dict]] = {}
    if args.gold:
        try:
            sets["gold"] = read_gold([Path(p) for p in args.gold], Path(args.corpus) if args.corpus else None,
                                     clean_text)
        except ValueError as exc:
            print(f"newsfacts: error: {exc}", file=sys.stderr)
            return 2
    if args.recognizers:
        sets |= {f"recognizers/{name}": records
                 for name, records in read_recognizers_specs(Path(args.recognizers)).items()}
    if not sets:
        print("newsfacts: error: give GOLD files and/or --recognizers DIR", file=sys.stderr)
        return 2
    print(f"{'set':<32}{'docs':>5}{'gold':>6}   {'newsfacts F1: value  +unit  +object':>36}   "
          f"{'quantulum3 F1: value  +unit':>28}")
    calendar = ("date", "time")
    for name, records in sets.items():
        texts = [r["text"] for r in records]
        # Dates and times have calendar values, scored by `newsfacts eval dates`: left out here,
        # with every prediction on one.
        dated = [[(n["start"], n["end"]) for n in r["numbers"] if n.get("kind") in calendar] for r in records]
        gold = [[n for n in r["numbers"] if n.get("kind") not in calendar] for r in records]
        kinds = records[0].get("kinds")

        def only_kinds(docs):
            return [[n for n in doc if (kinds is None or n["kind"] in kinds) and n.get("kind") not in calendar
                     and not any(n["start"] < end and start < n["end"] for start, end in spans)]
                    for doc, spans in zip(docs, dated, strict=True)]

        ours = score_numbers(gold, only_kinds(predict_numbers(args.model, texts)))
        theirs = score_numbers(gold, only_kinds([quantulum_numbers(t) for t in texts]), with_object=False)
        has_objects = any(n.get("object") for doc in gold for n in doc)
        with_object = f"{ours['value+object'].f1:>8.3f}" if has_objects else f"{'n/a':>8}"
        print(f"{name:<32}{len(records):>5}{sum(map(len, gold)):>6}   {'':>14}"
              f"{ours['value'].f1:>7.3f}{ours['value+unit'].f1:>7.3f}{with_object}   {'':>14}"
              f"{theirs['value'].f1:>7.3f}{theirs['value+unit'].f1:>7.3f}")
    return 0


def evaluate_entities(args) -> int:
    from pathlib import Path

    from tasks.evaluation import format_comparison, score_spans
    from tasks.extraction import extract_mentions
    from tasks.clean import clean_text
    from tasks.io import read_gold
    from tasks.nlp import annotate_texts, components_for, load_model

    try:
        gold = read_gold([Path(p) for p in args.gold], Path(args.corpus) if args.corpus else None, clean_text)
    except ValueError as exc:
        print(f"newsfacts: error: {exc}", file=sys.stderr)
        return 2
    nlp = load_model(args.model)
    texts = [record["text"] for record in gold]
    expected = [[tuple(e[:3]) for e in record["entities"]] for record in gold]
    # The model's NER alone, beside the entity rows a run writes (NER, corrections, sentences).
    docs = annotate_texts(nlp, texts, components_for(nlp, ["ner"]))
    columns = {"spaCy": score_spans(expected, [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs])}
    rows = extract_mentions(nlp, [str(i) for i in range(len(texts))], texts).entities
    predicted: list[list[tuple]] = [[] for _ in texts]
    for doc_id, start, end, label in rows.select("doc_id", "start_char", "end_char", "label").iter_rows():
        predicted[int(doc_id)].append((start, end, label))
    columns["newsfacts"] = score_spans(expected, predicted)
    print(f"{len(gold)} documents, model {args.model}")
    print(format_comparison(columns))
    return 0


def _read_gold_or_fail(args) -> list[dict] | None:
    from pathlib import Path

    from tasks.clean import clean_text
    from tasks.io import read_gold

    try:
        return read_gold([Path(p) for p in args.gold], Path(args.corpus) if args.corpus else None, clean_text)
    except (ValueError, OSError) as exc:
        print(f"newsfacts: error: {exc}", file=sys.stderr)
        return None


def evaluate_places(args) -> int:
    import polars as pl

    from tasks.evaluation import score_places
    from tasks.extraction import extract_mentions
    from tasks.gazetteer import place_candidates
    from tasks.nlp import load_model
    from tasks.places import PlaceMention, locate_places, place_fields, resolve_document_places

    gold = _read_gold_or_fail(args)
    if gold is None:
        return 2
    expected = [record["places"] for record in gold]

    def geonames_id(external: str | None) -> int | None:
        return int(external.split(":")[1]) if external and external.startswith("geonames:") else None

    def described(start, end, place):
        fields = place_fields(place.external_id) if place is not None else {}
        return {"start": start, "end": end, **fields, "geonames_id": geonames_id(place and place.external_id)}

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
    ids = [str(i) for i in range(len(texts))]
    entities = extract_mentions(load_model(args.model), ids, texts).entities
    documents = pl.DataFrame({"doc_id": ids, "text": texts, "dateline": [r.get("dateline") for r in gold]})
    located, _ = locate_places(entities, documents)
    end_to_end: list[list[dict]] = [[] for _ in texts]
    naive_end_to_end: list[list[dict]] = [[] for _ in texts]
    for row in located.filter(pl.col("label").is_in(["GPE", "LOC", "FAC"])).iter_rows(named=True):
        i, span = int(row["doc_id"]), (row["start_char"], row["end_char"])
        end_to_end[i].append({"start": span[0], "end": span[1], **{k: row[k] for k in (
            "latitude", "longitude", "country_code", "feature_class")}, "geonames_id": geonames_id(row["external_id"])})
        naive_end_to_end[i].append(described(*span, most_populous(row["text"])))
    scores = {"gold spans": (score_places(expected, ours), score_places(expected, naive)),
              "end to end": (score_places(expected, end_to_end), score_places(expected, naive_end_to_end))}
    print(f"{len(gold)} documents, {scores['gold spans'][0].total} gold place mentions with a location, "
          f"model {args.model}; right = within 161 km, same country or same GeoNames id")
    print(f"{'':<12}{'newsfacts':>12}{'most populous':>16}")
    for name, (mine, baseline) in scores.items():
        print(f"{name:<12}{mine.value:>12.3f}{baseline.value:>16.3f}")
    return 0


def evaluate_dates(args) -> int:
    import datetime as dt

    import polars as pl

    from tasks.dates import clause_around, resolve_date, with_date_values
    from tasks.evaluation import score_dates
    from tasks.extraction import extract_mentions
    from tasks.nlp import load_model
    from tasks.peers import dateparser_value

    gold = _read_gold_or_fail(args)
    if gold is None:
        return 2
    texts = [record["text"] for record in gold]
    anchors = [dt.date.fromisoformat(r["document_date"]) if r.get("document_date") else None for r in gold]
    expected = [record["dates"] for record in gold]
    ids = [str(i) for i in range(len(texts))]
    numbers = extract_mentions(load_model(args.model), ids, texts).numbers
    documents = pl.DataFrame({"doc_id": ids, "text": texts, "published_date": anchors},
                             schema={"doc_id": pl.String, "text": pl.String, "published_date": pl.Date})
    resolved = with_date_values(numbers, documents).filter(pl.col("kind").is_in(["date", "time"]))
    ours: list[list[dict]] = [[] for _ in texts]
    for doc_id, start, end, value in resolved.select("doc_id", "start_char", "end_char", "date_value").iter_rows():
        ours[int(doc_id)].append({"start": start, "end": end, "value": value})
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
    return 0


def predict_quotes(model: str, texts: list[str]) -> list[list[dict]]:
    """The quote rows a run writes for each text, each with the names its speaker goes by in the
    document (`speaker_names`: the catalog name and every spelling of that entity there)."""
    import polars as pl

    from tasks import canonical
    from tasks.extraction import extract_mentions
    from tasks.nlp import load_model
    from tasks.places import locate_places
    from tasks.quotes import extract_quotes

    ids = [str(i) for i in range(len(texts))]
    entities, _, sentences = extract_mentions(load_model(model), ids, texts)
    documents = pl.DataFrame({"doc_id": ids, "text": texts, "dateline": [None] * len(ids),
                              "published_date": [None] * len(ids)},
                             schema={"doc_id": pl.String, "text": pl.String, "dateline": pl.String,
                                     "published_date": pl.Date})
    located, documents = locate_places(entities, documents)
    linked = canonical.link_entities(located).with_columns(canonical_name=pl.coalesce("gazetteer_name", "text"))
    linked = canonical.with_canonical_names(linked, canonical.build_catalog(linked, documents))
    names = {(doc_id, entity_id): spellings for doc_id, entity_id, spellings in linked.group_by(
        "doc_id", "entity_id").agg(pl.col("text").unique()).iter_rows()}
    grouped: list[list[dict]] = [[] for _ in texts]
    for row in extract_quotes(linked, sentences, documents).iter_rows(named=True):
        spellings = names.get((row["doc_id"], row["speaker_entity_id"]), [])
        grouped[int(row["doc_id"])].append({
            **row, "start": row["start_char"], "end": row["end_char"],
            "speaker_names": [n for n in [row["speaker_name"], *spellings] if n]})
    return grouped


def evaluate_quotes(args) -> int:
    import spacy

    from tasks.evaluation import score_quotes
    from tasks.peers import textacy_quotes

    gold = _read_gold_or_fail(args)
    if gold is None:
        return 2
    texts = [record["text"] for record in gold]
    expected = [record["quotes"] for record in gold]
    ours = score_quotes(expected, predict_quotes(args.model, texts))
    textacy_found, refused = textacy_quotes(list(spacy.load(args.model).pipe(texts)))
    theirs = score_quotes(expected, textacy_found)
    print(f"{len(gold)} documents, {ours['found'].support} gold quotes, {ours['speaker'].total} with a named "
          f"speaker, model {args.model}")
    print(f"{'':<24}{'newsfacts':>10}{'textacy':>10}")
    for name, mine, baseline in (
            ("quote precision", ours["found"].precision, theirs["found"].precision),
            ("quote recall", ours["found"].recall, theirs["found"].recall),
            ("speaker accuracy", ours["speaker"].value, theirs["speaker"].value),
            ("speaker span accuracy", ours["speaker_span"].value, theirs["speaker_span"].value)):
        print(f"{name:<24}{mine:>10.3f}{baseline:>10.3f}")
    if refused:
        print(f"textacy refused {refused} of {len(gold)} documents (an odd number of quotation marks): no quotes there")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    # Each command imports what it needs: --help, schema, query, compact and migrate never load
    # Prefect or Great Expectations, and only migrate from schema 1.x loads spaCy.
    from flows.supervise import follow_supervisor, run_supervised, supervised
    from tasks.errors import describe_error

    if args.command == "run":
        if not supervised():
            return run_supervised(argv)
        follow_supervisor(mark_run_stopped)
    try:
        if args.command == "eval":
            return {"entities": evaluate_entities, "numbers": evaluate_numbers, "places": evaluate_places,
                    "dates": evaluate_dates, "quotes": evaluate_quotes}[args.target](args)
        return {"server": start_server, "serve": serve_deployment, "run": run_pipeline, "schema": print_schema,
                "prefect-yaml": print_prefect_yaml,
                "query": run_query, "compact": compact_tables, "migrate": migrate_tables}[args.command](args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("newsfacts: stopped by SIGINT", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        message, status = describe_error(exc)
        print(f"newsfacts: {message}", file=sys.stderr)
        return status


def mark_run_stopped() -> None:
    """The flow run in progress recorded as Crashed (stopped by a signal), as Prefect records a
    run whose process died, within a second or two; nothing when no flow run has started."""
    if "prefect" not in sys.modules:
        return
    import threading

    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    flow_run_id = context.flow_run.id

    def report():
        from prefect.client.orchestration import get_client
        from prefect.states import Crashed

        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run_id, Crashed(message="stopped by a signal to `newsfacts run`"),
                                      force=True)

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    reporter.join(timeout=2.0)


def print_prefect_yaml(args) -> int:
    from flows.deployment import render_prefect_yaml

    text = render_prefect_yaml()
    if args.write:
        from pathlib import Path

        Path(args.write).write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    else:
        print(text, end="")
    return 0


def print_schema(args) -> int:
    import json

    from tasks import contract

    print(json.dumps(contract.current(), indent=2) if args.json else contract.render_markdown(), end="\n" if args.json else "")
    return 0


def run_query(args) -> int:
    import duckdb

    from tasks.io import TABLES, open_duckdb, output_root, table_exists

    output = output_root(args.output)
    if not any(table_exists(output, t) for t in TABLES):
        print(f"newsfacts: error: no tables in {output} (run `newsfacts run --output {output}` first)", file=sys.stderr)
        return 2
    connection = open_duckdb(output)
    try:
        relation = connection.sql(args.sql)
        result = None if relation is None else relation.pl()
    except duckdb.Error as exc:
        message = " ".join(str(exc).split())
        if isinstance(exc, duckdb.PermissionException):
            message += (f" (newsfacts query reads the tables by name, e.g. FROM quotes, not their files; "
                        f"tables: {', '.join(TABLES)})")
        print(f"newsfacts: query failed: {message}", file=sys.stderr)
        return 1
    if result is None:  # a statement without a result (SET, CREATE ...)
        return 0
    if args.format == "csv":
        sys.stdout.write(result.write_csv())
    elif args.format == "json":
        sys.stdout.write(result.write_ndjson())
    else:
        import polars as pl

        with pl.Config(tbl_rows=args.max_rows, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=160,
                       tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=False):
            print(result)
        if result.height > args.max_rows:
            print(f"({result.height} rows, {args.max_rows} shown: --max-rows N for more)")
    return 0


def _with_lock(output: str, operation: str, work) -> int:
    import datetime as dt

    from tasks.io import output_lock, output_root

    run_id = f"{operation}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    root = output_root(output)
    with output_lock(root, run_id):
        return work(root, run_id)


def compact_tables(args) -> int:
    from tasks.io import TARGET_FILE_ROWS, compact

    def work(output, run_id):
        changed = compact(output, args.target_rows or TARGET_FILE_ROWS, run_id)
        for table, (before, after) in changed.items():
            print(f"{table}: {before} files -> {after}")
        if not changed:
            print("nothing to compact: every partition has one file")
        return 0

    return _with_lock(args.output, "compact", work)


def migrate_tables(args) -> int:
    from tasks.contract import SCHEMA_VERSION
    from tasks.migrations import migrate

    def work(output, run_id):
        rewritten = migrate(output, run_id, args.model)
        for table, rows in rewritten.items():
            print(f"{table}: {rows} rows rewritten")
        print(f"{output}: schema {SCHEMA_VERSION}" + ("" if rewritten else " already, nothing to rewrite"))
        return 0

    return _with_lock(args.output, "migrate", work)


def start_server(args) -> int:
    import os

    if args.status or args.stop:
        from flows import local_server

        found = local_server.stop() if args.stop else local_server.find()
        where = f"{found.url} (process {found.pid}, log {found.log})" if found else ""
        if found is None:
            print(f"no local Prefect server runs for {local_server.prefect_home()}")
        else:
            print(f"stopped the local Prefect server at {where}" if args.stop else f"local Prefect server: {where}")
        return 0

    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    # Prefect's UI otherwise calls the API on the default port 4200, whatever --port says.
    env.setdefault("PREFECT_UI_API_URL", f"http://{args.host}:{args.port}/api")
    if args.database_url:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = args.database_url
    url = f"http://{args.host}:{args.port}"
    print(f"Prefect UI: {url}  (for runs to report here: export PREFECT_API_URL={url}/api)", flush=True)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", args.host, "--port", str(args.port)]
    os.execvpe(sys.executable, command, env)
    return 0  # not reached: the server replaces this process


def serve_deployment(args) -> int:
    import os

    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.news_pipeline import news_pipeline

    if not os.environ.get("PREFECT_API_URL"):
        print("newsfacts: error: serve needs a Prefect server; start `newsfacts server` and "
              "export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return 2
    from tasks.config import from_arguments

    config = from_arguments(args)
    # Absolute paths: the deployment's runs start in whatever folder the runner is in.
    from tasks.io.storage import is_url
    from tasks.io.storage import location, output_root

    parameters = config.as_parameters() | {"inputs": [p if is_url(p) else os.path.abspath(p) for p in config.inputs],
                                           "output_dir": location(output_root(config.output_dir)),
                                           "feeds": config.feeds and os.path.abspath(config.feeds)}
    if args.notify_webhook:
        from flows.alerts import notify_on_failures

        automation = notify_on_failures(args.notify_webhook, parameters["output_dir"], args.name)
        print(f"automation {automation}: failures of {parameters['output_dir']} are sent to the webhook", flush=True)
    # The output directory's lock stays the last guard, for runs started outside this deployment.
    strategy = ConcurrencyLimitStrategy.CANCEL_NEW if args.on_overlap == "skip" else ConcurrencyLimitStrategy.ENQUEUE
    from flows.serving import serve

    return serve(news_pipeline, name=args.name, cron=args.cron, interval=args.interval, parameters=parameters,
                 concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=strategy),
                 description="Scheduled newsfacts run over a folder that keeps receiving articles.")


def check_paths(inputs: Sequence[str], output: str, feeds: str | None = None) -> None:
    """Fail before anything starts on a missing input or an output directory that cannot be written."""
    import os

    from tasks.errors import UsageError
    from tasks.io.files import check_writable_directory
    from tasks.io.inputs import DATASET_MARKER, input_exists
    from tasks.io.storage import is_url
    from tasks.io.storage import inside, output_root

    root = output_root(output)
    for path in inputs:
        if path.lower().startswith(("http://", "https://")):
            continue
        if not input_exists(path):
            raise UsageError(f"input path does not exist: {path}")
        if is_url(path) != is_url(output):
            continue
        # An output folder inside an input is left out as the run walks it; the other way round,
        # the run would read its own tables.
        if inside(root, output_root(path)):
            raise UsageError(f"input {path} lies inside the output folder {output}: give an input outside it")
        if not is_url(path) and os.path.isfile(os.path.join(path, DATASET_MARKER)):
            raise UsageError(f"input {path} is a newsfacts output folder (it holds {DATASET_MARKER}), not news")
    if feeds is not None and not os.path.isfile(feeds):
        raise UsageError(f"feed list does not exist: {feeds}")
    check_writable_directory(output_root(output))


def hide_tracebacks_on_console() -> None:
    """Prefect's log lines on the terminal without the tracebacks it logs with failures (a failure
    is one `newsfacts:` line; `--debug` keeps them); the Prefect UI still gets them."""
    import logging

    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler

    class WithoutTraceback(logging.Formatter):
        def __init__(self, inner: logging.Formatter):
            super().__init__()
            self.inner = inner

        def format(self, record):
            # A copy, so that the other handlers (the API's) still see the traceback.
            line = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None})
            # Libraries also put tracebacks in messages (Great Expectations: `... Traceback: "..."`).
            return self.inner.format(line).split("\n", 1)[0].split(' Traceback: "', 1)[0]

    ensure_logging_setup()
    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    for handler in {h for logger in loggers for h in logger.handlers if isinstance(h, PrefectConsoleHandler)}:
        if not isinstance(handler.formatter, WithoutTraceback):
            handler.setFormatter(WithoutTraceback(handler.formatter or logging.Formatter()))


def run_pipeline(args) -> int:
    import os

    from tasks.config import check_model_installed, from_arguments

    config = from_arguments(args)
    check_paths(config.inputs, config.output_dir, config.feeds)
    # Fail before any flow run exists when the model is missing or the output directory was
    # written under another schema (the flow checks again, for runs started elsewhere).
    check_model_installed(config.model)
    from flows import local_server
    from flows.nothing_new import nothing_new
    from tasks.io import check_contract, output_root

    if not config.full_refresh:
        check_contract(output_root(config.output_dir))
    said = nothing_new(config)
    if said is not None:
        print(said)
        return 0
    server = None
    if local_server.configured_api_url() is None:
        # Started now, so that it comes up while this process loads Prefect, GE and spaCy.
        server = local_server.start()
        os.environ["PREFECT_API_URL"] = server.url
    from flows.news_pipeline import load_libraries, news_pipeline
    from flows.progress import TerminalProgress

    if server is not None:
        if not local_server.is_up(server):  # still starting (a new database takes longest):
            load_libraries()                # load now what the run would load after it
        local_server.wait_until_up(server)
    if not args.debug:
        hide_tracebacks_on_console()
    with TerminalProgress(bar=sys.stderr.isatty(), quiet=args.quiet):
        manifest = news_pipeline(**config.as_parameters())
    from flows.summary import format_summary

    print(format_summary(manifest))
    return 0
