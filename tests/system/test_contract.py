"""The data contract: generated docs, metadata in the files, layout, schema evolution, and the
README's and docs/queries.md's query examples run exactly as written against the seeds' outputs."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tasks import contract, io
from tasks.migrations.steps import migrate
from tasks.schemas import FOREIGN_KEYS, PARTITION_COLUMN, PARTITIONED_TABLES, SCHEMA_VERSION, TABLES, sort_keys
from tests.conftest import ROOT, read, server_env

#: The user's documents whose examples run as written: README and the query cookbook it links to.
DOCUMENTED = (ROOT / "README.md", ROOT / "docs" / "queries.md")


def examples(paths: tuple[Path, ...] = DOCUMENTED) -> dict[str, tuple[str, str]]:
    """name -> (language, code) of each fenced block preceded by `<!-- example: name -->`."""
    pattern = re.compile(r"<!-- example: ([\w-]+) -->\n```(\w+)\n(.*?)```", re.S)
    return {name: (language, code) for path in paths
            for name, language, code in pattern.findall(path.read_text(encoding="utf-8"))}


@pytest.fixture
def in_project(seeds_run, tmp_path, monkeypatch):
    """A working folder whose `data/` is the seeds' output, as after `make run`."""
    (tmp_path / "data").symlink_to(seeds_run[0], target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_foreign_keys_hold_in_the_seeds_output(seeds_run):
    output, _ = seeds_run
    for (table, column), (target, target_column) in FOREIGN_KEYS.items():
        values = read(output, table)[column].drop_nulls()
        # The seeds have no near-duplicates; every other key is set, or the check would prove nothing.
        assert values.len() or column == "near_duplicate_of", f"{table}.{column} is never set in the seeds"
        assert values.is_in(read(output, target)[target_column].implode()).all(), f"{table}.{column} dangles"


def test_the_contract_join_example_runs(in_project):
    doc = (ROOT / contract.DOC_PATH).read_text(encoding="utf-8")
    (sql,) = re.findall(r"```sql\n(.*?)```", doc, re.S)
    rows = duckdb.sql(sql).pl()
    assert rows.columns == ["canonical_name", "published_month", "mentions"]
    assert rows["mentions"].sum() == read(Path("data"), "entities").height


def test_files_carry_column_descriptions_versions_and_run_id(seeds_run):
    output, manifest = seeds_run
    for table in TABLES:
        for path in io.table_files(output, table):
            schema = pq.read_schema(path)
            meta = {k.decode(): v.decode() for k, v in schema.metadata.items()}
            assert meta["newsfacts.table"] == table
            assert meta["newsfacts.schema_version"] == SCHEMA_VERSION
            assert meta["newsfacts.pipeline_version"] == contract.pipeline_version() != "unknown"
            assert meta["newsfacts.run_id"] == manifest["run_id"]
            for field in schema:
                assert field.metadata[b"description"] == TABLES[table].field(field.name).metadata[b"description"]
    kv = duckdb.sql(f"SELECT DISTINCT key::VARCHAR AS key, value::VARCHAR AS value FROM "
                    f"parquet_kv_metadata('{output}/numbers/**/*.parquet') WHERE key = 'newsfacts.run_id'").fetchall()
    assert kv == [("newsfacts.run_id", manifest["run_id"])]
    stored = io.read_contract(output)
    assert stored["schema_version"] == SCHEMA_VERSION and stored["tables"] == contract.current()["tables"]


def test_tables_are_partitioned_by_published_month_and_sorted_by_doc_id(seeds_run):
    output, _ = seeds_run
    documents = read(output, "documents")
    months = {f"published_month={d:%Y-%m}" if d else "published_month=__HIVE_DEFAULT_PARTITION__"
              for d in documents["published_date"]}
    assert len(months) == 2  # one dated seed, one undated
    for table in PARTITIONED_TABLES:
        partitions = {p.parent.name for p in io.table_files(output, table)}
        # Events are where the counts are (the seeds' are in the undated one).
        assert partitions == months if table != "events" else partitions and partitions <= months
        for path in io.table_files(output, table):
            assert PARTITION_COLUMN not in pq.read_schema(path).names
            rows = pl.read_parquet(path)
            assert rows.equals(rows.sort(sort_keys(table))), f"{path} is not sorted"
            group = pq.ParquetFile(path).metadata.row_group(0)
            assert group.sorting_columns[0].column_index == TABLES[table].get_field_index("doc_id")
            stats = group.column(TABLES[table].get_field_index("doc_id")).statistics
            assert stats.has_min_max and stats.min == rows["doc_id"].min() and stats.max == rows["doc_id"].max()
    # Each mention is in its own document's month, read back the three ways users read it.
    for table in ("entities", "numbers"):
        duck = duckdb.sql(f"""SELECT count(*) FROM read_parquet('{output}/{table}/**/*.parquet') m
            JOIN read_parquet('{output}/documents/**/*.parquet') d USING (doc_id)
            WHERE m.published_month IS DISTINCT FROM d.published_month""").fetchall()[0][0]
        assert duck == 0
        scanned = pl.scan_parquet(f"{output}/{table}/**/*.parquet", hive_partitioning=True).collect()
        assert scanned[PARTITION_COLUMN].null_count() and scanned[PARTITION_COLUMN].drop_nulls().unique().to_list() \
            == ["2022-09"]
        arrow = pq.read_table(output / table, partitioning=ds.partitioning(
            pa.schema([(PARTITION_COLUMN, pa.string())]), flavor="hive"))
        assert arrow.num_rows == scanned.height


def test_a_month_filter_never_opens_other_months_files(seeds_run, tmp_path):
    output = tmp_path / "out"
    shutil.copytree(seeds_run[0], output)
    undated = output / "numbers" / "published_month=__HIVE_DEFAULT_PARTITION__"
    for path in undated.glob("*.parquet"):
        path.write_bytes(b"not parquet")  # any read of this partition would fail
    glob = f"{output}/numbers/**/*.parquet"
    got = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true) "
                     "WHERE published_month = '2022-09'").fetchall()[0][0]
    assert got == read(seeds_run[0], "numbers").filter(pl.col("doc_id").is_in(
        read(seeds_run[0], "documents").filter(pl.col("published_date").is_not_null())["doc_id"].implode())).height
    assert pl.scan_parquet(glob, hive_partitioning=True).filter(pl.col(PARTITION_COLUMN) == "2022-09") \
        .select(pl.len()).collect().item() == got
    with pytest.raises(duckdb.Error):
        duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)").fetchall()


