"""What a person sees: the run report in headless Chromium, and progress while a run goes."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEEDS, read, render_in_chromium, server_env

from flows.progress import TerminalProgress, emit
from tasks.documents.sentences import sentence_around
from tasks.report import event_dates, events_chart, merge_aggregates, number_kinds_shown


def test_events_are_added_up_by_date_and_type_across_batches_and_charted():
    import datetime as dt

    import polars as pl

    day = dt.date(2022, 9, 30)
    events = pl.DataFrame({"event_date": [day, day, None], "count_type": ["KILL", "KILL", "WOUND"],
                           "value": [25.0, 1.0, 50.0]})
    batch = {"documents": 1, "undated_documents": 0, "number_kinds": [], "largest_counts": [],
             "event_dates": event_dates(events)}
    assert batch["event_dates"] == [["2022-09-30", "KILL", 2, 26.0]]  # the undated one is left out
    merged = merge_aggregates(batch, batch | {"event_dates": [["2022-09-29", "WOUND", 1, 50.0],
                                                              ["2022-09-30", "KILL", 1, 3.0]]})
    assert merged["event_dates"] == [["2022-09-29", "WOUND", 1, 50.0], ["2022-09-30", "KILL", 3, 29.0]]
    # A commit record written before events existed adds nothing.
    assert merge_aggregates({k: v for k, v in batch.items() if k != "event_dates"}, batch)["event_dates"] == \
        batch["event_dates"]
    svg = events_chart(merged["event_dates"])
    assert svg.startswith("<svg") and "Events by event date" in svg and "KILL" in svg and "WOUND" in svg

def test_report_is_one_self_contained_page_beside_the_outputs(seeds_run):
    output, manifest = seeds_run
    page = (output / "report.html").read_text(encoding="utf-8")
    # The copy beside the tables is the latest run's (other tests may rerun into this output).
    latest = sorted((output / "_runs").glob("*/report.html"))[-1]
    assert manifest["report"] in {str(p) for p in (output / "_runs").glob("*/report.html")}
    assert page == latest.read_text(encoding="utf-8").replace(
        "data_docs/index.html", f"_runs/{latest.parent.name}/data_docs/index.html")
    assert "<script" not in page and not re.search(r"""(src|href)=["']https?:""", page), "it must open offline"
    # Entities, the map, the timeline, the tone, numbers, stages (the seeds' events are all undated: no
    # event timeline).
    assert page.count("<svg") == 6
    for href in set(re.findall(r'<a href="([^"]+)"', page)):
        assert (output / href).exists(), href
    for name, value in (("documents", 2), ("entity mentions", read(output, "entities").height),
                        ("entities", read(output, "entity_catalog").height),
                        ("numbers", read(output, "numbers").height),
                        ("events", read(output, "events").height)):
        assert f'data-figure="{name}"><b>{value:,}</b>' in page
    assert "Russia bombarded Ukrainian cities" in page  # the sentence of the largest KILL count


def test_report_renders_in_headless_chromium_with_its_charts(seeds_run):
    output, manifest = seeds_run
    screenshot = ROOT / "build" / "screenshots" / "run-report.png"
    dom = render_in_chromium(Path(manifest["report"]).resolve().as_uri(), screenshot, window="1280,2400")
    print(f"run report screenshot: {screenshot}")
    assert screenshot.exists() and screenshot.stat().st_size > 50_000
    assert dom.count("<svg") == 6 and dom.count("<path") > 50  # bars, lines, outlines and markers were drawn
    for title in ("Top entities per label", "Places mentioned", "Mentions of the top entities by published date",
                  "Tone of the sentences mentioning the top entities",
                  "Numbers by kind / unit", "Slowest stages"):
        assert title in dom
    numbers = read(output, "numbers").height
    assert manifest["run_id"] in dom and f'data-figure="numbers"><b>{numbers}</b>' in dom
    # The map names the most mentioned place, drawn where it is among the countries' outlines.
    assert "Russia" in dom.split("Places mentioned")[1].split("</svg>")[0]


def test_the_prefect_link_artifact_points_to_the_report(seeds_run):
    import httpx
    from prefect.settings import PREFECT_API_URL

    output, manifest = seeds_run
    found = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", timeout=30, json={
        "artifacts": {"key": {"any_": ["news-pipeline-report"]}}, "sort": "CREATED_DESC", "limit": 200, "offset": 0})
    found.raise_for_status()
    links = [a["data"] for a in found.json() if a["flow_run_id"] == manifest["flow_run_id"]]
    assert links and Path(manifest["report"]).resolve().as_uri() in links[0]


def test_sentence_around_finds_the_sentence_of_a_span():
    text = "First one. Second has 25 people. “Third.” Fourth"
    start = text.index("25")
    assert sentence_around(text, start, start + 2) == "Second has 25 people."
    assert sentence_around(text, text.index("Fourth"), len(text)) == "Fourth"


def test_the_numbers_chart_shows_the_most_frequent_kinds_and_sums_the_rest():
    rows = [["count", "", 40], ["money", "GBP", 30], ["count", "", 2], ["measure", "km", 5], ["measure", "kg", 1],
            ["money", "USD", 7]]
    assert number_kinds_shown(rows, 3) == [("count / (none)", 42), ("money / GBP", 30), ("money / USD", 7),
                                           ("other (2 kinds / units)", 6)]
    assert number_kinds_shown(rows, 4)[-1] == ("measure / kg", 1)  # one pair left over: its own bar
    assert len(number_kinds_shown(rows, 5)) == 5


