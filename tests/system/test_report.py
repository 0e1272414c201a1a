"""What a person sees: the run report in headless Chromium, and progress while a run goes."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEEDS, read, render_in_chromium, server_env


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
    assert "quarantined at ingest_documents: 1 (empty_file 1)" in seen
    assert seen.index("quarantined at ingest") < seen.index("newsfacts run ")  # before the summary
    quiet = _run_cli([str(inputs), "--output", str(tmp_path / "quiet"), "--quiet"], tty=False)
    assert "━" not in quiet and "quarantined at" not in quiet
    # Off a terminal (a cron job's mail, a log file): the quarantine lines, none of Prefect's INFO,
    # from the run's extraction processes (a shard a document, two processes) neither.
    plain = _run_cli([str(inputs), "--output", str(tmp_path / "plain"), "--shard-size", "1",
                      "--extract-processes", "2"], tty=False)
    assert plain.strip().splitlines() == ["quarantined at ingest_documents: 1 (empty_file 1)"]
