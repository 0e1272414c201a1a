"""Thousands of tiny documents through the real flow in many small batches: every batch committed
on its own, state carried from batch to batch (duplicates, publisher ids, near-duplicates,
surnames, the catalog), and the tables exactly those of one batch."""

from __future__ import annotations

import json
import random

import polars as pl
import pytest

from flows.news_pipeline import news_pipeline
from tasks.io import STATE_DIR
from tasks.schemas import PRIMARY_KEYS, TABLES
from tests.conftest import read

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out

CITIES = ["Kyiv", "Kharkiv", "Odesa", "Lviv", "Dnipro", "Warsaw", "Berlin", "Paris", "Nairobi", "Lagos"]
WHAT = ["people were evacuated", "homes lost power", "soldiers were wounded", "firms closed", "trains were late"]
FILES, FEEDS, PER_JSONL, BATCH = 1600, 20, 20, 270


def tiny(i: int, rng: random.Random) -> str:
    city = rng.choice(CITIES)
    return (f"Officials in {city} said on day {i} that {rng.randint(2, 9000):,} {rng.choice(WHAT)}. "
            f"Report number {i} was filed by desk {i % 7}.")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """1,600 .txt files and 20 JSONL files of 20 records: 2,000 records in 8 batches, with what needs state
    from earlier batches: exact duplicates, a reused publisher id, near-copies, a surname alone."""
    folder = tmp_path_factory.mktemp("batches") / "in"
    rng = random.Random(18)
    texts = [tiny(i, rng) for i in range(FILES)]
    texts[3] = "Vladimir Putin spoke in Moscow on Friday about 300,000 troops."
    texts[1300] = "Putin said on Monday that 12 regions would vote."  # the surname alone, batches later
    texts[1350] = texts[40]  # an exact duplicate of a document committed batches earlier
    texts[1380] = texts[50].replace("Officials", "Local officials")  # a near-copy
    for i, text in enumerate(texts):
        sub = folder / f"part-{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc-{i:05d}.txt").write_text(text, encoding="utf-8")
    feeds = folder / "zz-feeds"
    feeds.mkdir()
    for f in range(FEEDS):
        records = [{"id": f"wire-{f}-{r}", "source": "wire", "text": tiny(10_000 + f * PER_JSONL + r, rng),
                    "date": f"2022-{1 + f % 12:02d}-{1 + r:02d}"} for r in range(PER_JSONL)]
        if f == FEEDS - 1:  # a publisher id committed in the first feed's batch, with other text
            records[0] = {"id": "wire-0-0", "source": "wire", "text": "A different story from Kyiv with 5 people."}
        (feeds / f"feed-{f:02d}.jsonl").write_text("\n".join(map(json.dumps, records)), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def batched(corpus, tmp_path_factory):
    output = tmp_path_factory.mktemp("batched")
    return output, news_pipeline(inputs=[str(corpus)], output_dir=str(output), batch_size=BATCH, shard_size=64)


def comparable(output, table: str) -> pl.DataFrame:
    return read(output, table).drop("run_id", strict=False).sort(list(PRIMARY_KEYS[table]))


def test_many_batches_each_committed_with_its_accounting(batched):
    output, manifest = batched
    records = FILES + FEEDS * PER_JSONL
    assert len(manifest["batches"]) == records // BATCH + 1 == 8
    assert all(b["records"] <= BATCH for b in manifest["batches"])
    assert manifest["accounting"]["in"] == records and manifest["conserved"]
    assert sum(b["documents_written"] for b in manifest["batches"]) == read(output, "documents").height
    assert all(b["rss_mib"] > 0 for b in manifest["batches"])
    commits = sorted((output / STATE_DIR / "commits").glob("*.json"))
    assert len(commits) == len(manifest["batches"])
    assert json.loads(commits[-1].read_text())["rows_total"] == manifest["rows_total"]
    assert manifest["rows_total"] == {t: read(output, t).height for t in TABLES}


def test_state_carries_from_batch_to_batch(batched):
    output, _ = batched
    documents, quarantine = read(output, "documents"), read(output, "quarantine")
    by_name = {row["source_path"].rsplit("/", 1)[-1]: row for row in documents.iter_rows(named=True)}
    reasons = {(row["source_path"] or "").rsplit("/", 1)[-1]: row["reason"] for row in quarantine.iter_rows(named=True)}
    assert reasons["doc-01350.txt"] == "duplicate_document"
    assert reasons[f"feed-{FEEDS - 1:02d}.jsonl"] == "conflicting_id"
    assert by_name["doc-01380.txt"]["near_duplicate_of"] == by_name["doc-00050.txt"]["doc_id"]
    entities = read(output, "entities")
    putin = entities.filter(pl.col("text").is_in(["Vladimir Putin", "Putin"]))
    assert putin["entity_id"].n_unique() == 1 and putin.height == 2


def test_outputs_do_not_depend_on_the_batch_size(corpus, batched, tmp_path):
    output, _ = batched
    manifest = news_pipeline(inputs=[str(corpus)], output_dir=str(tmp_path), batch_size=10_000, shard_size=64)
    assert len(manifest["batches"]) == 1
    for table in TABLES:
        assert comparable(tmp_path, table).equals(comparable(output, table)), table


def test_a_run_over_the_same_inputs_reads_nothing(corpus, batched):
    output, first = batched
    again = news_pipeline(inputs=[str(corpus)], output_dir=str(output), batch_size=BATCH)
    assert again["batches"] == [] and again["files_unchanged"] == FILES + FEEDS
    assert again["rows_total"] == first["rows_total"]