def test_an_added_nullable_column_reads_as_null_in_old_files_and_runs_still_append(seeds_run, tmp_path):
    """Files and a stored contract from before `external_id` existed stand in for a dataset written
    by the previous minor version: it stays readable and appendable."""
    output = tmp_path / "out"
    shutil.copytree(seeds_run[0], output)
    for path in io.table_files(output, "entities"):
        old = pq.read_table(path, partitioning=None)  # this file alone, not its folder's partition
        pq.write_table(old.drop_columns(["external_id"]), path)
    stored = io.read_contract(output)
    stored["tables"]["entities"]["columns"] = [c for c in stored["tables"]["entities"]["columns"]
                                               if c["name"] != "external_id"]
    io.write_json(output / io.CONTRACT_FILE, stored)

    assert contract.differences(stored, contract.current()) == (["entities.external_id added"], [])
    io.check_contract(output)  # does not raise
    assert io.read_table(output, "entities")["external_id"].null_count() == read(seeds_run[0], "entities").height
    with io.open_duckdb(output) as connection:
        assert connection.sql("SELECT count(*) FROM entities WHERE external_id IS NULL").fetchall()[0][0] \
            == read(seeds_run[0], "entities").height
    scanned = pl.scan_parquet(f"{output}/entities/**/*.parquet", schema=io.polars_schema(TABLES["entities"]),
                              missing_columns="insert").collect()
    assert scanned["external_id"].null_count() == scanned.height
    # `migrate` rewrites the old files with the column, and the contract with it.
    assert migrate(output)["entities"] == scanned.height
    assert all("external_id" in pq.read_schema(p).names for p in io.table_files(output, "entities"))
    assert io.read_contract(output)["tables"] == contract.current()["tables"]


