"""The real flow on the seeds and on bad input, read back with polars, pyarrow and DuckDB."""

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest
from prefect.client.orchestration import get_client

from flows.news_pipeline import news_pipeline
from tasks.schemas import TABLES
from tasks.validation import QualityGateError
from tests.conftest import ROOT, SEED_000, SEED_002, SEEDS, read, task_names


def doc(output, source_id):
    return read(output, "documents").filter(source_id=source_id).row(0, named=True)


def seed_id(seed: str, folder: str = "seeds") -> str:
    """The source id of a seed file read under an input folder named `folder`."""
    return f"{folder}/{seed}.txt"


def test_documents_have_date_header_parsed_and_dateline_captured(seeds_run):
    output, _ = seeds_run
    first, second = doc(output, seed_id(SEED_000)), doc(output, seed_id(SEED_002))
    assert str(first["published_date"]) == "2022-09-30"
    assert not first["text"].lstrip().startswith("date")
    assert first["text"].startswith("Russian President Vladimir Putin")
    assert first["raw_text"] == (SEEDS / f"{SEED_000}.txt").read_text()
    assert second["dateline"] == "MOSCOW, Russia"
    assert "The The" not in second["text"] and "The US announced sanctions" in second["text"]


def test_entities_are_real_ner_output_with_exact_offsets(seeds_run):
    output, _ = seeds_run
    entities = read(output, "entities")
    texts = dict(read(output, "documents").select("doc_id", "text").iter_rows())
    assert entities.height > 100
    assert ("Vladimir Putin", "PERSON") in set(entities.select("text", "label").iter_rows())
    for doc_id, start, end, text in entities.select("doc_id", "start_char", "end_char", "text").iter_rows():
        assert texts[doc_id][start:end] == text
    # Sentences come from the model's sentence splitter, not one sentence per document.
    assert entities["sentence_index"].max() > 20


PLACES_MISTAKEN_FOR_PEOPLE = ("Kherson", "Luhansk", "Kyiv", "Zaporizhzhia", "Zaporozhye", "Lyman", "Liman",
                              "Mykolaiv", "Odessa", "Donbass", "Donetsk People’s Republics")


def test_no_place_is_a_person_and_variants_share_one_entity(seeds_run):
    output, _ = seeds_run
    entities = read(output, "entities")
    people = set(entities.filter(label="PERSON")["text"])
    assert not people & set(PLACES_MISTAKEN_FOR_PEOPLE)
    assert {"Vladimir Putin", "Andrii Yermak", "Jens Stoltenberg", "Denis Pushylin"} <= people
    ids = dict(entities.select("text", "entity_id").iter_rows())
    for variants in (("Zelensky", "Vladimir Zelensky", "Володимир Зеленський"),
                     ("Zaporizhzhia", "Zaporizhia Oblast"), ("Lyman", "Liman"),
                     ("Putin", "Vladimir Putin")):
        assert len({ids[v] for v in variants}) == 1, variants
    assert ids["Putin"] != ids["Zelensky"]


def test_entity_catalog_lists_every_entity_once(seeds_run):
    output, _ = seeds_run
    catalog, entities = read(output, "entity_catalog"), read(output, "entities")
    assert catalog["entity_id"].is_unique().all()
    assert set(entities["entity_id"]) == set(catalog["entity_id"])
    assert catalog["mention_count"].sum() == entities.height
    # A mention carries its entity's preferred name as of its document; the last document that
    # mentions an entity carries the name the catalog ends with.
    names = dict(catalog.select("entity_id", "canonical_name").iter_rows())
    order = {doc_id: i for i, doc_id in enumerate(read(output, "documents").sort("source_path")["doc_id"])}
    last = entities.with_columns(order=pl.col("doc_id").replace_strict(order)).filter(
        pl.col("order") == pl.col("order").max().over("entity_id"))
    assert all(names[i] == n for i, n in last.select("entity_id", "canonical_name").iter_rows())
    zelensky = catalog.filter(pl.col("aliases").list.contains("Zelensky")).row(0, named=True)
    assert zelensky["label"] == "PERSON" and zelensky["document_count"] == 2
    assert str(zelensky["first_seen"]) == "2022-09-30"
    lyman = catalog.filter(pl.col("aliases").list.contains("Liman")).row(0, named=True)
    assert lyman["external_id"].startswith("geonames:") and "Lyman" in lyman["aliases"]


