"""A hostile input folder, generated here, through the real flow: every entry ends up written or
quarantined with a named reason, and the good articles come through untouched."""

import gzip
import json
import os
import random
import shutil
import zlib
from pathlib import Path

import polars as pl
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId, LogFilter, LogFilterFlowRunId
from prefect.client.schemas.sorting import FlowRunSort

from flows.news_pipeline import news_pipeline
from tests.conftest import SEED_000, SEEDS, read
from tests.sample_articles import ARTICLES, GERMAN, near_copy

LONG_MARKER = "UNIQUE-LOG-CANARY"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(input folder, output folder, manifest of the real flow over it, names of its cases)."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "in"
    folder.mkdir()
    shutil.copy(SEEDS / f"{SEED_000}.txt", folder / "seed.txt")
    rng = random.Random(6)
    files = {
        "empty.txt": b"",
        "blank.txt": b"  \n\t \r\n ",
        "report.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n" + zlib.compress(
            rng.randbytes(2000)) + b"\nendstream\n",
        "photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(500),
        "archive.txt": gzip.compress(ARTICLES["harvest"].encode()),
        "garbage.txt": rng.randbytes(4000),
        "damaged-utf8.txt": ARTICLES["rail"].encode()[:40] + b"\xff\xfe" + ARTICLES["rail"].encode()[40:],
        "utf16.txt": ARTICLES["storm"].encode("utf-16"),
        "cp1252.txt": ARTICLES["chips"].encode("cp1252"),
        "mojibake.txt": ARTICLES["museum"].replace("Fischer", "Fischer’s").encode().decode("cp1252", "replace")
        .encode("utf-8"),
        "huge.txt": (ARTICLES["wheat"] + " ").encode() * 60_000,  # 20 MB
        "control.txt": ARTICLES["wheat"].replace("Egypt, ", "Egypt,\x00 ").replace("Bread", "\x07Bread").encode(),
        "bad-date.txt": b" date 2022-13-45 " + ARTICLES["harvest"].encode(),
        "near-copy.txt": b" date 2022-09-30 " + near_copy(ARTICLES["harvest"]).encode(),
        "german.txt": GERMAN.encode(),
        "with space.txt": b"Officials in Lviv said 12 schools reopened on Monday.",
        "ünïcödé – Київ.txt": "Officials in Kharkiv said 30 buses were sent to the city.".encode(),
        "$(touch pwned); `id` 'q' *?.txt": b"Officials in Odesa said 5 ships left the port on Friday.",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    records = [
        {"id": "w1", "text": "Officials in Kyiv said 40 people were evacuated.", "date": "2022-10-01"},
        "{broken json",
        {"text": "A record without an id."},
        {"id": "w3"},
        {"id": "w4", "text": 12345},
        {"id": "w5", "text": "Fine text.", "title": ["not", "a", "string"]},
        {"id": "w1", "text": "A different story reusing the id w1."},
        ["an", "array"],
        {"id": "../../../../escape", "text": "Officials in Dnipro said 7 trains ran late."},
        {"id": "w9", "text": "A long wire story. " * 40 + LONG_MARKER},
    ]
    (folder / "feed.jsonl").write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records))
    (folder / "sub").mkdir()
    (folder / "sub" / "loop").symlink_to(folder)
    (folder / "dangling.txt").symlink_to(root / "missing.txt")
    os.mkfifo(folder / "pipe.txt")
    output = root / "out"
    manifest = news_pipeline(inputs=[str(folder)], output_dir=str(output))
    return folder, output, manifest


def outcome(output: Path) -> dict[str, set[str]]:
    """File name -> reasons it was quarantined for, or flags of the documents it was written as."""
    found: dict[str, set[str]] = {}
    for row in read(output, "quarantine").iter_rows(named=True):
        found.setdefault(Path(row["source_path"] or "?").name, set()).add(row["reason"])
    for row in read(output, "documents").iter_rows(named=True):
        found.setdefault(Path(row["source_path"]).name, set()).update({"written", *row["flags"]})
    return found


def test_each_hostile_case_is_written_or_quarantined_with_its_reason(hostile):
    _, output, manifest = hostile
    got = outcome(output)
    assert got["empty.txt"] == got["blank.txt"] == {"empty_file"}
    assert got["report.txt"] == got["photo.txt"] == got["archive.txt"] == {"binary_file"}
    assert got["garbage.txt"] == {"undetectable_encoding"}
    assert got["huge.txt"] == {"too_large"}
    assert got["loop"] == {"symlink_loop"}
    assert got["dangling.txt"] == {"unreadable_file"}
    assert got["pipe.txt"] == {"not_a_regular_file"}
    assert got["damaged-utf8.txt"] == {"written", "invalid_utf8_replaced"}
    assert got["utf16.txt"] == {"written"}
    assert got["cp1252.txt"] == {"written", "legacy_encoding"}
    assert got["mojibake.txt"] == {"written", "mojibake_repaired"}
    assert got["control.txt"] == {"written", "control_chars_removed"}
    assert got["bad-date.txt"] == {"written", "invalid_date"}
    assert got["near-copy.txt"] == {"written", "near_duplicate"}
    assert got["german.txt"] == {"written", "not_extracted_language"}
    assert got["seed.txt"] == {"written"}
    for name in ("with space.txt", "ünïcödé – Київ.txt", "$(touch pwned); `id` 'q' *?.txt"):
        assert got[name] == {"written"}, name
    assert got["feed.jsonl"] == {"written", "malformed_jsonl", "invalid_record", "conflicting_id"}
    assert manifest["status"] == "completed" and manifest["conserved"]


