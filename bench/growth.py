"""A feed that keeps growing, measured as a user runs it: `newsfacts run` as a process, cold, against
a Prefect server on 127.0.0.1 (PREFECT_API_URL set, as a scheduled deployment runs).

    python -m bench.growth [CORPUS] [--copies 4] [--synthetic 50000] [--out build/bench]

1. Datasets of the corpus and of the corpus `copies` times (each copy's texts made unique), each
   built by one full run: wall and peak RSS of the command (the supervisor, the run, its workers).
2. Two new articles added to each: wall and peak RSS of that run (best of 3: three rounds of two
   articles), and the 4x/1x ratios.
3. A run that finds nothing new after each round (best of 3).
4. A synthetic dataset of `--synthetic` documents made of the corpus's sentences (three each, so
   that it runs in minutes), in batches of the default size: the run process's RSS after each
   batch, from the manifest.

Results: `<out>/growth.json` and `<out>/growth.md`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import save_report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def measure(command: list[str], env: dict) -> dict:
    """Wall seconds, peak RSS (MiB) of the command's whole process tree, and its exit status."""
    started = time.perf_counter()
    # Output to files, not pipes: a run logs more than a pipe holds, and would wait for a reader.
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
    root, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        total = 0
        try:
            for process in [root, *root.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(0.05)
    child.wait()
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read(), err.read()
    if child.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}): {stderr[-3000:]}")
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mib": round(peak / 2**20, 1),
            "summary": stdout.strip().splitlines()[:3]}


REPEATS = 3


def best(runs: list[dict]) -> dict:
    """The fastest of repeated runs, with every run's wall and peak RSS."""
    return min(runs, key=lambda r: r["seconds"]) | {"all_seconds": [r["seconds"] for r in runs],
                                                     "all_peak_rss_mib": [r["peak_rss_mib"] for r in runs]}


def newsfacts(inputs: Path, output: Path, env: dict, *options: str) -> dict:
    return measure([sys.executable, "-m", "flows", "run", str(inputs), "--output", str(output), "--quiet", *options],
                   env)