def test_numbers_from_the_seeds(seeds_run):
    output, _ = seeds_run
    numbers = read(output, "numbers")
    texts = dict(read(output, "documents").select("doc_id", "text").iter_rows())
    for doc_id, start, end, surface in numbers.select("doc_id", "start_char", "end_char", "surface").iter_rows():
        assert texts[doc_id][start:end] == surface
    by_surface = {row["surface"]: row for row in numbers.iter_rows(named=True)}

    def check(surface, **expected):
        row = by_surface[surface]
        assert {k: row[k] for k in expected} == expected, surface

    check("25", value=25, kind="count", object="people", count_type="KILL")
    check("50", value=50, count_type="WOUND")
    check("300,000", value=300000, kind="count", object="troops")
    check("more than 1,000", value=1000, qualifier=">", object="people and firms")
    check("about 60%", value=60, kind="percent", unit="percent", qualifier="~")
    check("18%", value=18, kind="percent", unit="percent")
    check("between 87% and 99%", value_low=87, value_high=99, kind="percent", unit="percent")
    check("tens of thousands", value_low=20000, value_high=90000, qualifier="~")
    check("3 p.m.", kind="time", value=None, date_value="2022-09-30T15:00", date_granularity="time")
    check("2014", kind="date", value=None, date_value="2014", date_granularity="year")
    check("27", value=27, object="member states")
    check("seven-month", kind="duration", unit="month", value=7)
    check("at least one", qualifier=">=", count_type="KILL")


def test_places_have_coordinates_and_regions_are_divisions(seeds_run):
    output, _ = seeds_run
    entities = read(output, "entities")
    place = {row["text"]: row for row in entities.iter_rows(named=True)}
    kyiv = place["Kyiv"]
    assert (kyiv["feature_class"], kyiv["country_code"], kyiv["admin1_code"]) == ("city", "UA", "UA-30")
    assert abs(kyiv["latitude"] - 50.45) < 0.05 and abs(kyiv["longitude"] - 30.52) < 0.05
    for region, code in (("Zaporizhia Oblast", "UA-23"), ("Kherson Oblasts", "UA-65"),
                         ("Donetsk People’s Republics", "UA-14")):
        assert (place[region]["feature_class"], place[region]["admin1_code"]) == ("admin1", code), region
    # `Kherson and Zaporizhzhia regions`: both names are the regions, not their capitals.
    first = entities.filter(pl.col("text").is_in(["Kherson", "Zaporizhzhia"])).sort("start_char").head(2)
    assert first["feature_class"].to_list() == ["admin1", "admin1"]
    assert place["Ukraine"]["feature_class"] == "country" and place["Europe"]["feature_class"] == "continent"
    assert place["Donbass"]["feature_class"] == "region" and place["Donbass"]["country_code"] == "UA"
    catalog = read(output, "entity_catalog")
    assert catalog.filter(canonical_name="Kyiv")["latitude"].to_list() == [kyiv["latitude"]]
    documents = read(output, "documents")
    assert documents["focus_country"].to_list() == ["UA", "UA"]
    ukraine = catalog.filter(canonical_name="Ukraine")["entity_id"].item()
    assert documents["focus_entity_id"].to_list() == [ukraine, ukraine]


def test_dates_are_resolved_against_the_published_date(seeds_run):
    output, _ = seeds_run
    numbers = read(output, "numbers").join(read(output, "documents").select("doc_id", "source_id"), on="doc_id")
    dated = {(row["source_id"], row["surface"]): row["date_value"] for row in numbers.iter_rows(named=True)}
    first, second = seed_id(SEED_000), seed_id(SEED_002)
    assert dated[(first, "Friday")] == "2022-09-30"  # the article's own date, a Friday
    assert dated[(first, "last week")] == "2022-W38"
    assert dated[(first, "September 29, 2022")] == "2022-09-29"
    # The second seed has no date: its relative dates have no value, its absolute ones do.
    assert dated[(second, "February 24")] is None and dated[(second, "2014")] == "2014"