def test_jsonl_records_are_judged_one_by_one(hostile):
    _, output, _ = hostile
    quarantine = read(output, "quarantine").filter(source_path=str(hostile[0] / "feed.jsonl"))
    by_line = {row["record_index"]: (row["reason"], row["detail"]) for row in quarantine.iter_rows(named=True)}
    assert by_line[2][0] == "malformed_jsonl"
    assert "missing 'id'" in by_line[3][1] and "missing 'text'" in by_line[4][1]
    assert "'text' must be a string" in by_line[5][1] and "'title' must be a string" in by_line[6][1]
    assert by_line[7][0] == "conflicting_id" and "'w1'" in by_line[7][1]
    assert "expected an object, got list" in by_line[8][1]
    written = read(output, "documents").filter(source_path=str(hostile[0] / "feed.jsonl"))
    assert sorted(written["source_id"]) == ["../../../../escape", "w1", "w9"]


def test_repaired_texts_read_as_the_original_article(hostile):
    _, output, _ = hostile
    docs = {Path(r["source_path"]).name: r for r in read(output, "documents").iter_rows(named=True)}
    assert docs["utf16.txt"]["text"] == ARTICLES["storm"] and docs["utf16.txt"]["encoding"] == "utf-16"
    assert docs["cp1252.txt"]["text"] == ARTICLES["chips"] and docs["cp1252.txt"]["encoding"] == "cp1252"
    assert docs["mojibake.txt"]["text"] == ARTICLES["museum"].replace("Fischer", "Fischer’s")
    assert "\ufffd" in docs["damaged-utf8.txt"]["text"] and "Deutsche Bahn" in docs["damaged-utf8.txt"]["text"]
    assert "\x00" not in docs["control.txt"]["text"] and "\x07" not in docs["control.txt"]["text"]
    assert docs["bad-date.txt"]["published_date"] is None and docs["bad-date.txt"]["text"].startswith("Farmers")
    copy = docs["near-copy.txt"]
    assert copy["near_duplicate_of"] == docs["bad-date.txt"]["doc_id"] and 0.5 < copy["near_duplicate_similarity"] < 1
    assert docs["german.txt"]["language"] == "de" and docs["seed.txt"]["language"] == "en"


def test_unextracted_languages_get_no_mentions_and_the_rest_do(hostile):
    _, output, manifest = hostile
    docs = {Path(r["source_path"]).name: r["doc_id"] for r in read(output, "documents").iter_rows(named=True)}
    entities, numbers = read(output, "entities"), read(output, "numbers")
    assert entities.filter(doc_id=docs["german.txt"]).height == numbers.filter(doc_id=docs["german.txt"]).height == 0
    assert "Arizona" in entities.filter(doc_id=docs["cp1252.txt"])["text"].to_list()
    assert "Kharkiv" in entities.filter(doc_id=docs["ünïcödé – Київ.txt"])["text"].to_list()
    extract = next(s for s in manifest["stages"] if s["stage"] == "extract_mentions")
    assert extract["in"] == extract["out"] and extract["quarantined"] == 0  # written, without mentions
    assert manifest["flags"]["not_extracted_language"] == 1


def test_every_input_is_accounted_for_in_the_manifest(hostile):
    folder, output, manifest = hostile
    account = manifest["accounting"]
    assert account["in"] == account["out"] + account["quarantined"] + account["skipped"]
    files = {s["stage"]: s for s in manifest["stages"]}["read_files"]
    # Every entry of the folder is one input, `sub` standing for the one link inside it (`loop`).
    assert files["in"] == len(os.listdir(folder))
    assert files["in"] == files["out"] + files["quarantined"]
    documents = read(output, "documents").height
    quarantined = read(output, "quarantine").filter(pl.col("record_kind").is_in(["file", "record", "document"])).height
    assert account["out"] == documents and account["quarantined"] == quarantined
    assert {g["suite"]: g["passed"] for g in manifest["gates"]}["stage_counts"] is True


def test_nothing_is_written_outside_the_output_and_logs_hold_no_article_text(hostile):
    folder, output, manifest = hostile
    assert sorted(p.name for p in output.parent.iterdir()) == ["in", "out"]
    assert not any(folder.rglob("pwned")) and not (Path.cwd() / "pwned").exists()
    logs, only_this_run = [], LogFilter(flow_run_id=LogFilterFlowRunId(any_=[manifest["flow_run_id"]]))
    with get_client(sync_client=True) as client:
        while page := client.read_logs(log_filter=only_this_run, limit=200, offset=len(logs)):
            logs += page
    assert len(logs) > 20, "the run's logs were recorded"
    for message in (log.message for log in logs):
        assert LONG_MARKER not in message and ARTICLES["harvest"][:80] not in message
    # Nor do flow-run parameters, which the UI shows (and the API caps at 512 KB).
    with get_client(sync_client=True) as client:
        runs = [client.read_flow_run(manifest["flow_run_id"]), *client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[manifest["flow_run_id"]])),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=50)]
    for run in runs:
        assert LONG_MARKER not in json.dumps(run.parameters, default=str)


def test_a_rerun_over_the_same_hostile_folder_adds_nothing(hostile):
    folder, output, first = hostile
    again = news_pipeline(inputs=[str(folder)], output_dir=str(output))
    assert set(again["rows_written"].values()) == {0}
    assert again["rows_total"] == first["rows_total"] and again["conserved"]
