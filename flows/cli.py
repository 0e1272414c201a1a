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
                    "view named after it (every table `newsfacts schema` lists; the published_month "
                    "partition column included), and print the result.",
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
                    '"sha256" instead of "text" (see --corpus). Where the records give "identities" (one name '
                    'per gold mention, the same name for one real entity across the files), or identity gold '
                    'lies beside each file (identities_X.jsonl beside entities_X.jsonl: {"id", "identities"}), '
                    'also the share of entity ids that are right, beside one id per spelling.',
    )
    add_gold_arguments(entities, "+", DEFAULT_MODEL)
    entities.add_argument("--format", choices=("jsonl", "conll"), default="jsonl",
                          help="gold format: the team's JSONL (default), or CoNLL-2003 (token ... tag lines, "
                               "-DOCSTART- between documents; e.g. ../shared/dev-eval/entities/conll2003-dev.txt), "
                               "scored as a bag of (surface, label) per document with CoNLL's PER/ORG/LOC/MISC")
    numbers = targets.add_parser(
        "numbers", parents=[common], help="numbers: value, value+unit and value+object P/R/F1, beside quantulum3",
        description="Score number mentions other than dates and times (a prediction matches a gold mention when "
                    "the spans overlap and the values agree) against gold JSONL ({\"id\", \"text\" or "
                    "\"source\"+\"sha256\", \"numbers\": [{\"start\", \"end\", \"value\", \"value_low\", "
                    "\"value_high\", \"unit\", \"object\", ...}]}) "
                    "and/or Microsoft Recognizers-Text's English specs, with quantulum3's scores beside.",
    )
    add_gold_arguments(numbers, "*", DEFAULT_MODEL)
    numbers.add_argument("--format", choices=("jsonl", "quantulum3", "recognizers"), default="jsonl",
                         help="gold format: the team's JSONL (default); quantulum3's test sentences "
                              "(quantities*.json, e.g. ../shared/dev-eval/numbers/quantities.json), scored per "
                              "sentence with its unit names read as ours; or Recognizers-Text spec folders (e.g. "
                              "../shared/dev-eval/recognizers_text), each English spec scored on its own kind")
    numbers.add_argument("--recognizers", metavar="DIR", default=None,
                         help="a Recognizers-Text spec folder scored beside GOLD (as --format recognizers)")
    places = targets.add_parser(
        "places", parents=[common], help="places: accuracy within 161 km, beside the most populous gazetteer match",
        description="Score place resolution against gold JSONL ({\"id\", \"text\" or \"source\"+\"sha256\", "
                    "\"places\": [{\"start\", \"end\", \"text\", \"label\", \"latitude\", \"longitude\", "
                    "\"country_code\", \"feature_class\", \"geonames_id\"}]}, see bench/gold/PLACES_GUIDELINES.md): "
                    "each gold span resolved in its document, and the pipeline's own mentions end to end, beside "
                    "the naive baseline (the most populous gazetteer entry of the name).",
    )
    add_gold_arguments(places, "+", DEFAULT_MODEL)
    places.add_argument("--format", choices=("jsonl", "lgl-xml", "geovirus-xml"), default="jsonl",
                        help="gold format: the team's JSONL (default), the XML of TR-News and LGL (lgl-xml) or of "
                             "GeoVirus (geovirus-xml), e.g. ../shared/dev-eval/places/tr-news.xml; the XML sets "
                             "are also scored as geoparsing benchmarks score them: accuracy within 161 km over the "
                             "toponyms the output locates, and recall within 161 km over all")
    dates = targets.add_parser(
        "dates", parents=[common], help="dates: detection and TIMEX3 value accuracy, beside dateparser",
        description="Score date and time expressions against gold JSONL ({\"id\", \"text\" or "
                    "\"source\"+\"sha256\", \"document_date\", \"dates\": [{\"start\", \"end\", \"surface\", "
                    "\"value\", \"granularity\"}]}, see bench/gold/DATES_GUIDELINES.md), beside dateparser given "
                    "each gold expression and the document date.",
    )
    add_gold_arguments(dates, "+", DEFAULT_MODEL)
    dates.add_argument("--format", choices=("jsonl", "timeml"), default="jsonl",
                       help="gold format: the team's JSONL (default), or TimeML .tml files (TimeBank, TempEval-3; "
                            "a folder stands for its .tml files, e.g. ../shared/dev-eval/dates/timebank), whose "
                            "DATE and TIME expressions are scored against the document creation time")
    quotes = targets.add_parser(
        "quotes", parents=[common], help="quotes: recall, precision and speaker accuracy, beside textacy",
        description="Score direct quotations and their speakers against gold JSONL ({\"id\", \"text\" or "
                    "\"source\"+\"sha256\", \"quotes\": [{\"start\", \"end\", \"speaker_start\", "
                    "\"speaker_end\", \"speaker_name\", ...}]}, see bench/gold/QUOTES_GUIDELINES.md), beside "
                    "textacy's direct_quotations on the same model's full parse.",
    )
    add_gold_arguments(quotes, "+", DEFAULT_MODEL)
    quotes.add_argument("--format", choices=("jsonl", "polnear"), default="jsonl",
                        help="gold format: the team's JSONL (default), or a PolNeAR folder (text/*.txt with brat "
                             "attributions/*.ann, e.g. ../shared/dev-eval/quotes/polnear-dev), whose direct "
                             "quotations (the quoted words of each attribution's content) are found when a "
                             "prediction covers half of one, and whose speaker is the attribution's source (same "
                             "span, or the same person named)")
    pages = targets.add_parser(
        "pages", parents=[common], help="page text: the article body of real pages, beside trafilatura's default",
        description="Score the main text a run extracts from HTML pages against gold JSONL ({\"page\", "
                    "\"sha256\", \"kind\", \"body\": [paragraphs]}, see bench/gold/PAGES_GUIDELINES.md) with "
                    "the article-extraction benchmark's measure (word 4-gram shingles, P/R/F1 averaged over "
                    "pages), beside trafilatura's default extraction.",
    )
    events = targets.add_parser(
        "events", parents=[common], help="events: their place, actor and date, with their confidences",
        description="Score the place, actor and date of the events a run writes against event gold JSONL "
                    "({\"set\", \"id\", \"sha256\", \"events\": [{\"start\", \"end\", \"count_type\", "
                    "\"place_start\", ..., \"date\", \"actor_start\", ...}]}, see "
                    "bench/gold/EVENTS_GUIDELINES.md) on the TR-News and GeoVirus articles it annotates.",
    )
    add_gold_arguments(events, "+", DEFAULT_MODEL)
    events.add_argument("--texts", nargs="+", metavar="XML", default=None,
                        help="the TR-News and GeoVirus XML files the gold's articles come from (e.g. "
                             "../shared/dev-eval/places/tr-news.xml ../shared/dev-eval/places/geovirus.xml)")
    calibrate = targets.add_parser(
        "calibrate", parents=[common], help="fit every field's confidence on the dev gold and write it",
        description="Fit the confidence of each resolved field (label_confidence, entity_confidence, "
                    "unit_confidence, object_confidence, place_confidence, date_confidence, speaker_confidence, "
                    "and an event's place, actor and date) on the dev gold sets (CoNLL-2003 dev, quantulum3's "
                    "tests, Recognizers-Text, TR-News, GeoVirus, TimeBank, PolNeAR dev, the team's event gold on "
                    "TR-News and GeoVirus articles, and the team's gold with its identity gold) and write the "
                    "package's calibration file, printing each set's reliability cross-fitted (documents scored "
                    "by a model fitted without them) and as written.",
    )
    calibrate.add_argument("dev_eval", metavar="DEV_EVAL", help="the dev-eval folder (e.g. ../shared/dev-eval)")
    calibrate.add_argument("--gold-dir", metavar="DIR", default="bench/gold",
                           help="the team's gold folder (default: bench/gold)")
    calibrate.add_argument("--corpus", metavar="DIR", default=None,
                           help="directory the team's gold 'source' paths are relative to (e.g. ../shared/corpus/bbc)")
    calibrate.add_argument("--fields", nargs="+",
                           choices=("label", "entity", "unit", "object", "place", "date", "speaker", "event"),
                           default=None,
                           help="fit only these fields, keeping the others as written (default: all)")
    calibrate.add_argument("--output", metavar="FILE", default=None,
                           help="where to write (default: the package's tasks/confidence/calibration.json)")
    calibrate.add_argument("--model", default=DEFAULT_MODEL, metavar="NAME",
                           help=f"installed spaCy pipeline to run (default: {DEFAULT_MODEL})")
    pages.add_argument("gold", nargs="+", metavar="GOLD", help="page gold JSONL files")
    pages.add_argument("--pages", metavar="DIR", default=None,
                       help="the folder of the pages the gold names (python -m bench.real_pages DIR unpacks them)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    # Each command imports what it needs: --help, schema, query, compact and migrate never load
    # Prefect or Great Expectations, and only migrate from schema 1.x loads spaCy.
    from flows import calibrate_command, dataset_commands, eval_commands, run_command, server_commands
    from flows.supervise import follow_supervisor, run_supervised, supervised
    from tasks.errors import describe_error

    if args.command == "run":
        if not supervised():
            return run_supervised(argv)
        follow_supervisor(run_command.mark_run_stopped)
    try:
        if args.command == "eval":
            return {"entities": eval_commands.evaluate_entities, "numbers": eval_commands.evaluate_numbers,
                    "places": eval_commands.evaluate_places, "dates": eval_commands.evaluate_dates,
                    "quotes": eval_commands.evaluate_quotes, "pages": eval_commands.evaluate_pages,
                    "events": eval_commands.evaluate_events,
                    "calibrate": calibrate_command.calibrate}[args.target](args)
        return {"server": server_commands.start_server, "serve": server_commands.serve_deployment,
                "prefect-yaml": server_commands.print_prefect_yaml, "run": run_command.run_pipeline,
                "schema": dataset_commands.print_schema, "query": dataset_commands.run_query,
                "compact": dataset_commands.compact_tables, "migrate": dataset_commands.migrate_tables,
                }[args.command](args)
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