def test_counts_are_events_with_a_place_an_actor_and_a_date(seeds_run):
    output, _ = seeds_run
    events = read(output, "events")
    catalog = dict(read(output, "entity_catalog").select("entity_id", "canonical_name").iter_rows())
    killed = events.filter(count_type="KILL", value=25).row(0, named=True)
    # `Russia bombarded Ukrainian cities ..., killing 25 people`
    assert (killed["country_code"], catalog[killed["actor_entity_id"]], catalog[killed["place_entity_id"]]) == \
        ("UA", "Russia", "Ukraine")
    assert killed["object"] == "people" and "killing 25 people" in killed["sentence"]
    numbers = read(output, "numbers")
    assert events.height == numbers.filter(pl.col("count_type") != "").height
    dated = read(output, "documents").select("doc_id", "published_date")
    for row in events.join(dated, on="doc_id").iter_rows(named=True):
        assert row["event_date"] == row["published_date"] or row["event_date_source"] == "sentence"


def test_tables_read_as_datasets_with_declared_schemas(seeds_run):
    output, manifest = seeds_run
    for table, schema in TABLES.items():
        dataset = ds.dataset(output / table, format="parquet")
        assert dataset.schema.equals(schema), table
        sql = f"select count(*) from read_parquet('{output}/{table}/**/*.parquet')"
        assert duckdb.sql(sql).fetchall()[0][0] == manifest["rows_total"][table]
    assert manifest["rows_total"]["documents"] == 2


def test_manifest_accounts_for_every_row_and_keeps_validation_results(seeds_run):
    output, manifest = seeds_run
    assert manifest["status"] == "completed" and manifest["conserved"]
    stages = {s["stage"]: s for s in manifest["stages"]}
    assert stages["ingest_documents"]["in"] == 2 and stages["clean_documents"]["out"] == 2
    assert [g["suite"] for g in manifest["gates"]] == ["ingested", "documents", "sentences", "numbers", "entities",
                                                       "entity_catalog", "events", "quotes", "quarantine",
                                                       "stage_counts"]
    assert manifest["accounting"] | {"seconds": 0} == {
        "stage": "overall", "unit": "records", "in": 2, "out": 2, "quarantined": 0, "skipped": 0,
        "conserved": True, "seconds": 0, "held_back": 0, "already_written": 0}
    assert [b["batch"] for b in manifest["batches"]] == [1] and manifest["batches"][0]["documents_written"] == 2
    run_dir = Path(manifest["run_dir"])
    assert json.loads((run_dir / "manifest.json").read_text())["run_id"] == manifest["run_id"]
    for gate in manifest["gates"]:
        result = json.loads((run_dir / "validation" / "batch-00001" / f"{gate['suite']}.json").read_text())
        assert result["success"] is True and result["statistics"]["evaluated_expectations"] > 3
    docs_index = Path(manifest["data_docs"])
    # The gates the batch task ran and those the flow ran, in one site.
    assert docs_index.exists() and all(gate["suite"] in docs_index.read_text() for gate in manifest["gates"])


def test_flow_and_stage_tasks_are_recorded_by_the_prefect_server(seeds_run):
    _, manifest = seeds_run
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(manifest["flow_run_id"])
        names = task_names(client, run.id)
    assert run.state.is_completed() and run.name.startswith("news-pipeline/seeds/")
    assert {"read_run_state", "read_files", "ingest_documents", "clean_documents", "detect_language",
            "find_near_duplicates", "extract_mentions", "extract_shard", "link_entities", "merge_entity_catalog",
            "validate_entity_catalog", "validate_entities", "validate_numbers",
            "validate_quarantine", "validate_stage_counts", "commit_batch", "write_run_report"} <= names