def latest_manifest(output: Path) -> dict:
    runs = sorted((output / "_runs").glob("*/manifest.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(runs[-1].read_text(encoding="utf-8"))


def corpus_texts(corpus: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.rglob("*.txt"))
            if p.name.upper() != "README.TXT"]


def write_copies(texts: list[str], folder: Path, copies: int) -> Path:
    for copy in range(copies):
        for i, text in enumerate(texts):
            target = folder / f"copy{copy}" / f"{i:05d}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text if copy == 0 else f"{text}\n\nCopy {copy}.", encoding="utf-8")
    return folder


def write_synthetic(texts: list[str], folder: Path, documents: int, per_file: int = 500) -> Path:
    """`documents` articles of three sentences drawn from the corpus, as JSONL files of `per_file`
    records (a feed's daily files), each made unique by its number."""
    sentences = [s.strip() for t in texts for s in SENTENCE.split(t) if 40 < len(s.strip()) < 300]
    rng = random.Random(50_000)
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, documents, per_file):
        lines = []
        for i in range(start, min(start + per_file, documents)):
            body = " ".join(rng.sample(sentences, 3))
            lines.append(json.dumps({"id": f"syn-{i}", "source": "synthetic", "text": f"{body} Item {i}.",
                                     "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"}))
        (folder / f"feed-{start // per_file:05d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def start_server(home: Path, port: int = 4377) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"
    import urllib.request

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the Prefect server did not start")


@contextlib.contextmanager
def scratch_server(prefix: str, port: int = 4377):
    """(a scratch folder, the URL of a Prefect server on 127.0.0.1 keeping its database there),
    both gone afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    server, url = start_server(scratch / "prefect-home", port)
    try:
        yield scratch, url
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--synthetic", type=int, default=50_000, help="documents of the synthetic dataset (0: none)")
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    texts = corpus_texts(corpus) if corpus.exists() else corpus_texts(ROOT / "seeds") * 50
    with scratch_server("newsfacts-growth-") as (scratch, url):
        env = {**os.environ, "PREFECT_API_URL": url, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "False",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        report: dict = {"corpus": str(corpus), "documents": len(texts), "copies": args.copies}
        newsfacts(ROOT / "seeds", scratch / "warm-up", env)  # the server's first flow run, not counted
        for name, copies in (("x1", 1), (f"x{args.copies}", args.copies)):
            inputs = write_copies(texts, scratch / f"in-{name}", copies)
            output = scratch / f"out-{name}"
            full = newsfacts(inputs, output, env)
            # Small runs vary by seconds on a shared machine: each is timed REPEATS times, best kept.
            added, nothing = [], []
            for round_ in range(REPEATS):
                for i, n in enumerate((17 + round_, 23 + round_)):
                    (inputs / f"new-{round_}-{i}.txt").write_text(
                        f"Breaking: officials in Kyiv said {n} people were evacuated on Tuesday after the storm. "
                        f"The mayor, Vitali Klitschko, said {n * 3} homes had no power.", encoding="utf-8")
                added.append(newsfacts(inputs, output, env))
                manifest = latest_manifest(output)
                nothing.append(newsfacts(inputs, output, env))
            stages = {s["stage"]: s["seconds"] for s in manifest["stages"]}
            added, nothing = best(added), best(nothing)
            report[name] = {"documents": manifest["rows_total"]["documents"], "full_run": full, "add_two": added,
                            "add_two_written": manifest["rows_written"]["documents"],
                            "add_two_near_duplicates_seconds": stages.get("find_near_duplicates"),
                            "nothing_new": nothing}
        big = f"x{args.copies}"
        report["ratios"] = {
            "add_two_wall": round(report[big]["add_two"]["seconds"] / report["x1"]["add_two"]["seconds"], 3),
            "add_two_rss": round(report[big]["add_two"]["peak_rss_mib"] / report["x1"]["add_two"]["peak_rss_mib"], 3),
            "full_run_rss": round(report[big]["full_run"]["peak_rss_mib"] / report["x1"]["full_run"]["peak_rss_mib"],
                                  3)}
        if args.synthetic:
            inputs = write_synthetic(texts, scratch / "in-synthetic", args.synthetic)
            output = scratch / "out-synthetic"
            run = newsfacts(inputs, output, env)
            manifest = latest_manifest(output)
            report["synthetic"] = {"documents": manifest["rows_total"]["documents"], "run": run,
                                   "batch_size": manifest["batch_size"],
                                   "batches": [{k: b[k] for k in ("batch", "records", "documents_written", "seconds",
                                                                  "rss_mib", "peak_rss_mib")}
                                               for b in manifest["batches"]]}
    save_report(args.out, "growth", report, format_report(report))
    return report


def format_report(report: dict) -> str:
    big = f"x{report['copies']}"
    one, many = report["x1"], report[big]
    lines = [f"corpus {report['corpus']}: {report['documents']} articles; `newsfacts run` as a process, "
             "PREFECT_API_URL set to a server on 127.0.0.1", "",
             f"| run | {one['documents']:,} stored documents | {many['documents']:,} stored documents | ratio |",
             "|---|---:|---:|---:|"]
    for label, key, field, unit in (("full run: wall", "full_run", "seconds", "s"),
                                    ("full run: peak RSS", "full_run", "peak_rss_mib", "MiB"),
                                    ("add 2 articles: wall (best of 3)", "add_two", "seconds", "s"),
                                    ("add 2 articles: peak RSS", "add_two", "peak_rss_mib", "MiB"),
                                    ("nothing new: wall (best of 3)", "nothing_new", "seconds", "s")):
        a, b = one[key][field], many[key][field]
        lines.append(f"| {label} | {a:,} {unit} | {b:,} {unit} | {b / a:.2f} |")
    lines.append(f"| near-duplicates stage of the add-2 run | {one['add_two_near_duplicates_seconds']} s | "
                 f"{many['add_two_near_duplicates_seconds']} s | |")
    if "synthetic" in report:
        s = report["synthetic"]
        batches = s["batches"]
        lines += ["", f"Synthetic dataset: {s['documents']:,} documents in {len(batches)} batches of "
                  f"{s['batch_size']}, {s['run']['seconds']:.0f} s, command peak RSS {s['run']['peak_rss_mib']:,} MiB",
                  "", "| batch | documents | seconds | RSS after it MiB | peak so far MiB |", "|---:|---:|---:|---:|---:|"]
        shown = sorted({i for i in (0, 1, 2, len(batches) // 4, len(batches) // 2, 3 * len(batches) // 4,
                                    len(batches) - 1) if 0 <= i < len(batches)})
        for i in shown:
            b = batches[i]
            lines.append(f"| {b['batch']} | {b['documents_written']} | {b['seconds']} | {b['rss_mib']} | "
                         f"{b['peak_rss_mib']} |")
    lines += ["", "Targets:",
              f"- {'met' if report['ratios']['add_two_wall'] <= 1.1 else 'NOT met'}: add 2 articles, wall "
              f"{big}/x1 = {report['ratios']['add_two_wall']:.2f} (at most 1.1)",
              f"- {'met' if report['ratios']['add_two_rss'] <= 1.1 else 'NOT met'}: add 2 articles, peak RSS "
              f"{big}/x1 = {report['ratios']['add_two_rss']:.2f} (at most 1.1)",
              f"- {'met' if report['ratios']['full_run_rss'] <= 1.1 else 'NOT met'}: full run, peak RSS "
              f"{big}/x1 = {report['ratios']['full_run_rss']:.2f} (at most 1.1)",
              f"- {'met' if many['nothing_new']['seconds'] <= 5 else 'NOT met'}: a run that finds nothing new "
              f"takes {many['nothing_new']['seconds']} s (at most 5)"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