def test_quarantine_lines_are_printed_as_they_happen_off_a_terminal(capsys):
    with TerminalProgress(bar=False):
        emit("quarantined", stage="ingest", reasons={"empty_file": 2, "binary_file": 1})
        assert "quarantined at ingest: 3 (empty_file 2, binary_file 1)" in capsys.readouterr().err
    with TerminalProgress(bar=False, quiet=True):
        emit("quarantined", stage="ingest", reasons={"empty_file": 1})
    emit("quarantined", stage="ingest", reasons={"empty_file": 1})  # nobody listening
    assert capsys.readouterr().err == ""


def _run_cli(args: list[str], tty: bool) -> str:
    command = [sys.executable, "-m", "flows", "run", *args]
    if not tty:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=server_env())
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stderr
    env = server_env()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command with a terminal as its output
        os.chdir(ROOT)
        os.execve(sys.executable, command, env)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_run_on_a_terminal_shows_a_live_bar_and_quarantine_as_it_happens(tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs)
    (inputs / "empty.txt").write_text("   ")
    seen = _run_cli([str(inputs), "--output", str(tmp_path / "tty"), "--shard-size", "1"], tty=True)
    assert "━" in seen and "docs/s" in seen and "ETA" in seen
    assert re.search(r"documents\s.*2/2", seen) and re.search(r"shards\s.*2/2", seen)
    assert "quarantined at ingest-documents: 1 (empty_file 1)" in seen
    assert seen.index("quarantined at ingest") < seen.index("newsfacts run ")  # before the summary
    quiet = _run_cli([str(inputs), "--output", str(tmp_path / "quiet"), "--quiet"], tty=False)
    assert "━" not in quiet and "quarantined at" not in quiet
    # Off a terminal (a cron job's mail, a log file): the quarantine lines, none of Prefect's INFO,
    # from the run's extraction processes (a shard a document, two processes) neither.
    plain = _run_cli([str(inputs), "--output", str(tmp_path / "plain"), "--shard-size", "1",
                      "--extract-processes", "2"], tty=False)
    assert plain.strip().splitlines() == ["quarantined at ingest-documents: 1 (empty_file 1)"]


def test_largest_counts_keep_the_biggest_of_each_type_with_their_sentence():
    import polars as pl

    from tasks.report import largest_counts

    text = "Officials said 25 people were killed. Later 300 were arrested. Two more were killed."
    rows = [("d", text.index(w), text.index(w) + len(w), w, v, t) for w, v, t in
            (("25", 25.0, "KILL"), ("300", 300.0, "ARREST"), ("Two", 2.0, "KILL"))]
    numbers = pl.DataFrame(rows, schema=["doc_id", "start_char", "end_char", "surface", "value", "count_type"],
                           orient="row").with_columns(object=pl.lit("people"))
    got = largest_counts(numbers, pl.DataFrame({"doc_id": ["d"], "text": [text]}))
    assert got.select("count_type", "surface", "sentence").rows() == [
        ("ARREST", "300", "Later 300 were arrested."), ("KILL", "25", "Officials said 25 people were killed."),
        ("KILL", "Two", "Two more were killed.")]


def test_names_and_sentences_are_escaped_in_the_page():
    import datetime as dt

    import polars as pl

    from tasks.report import render_report

    hostile = "<script>alert(1)</script>"
    text = f"Rebels & {hostile} said 25 people were killed."
    start = text.index("25")
    manifest = {
        "run_id": "r&1", "status": "completed", "started_at": "2026-01-01T00:00:00",
        "finished_at": "2026-01-01T00:01:00", "output_dir": "out/<b>&", "rows_total": {"documents": 1, "entities": 1, "entity_catalog": 1, "numbers": 1},
        "quarantine_reasons": {hostile: 1},
        "stages": [{"stage": "ingest", "unit": "files", "in": 1, "out": 1, "quarantined": 0, "skipped": 0,
                    "seconds": 0.5}],
        "gates": [{"suite": "S&P", "passed": True, "failed_rows": 0, "rows": 1}]}
    from tasks.report import batch_aggregates, entity_dates

    documents = pl.DataFrame({"doc_id": ["d"], "published_date": [dt.date(2026, 1, 1)], "text": [text]})
    numbers = pl.DataFrame({"doc_id": ["d"], "start_char": [start], "end_char": [start + 2], "surface": ["25"],
                            "value": [25.0], "kind": ["count"], "unit": [""], "object": ["people"],
                            "count_type": ["KILL"]}, schema_overrides={"start_char": pl.Int32, "end_char": pl.Int32})
    catalog = pl.DataFrame({"entity_id": ["e", "p"], "canonical_name": [f"AT&T {hostile}", f"Kyiv {hostile}"],
                            "label": ["ORG", "GPE"], "mention_count": [1, 2], "feature_class": [None, "city"],
                            "latitude": [None, 50.45], "longitude": [None, 30.52]})
    mentions = pl.DataFrame({"doc_id": ["d"], "entity_id": ["e"], "sentence_index": [0]})
    sentences = pl.DataFrame({"doc_id": ["d"], "sentence_index": [0], "tone": [-4.0]})
    page = render_report(manifest, catalog, entity_dates(mentions, documents, sentences),
                         batch_aggregates(documents, numbers), "data_docs/index.html?a=1&b=2")
    assert "<script" not in page and page.count("<svg") == 6  # the map and the tone too
    assert "Kyiv &lt;script&gt;" in page.split("Places mentioned")[1]  # a place's name on the map, as SVG text
    assert "Rebels &amp; &lt;script&gt;alert(1)&lt;/script&gt; said 25 people were killed." in page
    assert "AT&amp;T &lt;script&gt;" in page  # inside the entities chart, as SVG text
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page and "<td>S&amp;P</td>" in page
    assert "run r&amp;1" in page and "output out/&lt;b&gt;&amp;" in page
    assert '<a href="data_docs/index.html?a=1&amp;b=2">' in page