def test_every_step_is_declared_once_and_named_after_its_function_or_suite():
    from tasks.pipeline.declaration import BATCH_STEPS, PIPELINE, RUN_STEPS
    from tasks.pipeline.step import Gate

    names = [step.name for step in PIPELINE]
    assert len(names) == len(set(names))
    for step in PIPELINE:
        assert step.name == (f"validate_{step.suite}" if isinstance(step, Gate) else step.fn.__name__)
    # Each stage reads only what the batch has or what an earlier stage gave; the entity catalog,
    # which each batch changes, only in the steps the flow runs in batch order.
    assert BATCH_STEPS + RUN_STEPS == PIPELINE
    available = {"entries", "known", "near_duplicate_store", "extracted", "shard_extractor"}
    for step in PIPELINE:
        if step is RUN_STEPS[0]:
            available.add("entity_catalog")
        reads = [step.value] if isinstance(step, Gate) else step.takes
        assert set(reads) <= available, step.name
        available |= set([] if isinstance(step, Gate) else step.gives)


def test_second_run_adds_no_rows(seeds_run, tmp_path):
    output, first = seeds_run
    before = {table: read(output, table).sort(read(output, table).columns[:3]) for table in TABLES}
    # The same files again, unchanged: skipped unread.
    again = news_pipeline(inputs=first["inputs"], output_dir=str(output))
    assert set(again["rows_written"].values()) == {0}
    assert again["files_unchanged"] == 2 and again["batches"] == [] and again["stages"] == []
    assert again["rows_total"] == first["rows_total"]
    # The same articles from other files (a copy of the folder): read, and skipped as already written.
    copy = news_pipeline(inputs=[str(SEEDS)], output_dir=str(output))
    assert set(copy["rows_written"].values()) == {0}
    assert copy["accounting"]["already_written"] == 2 and copy["accounting"]["skipped"] == 2
    for table in TABLES:
        assert read(output, table).sort(before[table].columns[:3]).equals(before[table]), table


