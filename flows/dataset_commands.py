"""`newsfacts schema`, `query`, `compact` and `migrate`: the commands that read or rewrite a dataset
rather than run the flow."""

from __future__ import annotations

import sys


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
    from tasks.migrations.steps import migrate

    def work(output, run_id):
        rewritten = migrate(output, run_id, args.model)
        for table, rows in rewritten.items():
            print(f"{table}: {rows} rows rewritten")
        print(f"{output}: schema {SCHEMA_VERSION}" + ("" if rewritten else " already, nothing to rewrite"))
        return 0

    return _with_lock(args.output, "migrate", work)
