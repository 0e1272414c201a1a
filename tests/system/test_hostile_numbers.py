"""One article of absurd numbers among clean ones, and date headers with times and zones, through
the real `newsfacts run`: the run goes on, the article's rows that break the numbers gate are
quarantined, its other rows and every other article are written."""

from __future__ import annotations

import os
import subprocess
import sys

import polars as pl
import pytest
from prefect.settings import PREFECT_API_URL

from tests.conftest import ROOT, SEEDS, read
from tests.sample_articles import ARTICLES

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out

ABSURD = ("Officials said the fund held 1e300 dollars, or 9.9e25 euros, after a loss of $-5 per share. "
          "An account number 9" + "9" * 300 + " was found. Counts were 1,2,3,4,5,6 on Monday. "
          "Ten people were hurt and 25 were killed, the police said, and 300 homes were damaged.")
HEADERS = {"timed": " date 2022-09-30 10:00:00 ", "zoned": " date 2022-09-30T10:00:00Z ", "bad": " date 30/09/2022 "}


def test_one_article_of_absurd_numbers_does_not_fail_the_run(tmp_path):
    inputs, output = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (inputs / seed.name).write_bytes(seed.read_bytes())
    for copy in range(3):
        for name, text in ARTICLES.items():
            (inputs / f"{name}-{copy}.txt").write_text(f"Edition {copy}. {text}", encoding="utf-8")
    (inputs / "absurd.txt").write_text(ABSURD, encoding="utf-8")
    for name, header in HEADERS.items():
        (inputs / f"header-{name}.txt").write_text(f"{header}Kyiv said {name} things.", encoding="utf-8")
    documents_in = 2 + 3 * len(ARTICLES) + 1 + len(HEADERS)
    done = subprocess.run([sys.executable, "-m", "flows", "run", str(inputs), "--output", str(output), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    documents = read(output, "documents")
    assert documents.height == documents_in
    absurd = documents.filter(pl.col("source_path").str.ends_with("absurd.txt"))["doc_id"].item()
    numbers = read(output, "numbers")
    quarantine = read(output, "quarantine")
    held = quarantine.filter((pl.col("doc_id") == absurd) & (pl.col("reason") == "failed_expectation"))
    assert held.height >= 1, "the out-of-range amounts are quarantined"
    assert all("value" in detail for detail in held["detail"])
    mine = numbers.filter(pl.col("doc_id") == absurd)
    assert {25.0, 300.0} <= set(mine["value"].to_list()), "the article's sound numbers are written"
    assert numbers["surface"].str.len_chars().max() <= 100
    assert numbers["value"].abs().max() <= 1e18
    dates = dict(zip(documents["source_path"].str.extract(r"header-(\w+)\.txt"), documents["published_date"]))
    assert str(dates["timed"]) == str(dates["zoned"]) == "2022-09-30" and dates["bad"] is None
    flags = documents.filter(pl.col("source_path").str.ends_with("header-bad.txt"))["flags"].item().to_list()
    assert flags == ["invalid_date"]
    texts = documents.filter(pl.col("source_path").str.contains("header-"))["text"].to_list()
    assert all(text.startswith("Kyiv said") for text in texts), texts