@pytest.fixture
def bad_inputs(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners in Kyiv said 12 people left.".encode("latin-1"))
    (folder / "feed.jsonl").write_text(
        json.dumps({"id": "wire-1", "text": "Officials in Kyiv said 40 people were evacuated.",
                    "date": "2022-10-01"}) + "\n{broken json\n", encoding="utf-8")
    (folder / "copy.txt").write_bytes((SEEDS / f"{SEED_002}.txt").read_bytes())
    return folder


def test_bad_input_is_quarantined_and_the_rest_is_written(bad_inputs, tmp_path):
    manifest = news_pipeline(inputs=[str(bad_inputs)], output_dir=str(tmp_path / "out"))
    output = tmp_path / "out"
    quarantine = read(output, "quarantine")
    reasons = {(row["source_path"].rsplit("/", 1)[-1], row["reason"]) for row in quarantine.iter_rows(named=True)}
    assert {("empty.txt", "empty_file"), ("feed.jsonl", "malformed_jsonl")} <= reasons
    # copy.txt repeats a seed byte for byte: the first in input order is kept, the other quarantined.
    assert {r for r in reasons if r[1] == "duplicate_document"} == {("copy.txt", "duplicate_document")}
    # A file is named by its path within the input's folder, a JSONL record by its id.
    assert sorted(read(output, "documents")["source_id"].to_list()) == sorted(
        [seed_id(SEED_002, "in"), seed_id(SEED_000, "in"), "wire-1", "in/latin1.txt"])
    latin1 = doc(output, "in/latin1.txt")
    assert latin1["text"].startswith("Café owners") and latin1["encoding"] == "cp1252"
    assert latin1["flags"] == ["legacy_encoding"]
    wire = doc(output, "wire-1")
    assert str(wire["published_date"]) == "2022-10-01" and wire["record_index"] == 1
    assert manifest["conserved"] and manifest["quarantine_reasons"]["empty_file"] == 1
    again = news_pipeline(inputs=[str(bad_inputs)], output_dir=str(output))
    assert set(again["rows_written"].values()) == {0}
    assert again["rows_total"] == manifest["rows_total"]


def test_flow_loads_from_its_deployment_entrypoint():
    from prefect.flows import load_flow_from_entrypoint

    loaded = load_flow_from_entrypoint(f"{ROOT}/flows/news_pipeline.py:news_pipeline")
    assert loaded.name == "news-pipeline"
    assert set(loaded.parameters.properties) == {"inputs", "output_dir", "model", "max_failed_share", "full_refresh",
                                                 "batch_size", "workers", "shard_size", "extract_processes",
                                                 "dask_address",
                                                 "max_document_bytes", "max_page_bytes", "languages",
                                                 "near_duplicate_threshold",
                                                 "feeds", "max_pages", "fetch_delay", "fetch_timeout"}
    # Types, defaults and descriptions come from RunConfig, the one declaration of the parameters.
    from tasks.config import RunConfig, fields

    schema = loaded.parameters.properties
    assert schema["batch_size"]["default"] == RunConfig().batch_size and schema["batch_size"]["type"] == "integer"
    for spec in fields():
        assert spec.metadata["help"][:40] in schema[spec.name]["description"].replace("\n", " "), spec.name


def test_failing_quality_gate_fails_the_run_with_a_clear_message(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    records = [{"id": f"r{i}", "text": f"Story number {i} from Kyiv.", "date": "2022-10-01"} for i in range(3)]
    records[0]["date"] = "1850-01-01"
    (folder / "feed.jsonl").write_text("\n".join(map(json.dumps, records)), encoding="utf-8")
    with pytest.raises(QualityGateError, match=r"'ingested'.*1 of 3 rows.*published_date"):
        news_pipeline(inputs=[str(folder)], output_dir=str(tmp_path / "out"), max_failed_share=0.1)
    assert not (tmp_path / "out" / "documents").exists()
    quarantine = read(tmp_path / "out", "quarantine")
    assert quarantine["source_id"].to_list() == ["r0"]
    assert "published_date" in quarantine["detail"][0]
    # Under a looser gate the same input passes and the bad row stays quarantined.
    manifest = news_pipeline(inputs=[str(folder)], output_dir=str(tmp_path / "out"), max_failed_share=0.5)
    assert manifest["rows_total"]["documents"] == 2 and manifest["rows_total"]["quarantine"] == 1


def test_incremental_runs_give_the_same_ids_and_catalog_as_one_full_run(tmp_path):
    one_by_one, at_once = tmp_path / "incremental", tmp_path / "full"
    for seed in (SEED_000, SEED_002):
        news_pipeline(inputs=[str(SEEDS / f"{seed}.txt")], output_dir=str(one_by_one))
    news_pipeline(inputs=[str(SEEDS)], output_dir=str(at_once))
    mention_keys = ["doc_id", "start_char", "end_char", "label"]
    for output in (one_by_one, at_once):
        assert read(output, "entity_catalog")["mention_count"].sum() == read(output, "entities").height
    incremental, full = (read(o, "entities").select(*mention_keys, "entity_id").sort(mention_keys)
                         for o in (one_by_one, at_once))
    assert incremental.equals(full)
    columns = ["entity_id", "canonical_name", "label", "aliases", "mention_count", "document_count", "external_id"]
    incremental, full = (read(o, "entity_catalog").select(columns).sort("entity_id") for o in (one_by_one, at_once))
    assert incremental.equals(full)
    for table, keys in (("documents", ["doc_id"]), ("numbers", ["doc_id", "start_char"])):
        assert read(one_by_one, table).drop("run_id", "source_id", strict=False).sort(keys).equals(
            read(at_once, table).drop("run_id", "source_id", strict=False).sort(keys)), table
    # A file given as an input is named by its file name; found in a folder, by its path from there.
    assert sorted(read(one_by_one, "documents")["source_id"]) == [f"{SEED_000}.txt", f"{SEED_002}.txt"]
    assert sorted(read(at_once, "documents")["source_id"]) == [seed_id(SEED_000), seed_id(SEED_002)]
    # A full refresh rebuilds every table from the inputs alone.
    refreshed = news_pipeline(inputs=[str(SEEDS)], output_dir=str(one_by_one), full_refresh=True)
    assert refreshed["rows_written"]["documents"] == 2
    assert refreshed["rows_total"] == news_pipeline(inputs=[str(SEEDS)], output_dir=str(at_once))["rows_total"]


def test_a_catalog_written_before_its_aggregates_were_stored_is_recounted_once(tmp_path):
    from tasks import io

    old, full = tmp_path / "old", tmp_path / "full"
    news_pipeline(inputs=[str(SEEDS / f"{SEED_000}.txt")], output_dir=str(old))
    catalog = read(old, "entity_catalog")
    assert catalog["alias_counts"].null_count() == 0
    # As schema 1.0 wrote it: no counts per spelling or label.
    io.replace_table(old, "entity_catalog", catalog.with_columns(alias_counts=None, label_counts=None))
    news_pipeline(inputs=[str(SEEDS)], output_dir=str(old))
    news_pipeline(inputs=[str(SEEDS)], output_dir=str(full))
    recounted, at_once = (read(o, "entity_catalog").sort("entity_id") for o in (old, full))
    assert recounted.equals(at_once)
    assert recounted["mention_count"].sum() == read(old, "entities").height


def test_a_quarantine_row_failing_its_own_suite_is_written_as_a_row_saying_so(tmp_path, monkeypatch):
    import tasks.documents.clean as pipeline
    from tasks.quarantine import quarantine_frame, quarantine_row

    real_clean = pipeline.clean_documents

    def clean_with_a_malformed_quarantine_row(*args, **kwargs):
        documents, quarantined, skipped = real_clean(*args, **kwargs)
        malformed = quarantine_row(record_kind="document", reason="not-a-known-reason",
                                   detail="a stage that named no known reason", doc_id="d-malformed")
        return documents, pl.concat([quarantined, quarantine_frame([malformed])]), skipped

    monkeypatch.setattr(pipeline, "clean_documents", clean_with_a_malformed_quarantine_row)
    with pytest.raises(QualityGateError, match="quarantine"):
        news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path))
    quarantine = read(tmp_path, "quarantine")
    assert "not-a-known-reason" not in quarantine["reason"].to_list()  # the contract's reasons only
    (row,) = quarantine.filter(stage="validate_quarantine", reason="failed_expectation").iter_rows(named=True)
    assert "reason" in row["detail"] and row["run_id"]


