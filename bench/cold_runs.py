"""`newsfacts run` as a user runs it: each a fresh process, without PREFECT_API_URL, in a Prefect
home of its own (no server running when the bench starts), beside spaCy's NER alone in the same run.

    python -m bench.cold_runs [CORPUS] [--copies 4] [--out build/bench]

1. `make run` after install: `newsfacts run seeds` into a new output folder, the Prefect home new
   (its database created), then again into another new folder, then once more (nothing new).
2. NER alone: a fresh process loads the model and runs `nlp.pipe` with only `ner` over the
   corpus texts; only the `nlp.pipe` pass is timed (the baseline the issue's ratio is against).
3. `newsfacts run CORPUS` into a new output folder: wall and words/s, its ratio to NER alone,
   and the peak RSS of the command's process tree; then 2 new articles added (best of 3 rounds),
   and a run with nothing new (best of 3).
4. The corpus `copies` times over (each copy's texts made unique) in one run: its peak RSS
   against the corpus once.

Aims (issue 36): the corpus run at least 0.8 of NER alone; nothing new at most 3 s; 2 new
articles at most 6 s; the seeds after install at most 15 s; the corpus 4 times over within 1.1x
the peak memory of once.

Results: `<out>/cold_runs.json` and `<out>/cold_runs.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import save_report
from bench.growth import DEFAULT_CORPUS, REPEATS, best, corpus_texts, measure, write_copies

ROOT = Path(__file__).resolve().parent.parent
AIMS = {"corpus_ratio": 0.8, "nothing_new_seconds": 3.0, "add_two_seconds": 6.0, "seeds_after_install_seconds": 15.0,
        "memory_growth": 1.1}
NER_ALONE = """
import json, sys, time
from pathlib import Path
import spacy
from tasks.nlp.model import components_for
texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(Path(sys.argv[1]).rglob("*.txt"))]
nlp = spacy.load(sys.argv[2])
with nlp.select_pipes(enable=components_for(nlp, ["ner"])):
    started = time.perf_counter()
    done = sum(1 for _ in nlp.pipe(texts, batch_size=32))
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": round(seconds, 2), "documents": done, "words": sum(len(t.split()) for t in texts)}))
"""


def user_environment(home: Path) -> dict[str, str]:
    """A user's shell: no Prefect API set, a Prefect home of its own."""
    env = {**os.environ, "PREFECT_HOME": str(home), "GX_ANALYTICS_ENABLED": "False",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    return env


def newsfacts_run(inputs: Path, output: Path, env: dict) -> dict:
    """One `newsfacts run` as the installed command, cold: wall seconds, peak RSS of its process tree."""
    command = [str(Path(sys.executable).with_name("newsfacts")), "run", str(inputs), "--output", str(output), "--quiet"]
    return measure(command, env)


def ner_alone(inputs: Path, model: str) -> dict:
    done = subprocess.run([sys.executable, "-c", NER_ALONE, str(inputs), model], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def add_two(inputs: Path, round_: int) -> None:
    for i, n in enumerate((17 + round_, 23 + round_)):
        (inputs / f"new-{round_}-{i}.txt").write_text(
            f"Breaking: officials in Kyiv said {n} people were evacuated on Tuesday after the storm. "
            f"The mayor, Vitali Klitschko, said {n * 3} homes had no power.", encoding="utf-8")


def stop_local_servers(home: Path) -> None:
    """Whatever Prefect server a run left running for this Prefect home, stopped."""
    done = subprocess.run([str(Path(sys.executable).with_name("newsfacts")), "server", "--stop"], cwd=ROOT,
                          env=user_environment(home), capture_output=True, text=True, check=False)
    if done.returncode not in (0, 2):
        print(f"stopping the local server: {done.stderr[-500:]}", file=sys.stderr)


def main(argv=None) -> dict:
    from tasks.defaults import DEFAULT_MODEL

    parser = argparse.ArgumentParser(prog="python -m bench.cold_runs", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    texts = corpus_texts(corpus) if corpus.exists() else corpus_texts(ROOT / "seeds") * 50
    scratch = Path(tempfile.mkdtemp(prefix="newsfacts-cold-"))
    home = scratch / "prefect-home"
    home.mkdir()
    env = user_environment(home)
    report: dict = {"corpus": str(corpus), "documents": len(texts), "copies": args.copies, "model": args.model}
    try:
        seeds = [newsfacts_run(ROOT / "seeds", scratch / f"seeds-{i}", env) for i in range(2)]
        report["seeds"] = {"after_install": seeds[0], "again": seeds[1],
                           "nothing_new": newsfacts_run(ROOT / "seeds", scratch / "seeds-1", env)}
        once = write_copies(texts, scratch / "in-x1", 1)
        report["ner_alone"] = ner_alone(once, args.model)
        full = newsfacts_run(once, scratch / "out-x1", env)
        added, nothing = [], []
        for round_ in range(REPEATS):
            add_two(once, round_)
            added.append(newsfacts_run(once, scratch / "out-x1", env))
            nothing.append(newsfacts_run(once, scratch / "out-x1", env))
        report["corpus"] = {"full_run": full, "add_two": best(added), "nothing_new": best(nothing),
                            "words_per_second": round(report["ner_alone"]["words"] / full["seconds"]),
                            "ratio": round(report["ner_alone"]["seconds"] / full["seconds"], 3)}
        many = write_copies(texts, scratch / f"in-x{args.copies}", args.copies)
        bigger = newsfacts_run(many, scratch / f"out-x{args.copies}", env)
        report["memory"] = {"x1": full, f"x{args.copies}": bigger,
                            "growth": round(bigger["peak_rss_mib"] / full["peak_rss_mib"], 3)}
    finally:
        stop_local_servers(home)
        shutil.rmtree(scratch, ignore_errors=True)
    save_report(args.out, "cold_runs", report, format_report(report))
    return report


def targets(report: dict) -> list[tuple[str, bool]]:
    corpus, seeds, memory = report["corpus"], report["seeds"], report["memory"]
    return [
        (f"`newsfacts run` on the corpus: {corpus['ratio']:.2f} of NER alone (at least {AIMS['corpus_ratio']})",
         corpus["ratio"] >= AIMS["corpus_ratio"]),
        (f"a run with nothing new: {corpus['nothing_new']['seconds']:.1f} s (at most {AIMS['nothing_new_seconds']:g})",
         corpus["nothing_new"]["seconds"] <= AIMS["nothing_new_seconds"]),
        (f"2 new articles into the stored corpus: {corpus['add_two']['seconds']:.1f} s "
         f"(at most {AIMS['add_two_seconds']:g})", corpus["add_two"]["seconds"] <= AIMS["add_two_seconds"]),
        (f"the seeds after install: {seeds['after_install']['seconds']:.1f} s "
         f"(at most {AIMS['seeds_after_install_seconds']:g})",
         seeds["after_install"]["seconds"] <= AIMS["seeds_after_install_seconds"]),
        (f"peak memory of the corpus {report['copies']} times over: {memory['growth']:.2f}x that of once "
         f"(at most {AIMS['memory_growth']})", memory["growth"] <= AIMS["memory_growth"]),
    ]


def format_report(report: dict) -> str:
    corpus, seeds, ner = report["corpus"], report["seeds"], report["ner_alone"]
    big = f"x{report['copies']}"
    rows = [("seeds, after install (new Prefect home, new output)", seeds["after_install"]),
            ("seeds, into another new output", seeds["again"]),
            ("seeds, nothing new", seeds["nothing_new"]),
            (f"corpus ({ner['documents']} articles, {ner['words']:,} words), new output", corpus["full_run"]),
            ("corpus + 2 new articles (best of 3)", corpus["add_two"]),
            ("corpus, nothing new (best of 3)", corpus["nothing_new"]),
            (f"corpus {report['copies']} times over, new output", report["memory"][big])]
    lines = [f"`newsfacts run` cold, each a fresh process, no PREFECT_API_URL; model {report['model']}", "",
             "| run | seconds | peak RSS MiB |", "|---|---:|---:|"]
    lines += [f"| {name} | {row['seconds']:.1f} | {row['peak_rss_mib']:,.0f} |" for name, row in rows]
    lines += ["", f"NER alone (`nlp.pipe`, only `ner`, model loaded): {ner['seconds']:.1f} s, "
              f"{ner['words'] / ner['seconds']:,.0f} words/s; `newsfacts run`: {corpus['words_per_second']:,} words/s, "
              f"{corpus['ratio']:.2f} of it. Peak RSS {big}/x1: {report['memory']['growth']:.2f}.",
              "", "Aims:"]
    lines += [f"- {'met' if ok else 'NOT met'}: {what}" for what, ok in targets(report)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