def test_a_breaking_change_is_refused_with_a_clear_message(seeds_run, tmp_path):
    output = tmp_path / "out"
    shutil.copytree(seeds_run[0], output)
    stored = io.read_contract(output)
    for column in stored["tables"]["entities"]["columns"]:
        if column["name"] == "start_char":
            column["type"] = "string"
    io.write_json(output / io.CONTRACT_FILE, stored)
    with pytest.raises(io.SchemaVersionError, match=r"entities.start_char changed type from string to int32.*"
                                                   r"without a new major version.*newsfacts migrate"):
        io.check_contract(output)
    stored["schema_version"] = "0.9"
    io.write_json(output / io.CONTRACT_FILE, stored)
    with pytest.raises(io.SchemaVersionError, match=rf"written with schema 0.9 .* writes {SCHEMA_VERSION}, a breaking change"):
        io.check_contract(output)
    stored["schema_version"] = f"{int(SCHEMA_VERSION.split('.')[0]) + 1}.0"
    io.write_json(output / io.CONTRACT_FILE, stored)
    with pytest.raises(io.SchemaVersionError, match=f"newer than the {SCHEMA_VERSION} this newsfacts writes: upgrade newsfacts"):
        io.check_contract(output)


def test_an_unversioned_dataset_is_refused_until_migrated(seeds_run, tmp_path):
    """The layout before schema versions: flat files, no metadata, no `_contract.json`."""
    output = tmp_path / "legacy"
    before = {}
    for table in TABLES:
        rows = read(seeds_run[0], table)
        before[table] = rows
        (output / table).mkdir(parents=True)
        pq.write_table(rows.to_arrow(), output / table / "part-0123456789abcdef0123.parquet")
    command = [sys.executable, "-m", "flows", "run", str(ROOT / "seeds"), "--output", str(output)]
    refused = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=server_env())
    assert refused.returncode == 2
    assert "written before schema versions existed" in refused.stderr
    assert "newsfacts migrate --output" in refused.stderr
    assert "Traceback" not in refused.stderr

    migrated = subprocess.run([sys.executable, "-m", "flows", "migrate", "--output", str(output)], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    assert f"documents: {before['documents'].height} rows rewritten" in migrated.stdout
    for table in TABLES:
        assert read(output, table).sort(sort_keys(table)).equals(before[table].sort(sort_keys(table))), table
        if table in PARTITIONED_TABLES:
            assert {p.parent.name.split("=")[0] for p in io.table_files(output, table)} == {PARTITION_COLUMN}
    assert io.read_contract(output)["schema_version"] == SCHEMA_VERSION
    io.check_contract(output)
    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=server_env())
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert read(output, "entities").height == before["entities"].height  # nothing new, nothing twice