def test_a_dataset_without_run_state_gets_it_built_once_and_compaction_keeps_it(tmp_path):
    from tasks import io

    output = tmp_path / "out"
    news_pipeline(inputs=[str(SEEDS / f"{SEED_000}.txt")], output_dir=str(output))
    shutil.rmtree(output / io.STATE_DIR)  # as a dataset written before run state existed
    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(SEEDS / f"{SEED_002}.txt", later)
    seed = (SEEDS / f"{SEED_000}.txt").read_text(encoding="utf-8")
    (later / "edited.txt").write_text(seed.replace("signed", "has signed", 1) + "\nUpdated.", encoding="utf-8")
    manifest = news_pipeline(inputs=[str(later)], output_dir=str(output), batch_size=1)
    records = [json.loads(p.read_text()) for p in sorted((output / io.STATE_DIR / "commits").glob("*.json"))]
    assert records[0]["status"] == "state built" and len(records) == 3  # then one per batch
    documents = read(output, "documents")
    edited = documents.filter(source_id="later/edited.txt").row(0, named=True)
    # Found against the document written before the state existed: its signature was built once.
    assert edited["near_duplicate_of"] == documents.filter(source_id=f"{SEED_000}.txt")["doc_id"][0]
    assert manifest["rows_total"] == {t: read(output, t).height for t in TABLES}
    # Compaction merges each state table's files into one and loses nothing a run needs.
    changed = io.compact(output)
    assert changed["_state/signatures"] == (3, 1) and changed["_state/inputs"] == (2, 1)
    again = news_pipeline(inputs=[str(later)], output_dir=str(output))
    assert again["files_unchanged"] == 2 and again["batches"] == []