def test_readme_sql_and_polars_examples_agree_on_the_seeds(in_project):
    found = examples()
    assert {"top-entities-sql", "entity-numbers-sql", "casualties-sql", "casualties-per-story-sql",
            "casualties-by-country-week-sql", "speakers-sql", "confident-places-sql", "polars",
            "cli-query"} <= set(found)
    sql = readme_queries_in_duckdb(found)
    namespace: dict = {}
    exec(compile(found["polars"][1], "README.md (polars example)", "exec"), namespace)

    top = sql["top-entities-sql"]
    assert top.columns == ["published_month", "canonical_name", "label", "mentions"]
    assert top.height == 6 and top["published_month"].to_list()[:3] == ["2022-09"] * 3
    assert top.select("canonical_name", "mentions").row(0) == ("Russia", _mentions("Russia", dated=True))
    assert top.select("canonical_name", "mentions").row(3) == ("Russia", _mentions("Russia", dated=False))
    assert top.equals(namespace["top_entities"].select(top.columns).with_columns(pl.col("mentions").cast(pl.Int64)))

    numbers = sql["entity-numbers-sql"]
    pairs = numbers.select("surface", "object").rows()
    assert ("four", "annexed territories") in pairs and ("over 15 percent", "country") in pairs
    # Putin is named in the next paragraph, not in this sentence (a statistical splitter merged the two)
    assert ("more than 1,000", "people and firms") not in pairs
    assert numbers.equals(namespace["entity_numbers"])

    casualties = sql["casualties-sql"]
    assert casualties.row(0)[:2] == ("Russia", "WOUND")
    # "killing 25 people and injuring 50" is the one casualty sentence that names a place; the
    # Dnipro one names the city in the sentence before
    assert casualties.select("place", "count_type", "people").rows() == [("Russia", "WOUND", 50), ("Russia", "KILL", 25)]
    assert casualties.with_columns(pl.col("reports").cast(pl.UInt32)).equals(
        namespace["casualties"].select(casualties.columns))

    by_week = sql["casualties-by-country-week-sql"]
    # `Russia bombarded Ukrainian cities, killing 25 ... injuring 50` and Dnipro's one killed and five
    # injured happened in Ukraine; the undated article's weeks are null.
    assert by_week.select("country_code", "count_type", "events", "people").rows() == [
        ("RU", "WOUND", 1, 55000.0), ("UA", "KILL", 2, 26.0), ("UA", "WOUND", 2, 55.0)]
    assert by_week["week"].null_count() == by_week.height
    assert by_week.with_columns(pl.col("events").cast(pl.UInt32)).equals(
        namespace["by_country_week"].select(by_week.columns))
    dated = namespace["pl"].DataFrame({"event_date": [dt.date(2022, 9, 27), dt.date(2022, 10, 2)]})
    assert dated.select(namespace["pl"].col("event_date").dt.truncate("1w"))["event_date"].to_list() == \
        [dt.date(2022, 9, 26)] * 2  # a week starts on Monday, as DuckDB's date_trunc('week', ...)
    assert duckdb.sql("SELECT CAST(date_trunc('week', DATE '2022-10-02') AS DATE)").fetchall()[0][0] == \
        dt.date(2022, 9, 26)

    speakers = sql["speakers-sql"]
    # 28 of the seeds' 29 quotes name an entity (`Its 27 member states` does not); 7 of them are one or
    # two words reported speech quotes (`said ... “semi-surrounded”`), Stoltenberg's “turning point”
    # among them (its speaker read before the cue after it, `Russia`, until issue 39).
    assert speakers["quotes"].sum() == 28
    assert speakers.select("speaker", "quotes").rows()[:2] == [("Vladimir Putin", 9), ("Vladimir Zelensky", 5)]
    assert set(speakers["speaker"]) == {"Vladimir Putin", "Vladimir Zelensky", "Andrii Yermak", "Antony Blinken",
                                        "Joe Biden", "Jens Stoltenberg", "Abbas Galyamov", "Denis Pushylin"}
    assert speakers["tone"].is_between(-100, 100).all()
    ours = namespace["speakers"]
    assert ours.select("speaker", "quotes").rows() == speakers.select("speaker", "quotes").rows()
    # Each rounds the mean its own way (DuckDB half away from zero, polars half to even).
    assert all(abs(a - b) <= 0.01 for a, b in zip(ours["tone"], speakers["tone"], strict=True))

    confident = sql["confident-places-sql"]
    # Every place the resolver chose has a confidence (an acronym linked to a country, `RF`, was not
    # resolved as a place: it has no coordinates and no confidence).
    located = read(Path("data"), "entities").filter(pl.col("external_id").is_not_null()
                                                    & pl.col("feature_class").is_not_null())
    assert 0 < confident.height < located.height
    assert confident.height == located.filter(pl.col("place_confidence") >= 0.9).height  # 0.9 itself kept
    assert located["place_confidence"].null_count() == 0 and located["place_confidence"].is_between(0, 1).all()

    per_story = sql["casualties-per-story-sql"]
    stories = read(Path("data"), "documents").select("doc_id", "story_id")
    expected = (read(Path("data"), "numbers").filter(pl.col("count_type").is_in(["KILL", "WOUND"]))
                .join(stories, on="doc_id").group_by("story_id", "count_type")
                .agg(articles=pl.col("doc_id").n_unique(), people=pl.col("value").max())
                .group_by("count_type").agg(stories=pl.len(), articles=pl.col("articles").sum(),
                                            people=pl.col("people").sum()).sort("count_type"))
    assert per_story.rows() == expected.rows() and per_story.height == 2
    assert stories["story_id"].null_count() == 0


def readme_queries_in_duckdb(found: dict[str, tuple[str, str]]) -> dict[str, pl.DataFrame]:
    """name -> result of each README SQL query in DuckDB, on the views README's `duckdb-views`
    block defines (one for every table)."""
    connection = duckdb.connect()
    views = found["duckdb-views"][1]
    assert set(re.findall(r"CREATE VIEW (\w+) AS", views)) == set(TABLES), "README's views miss a table"
    connection.execute(views)
    return {name: connection.sql(code).pl() for name, (language, code) in found.items()
            if language == "sql" and name != "duckdb-views"}


def test_every_readme_query_runs_as_written_in_newsfacts_query(in_project):
    found = examples()
    expected = readme_queries_in_duckdb(found)
    assert len(expected) >= 6
    for name, result in expected.items():
        done = subprocess.run([sys.executable, "-m", "flows", "query", found[name][1], "--format", "json"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{name}: {done.stderr}"
        rows = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(rows) == result.height and result.height > 0, name
        assert list(rows[0]) == result.columns, name


def test_a_query_reading_files_is_told_to_name_the_tables(in_project):
    done = subprocess.run([sys.executable, "-m", "flows", "query",
                           "SELECT count(*) FROM read_parquet('data/quotes/**/*.parquet')"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "Permission Error" in done.stderr and "FROM quotes" in done.stderr


def _mentions(name: str, dated: bool) -> int:
    entities = read(Path("data"), "entities").join(read(Path("data"), "entity_catalog").select(
        "entity_id", pl.col("canonical_name").alias("name")), on="entity_id")
    documents = read(Path("data"), "documents").filter(pl.col("published_date").is_not_null() == dated)
    return entities.filter(pl.col("name") == name, pl.col("doc_id").is_in(documents["doc_id"].implode())).height


def test_readme_query_command_runs_as_written(in_project):
    (_, command), = [v for k, v in examples().items() if k == "cli-query"]
    argv = shlex.split(command.strip())
    assert argv[:2] == [".venv/bin/newsfacts", "query"]
    done = subprocess.run([sys.executable, "-m", "flows", *argv[1:]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "GPE" in done.stdout and "PERSON" in done.stdout
    as_csv = subprocess.run([sys.executable, "-m", "flows", *argv[1:], "--format", "csv"], capture_output=True,
                            text=True, timeout=120)
    counts = dict(line.split(",") for line in as_csv.stdout.splitlines()[1:])
    expected = read(Path("data"), "entities").group_by("label").len()
    assert {k: int(v) for k, v in counts.items()} == dict(expected.iter_rows())


def test_query_reports_bad_sql_and_a_missing_dataset_clearly(in_project, tmp_path):
    bad = subprocess.run([sys.executable, "-m", "flows", "query", "SELECT nope FROM entities"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "query failed" in bad.stderr and "nope" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "flows", "query", "SELECT 1", "--output", str(tmp_path / "x")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "no tables in" in missing.stderr
    as_json = subprocess.run([sys.executable, "-m", "flows", "query", "--format", "json",
                              "SELECT published_month, count(*) AS n FROM documents GROUP BY 1 ORDER BY 1"],
                             capture_output=True, text=True, timeout=120)
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == [
        {"published_month": "2022-09", "n": 1}, {"published_month": None, "n": 1}]


#: Columns schema 2.0 added to each table (schema 1.2 had none of them; `events` did not exist).
NEW_IN_2 = ("events", "sentences", "quotes")


ADDED_IN_2 = {
    "documents": ["focus_country", "focus_entity_id", "word_count", "positive", "negative", "tone", "polarity",
                  "sentiment"],
    "entities": ["latitude", "longitude", "country_code", "admin1_code", "admin1_name", "feature_class", "population"],
    "entity_catalog": ["latitude", "longitude", "country_code", "admin1_code", "admin1_name", "feature_class",
                       "population"],
    "numbers": ["date_value", "date_granularity"],
}


def as_schema_1(output: Path) -> None:
    """The seeds' dataset rewritten in place as schema 1.2 wrote it: no 2.x columns, no events, sentences
    or quotes;
    a date's `value` its year (else its day), a time's its hours; a place its name's most likely
    gazetteer entry whatever the document says (`Kherson` in `Kherson and Zaporizhzhia regions` the
    city); the contract of 1.2."""
    from tasks.entities.gazetteer import find_place
    from tasks.entities.ids import place_entity_id

    def old_value(surface, kind, value):
        if kind == "time":
            hour = int(re.match(r"\d+", surface).group()) % 12
            return float(hour + 12 if "p" in surface else hour)
        if kind == "date":
            digits = re.findall(r"\d+", surface)
            year = next((int(d) for d in digits if len(d) == 4), None)
            return float(year or (digits[0] if digits else 0))
        return value

    def old_place(text, label):
        place = find_place(text) if label in ("GPE", "LOC") else None
        return place.external_id if place else None

    for table in TABLES:
        for path in io.table_files(output, table):
            if table in NEW_IN_2:
                path.unlink()
                continue
            rows = pl.read_parquet(path).drop(ADDED_IN_2.get(table, []))
            if table == "numbers":
                rows = rows.with_columns(value=pl.struct("surface", "kind", "value").map_elements(
                    lambda r: old_value(r["surface"], r["kind"], r["value"]), return_dtype=pl.Float64))
            if table == "entities":
                rows = rows.with_columns(external_id=pl.struct("text", "label").map_elements(
                    lambda r: old_place(r["text"], r["label"]), return_dtype=pl.String))
                rows = rows.with_columns(entity_id=pl.when(pl.col("external_id").is_not_null()).then(
                    pl.col("external_id").map_elements(place_entity_id, return_dtype=pl.String)
                ).otherwise(pl.col("entity_id")))
            pq.write_table(rows.to_arrow(), path)
    for table in NEW_IN_2:
        shutil.rmtree(output / table)
    as_file_stems(output)
    stored = contract.current()
    stored["schema_version"] = "1.2"
    for table in NEW_IN_2:
        del stored["tables"][table]
    for table, columns in ADDED_IN_2.items():
        stored["tables"][table]["columns"] = [c for c in stored["tables"][table]["columns"] if c["name"] not in columns]
    for column in stored["tables"]["numbers"]["columns"]:
        if column["name"] == "value":
            column["nullable"] = False
    io.write_json(output / io.CONTRACT_FILE, stored)


def as_file_stems(output: Path) -> None:
    """Documents and quarantine rows of files read whole named as schemas before 3.0 named them:
    the file name without its extension."""
    for table in ("documents", "quarantine"):
        for path in io.table_files(output, table):
            rows = pl.read_parquet(path, hive_partitioning=False)
            stems = rows["source_path"].map_elements(lambda p: Path(p).stem, return_dtype=pl.String)
            rows = rows.with_columns(source_id=pl.when(pl.col("record_index").is_null() & pl.col("source_id").is_not_null())
                                     .then(stems).otherwise(pl.col("source_id")))
            pq.write_table(rows.to_arrow(), path)


def test_a_schema_2_dataset_is_migrated_to_files_named_by_their_path(seeds_run, tmp_path):
    output = tmp_path / "v2"
    shutil.copytree(seeds_run[0], output)
    as_file_stems(output)
    stored = contract.current() | {"schema_version": "2.1"}
    io.write_json(output / io.CONTRACT_FILE, stored)
    assert sorted(read(output, "documents")["source_id"]) == ["000_b4d544e3e65197ec", "002_5338102599ccf4b8"]
    with pytest.raises(io.SchemaVersionError, match=r"written with schema 2.1 .*a breaking change.*newsfacts migrate"):
        io.check_contract(output)
    migrated = subprocess.run([sys.executable, "-m", "flows", "migrate", "--output", str(output)], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr
    io.check_contract(output)
    for table in TABLES:
        assert read(output, table).sort(sort_keys(table)).equals(read(seeds_run[0], table).sort(sort_keys(table))), table
    assert sorted(read(output, "documents")["source_id"]) == ["seeds/000_b4d544e3e65197ec.txt",
                                                              "seeds/002_5338102599ccf4b8.txt"]
    # Without the record of the run that wrote them, files are named by the path the run was given.
    again = tmp_path / "v2-without-runs"
    shutil.copytree(seeds_run[0], again, ignore=shutil.ignore_patterns("_runs"))
    as_file_stems(again)
    io.write_json(again / io.CONTRACT_FILE, stored)
    migrate(again)
    documents = read(again, "documents")
    assert documents["source_id"].to_list() == documents["source_path"].to_list()


def test_a_schema_1_dataset_is_migrated_to_places_dates_and_events(seeds_run, tmp_path):
    output = tmp_path / "v1"
    shutil.copytree(seeds_run[0], output)
    as_schema_1(output)
    old = read(output, "entities")
    kherson = old.filter(pl.col("text") == "Kherson").sort("start_char").row(0, named=True)
    assert kherson["external_id"].startswith("geonames:")  # 1.x: the city
    assert read(output, "numbers").filter(surface="2014")["value"].to_list() == [2014.0, 2014.0]
    with pytest.raises(io.SchemaVersionError, match=r"written with schema 1.2 .*a breaking change.*newsfacts migrate"):
        io.check_contract(output)

    migrated = subprocess.run([sys.executable, "-m", "flows", "migrate", "--output", str(output)], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr
    assert f"events: {read(seeds_run[0], 'events').height} rows rewritten" in migrated.stdout
    io.check_contract(output)
    # What a 2.0 run writes, row for row: dates valued, places located and re-linked, events derived.
    for table in TABLES:
        if table == "quarantine":
            continue
        now, fresh = read(output, table), read(seeds_run[0], table)
        assert now.columns == fresh.columns, table
        assert now.sort(sort_keys(table)).equals(fresh.sort(sort_keys(table))), table
    numbers = read(output, "numbers")
    assert numbers.filter(surface="Friday", date_value="2022-09-30").height == 1
    assert numbers.filter(pl.col("kind").is_in(["date", "time"]))["value"].null_count() == \
        numbers.filter(pl.col("kind").is_in(["date", "time"])).height
    entities = read(output, "entities")
    assert entities.filter(text="Kherson").sort("start_char").row(0, named=True)["feature_class"] == "admin1"
