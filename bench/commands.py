"""Wall time of the `newsfacts` command as a user meets it: each a fresh process, cold.

    python -m bench.commands [--repeats 3] [--out DIR]

1. The light commands (`--help`, `schema`, `query`, `compact`, `migrate`) against the seeds'
   tables: the best of `--repeats` runs of each (target: under 1 s).
2. `newsfacts run`'s fixed cost: a whole `newsfacts run` over the seeds (two short articles), and
   what it spends before reading any article: importing each library it loads (`python -X
   importtime`, top-level packages) and loading the spaCy model.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import save_report

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0
# The modules `newsfacts run` loads before its first stage.
RUN_IMPORTS = "import flows.news_pipeline, flows.progress, flows.summary, tasks.nlp.model"


def _newsfacts(*args: str, cwd: Path) -> float:
    """Seconds of one `newsfacts ARGS` process (the installed entry point, as users call it)."""
    command = [str(Path(sys.executable).with_name("newsfacts")), *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds


def light_commands(output: Path, repeats: int) -> dict[str, float]:
    """Best wall seconds of each light command against the tables in `output`."""
    commands = {
        "newsfacts --help": ["--help"],
        "newsfacts schema": ["schema"],
        "newsfacts query": ["query", "SELECT label, count(*) FROM entities GROUP BY ALL", "--output", str(output)],
        "newsfacts compact": ["compact", "--output", str(output)],
        "newsfacts migrate": ["migrate", "--output", str(output)],
    }
    return {name: round(min(_newsfacts(*args, cwd=ROOT) for _ in range(repeats)), 3)
            for name, args in commands.items()}


def import_seconds(statement: str = RUN_IMPORTS) -> dict[str, float]:
    """Seconds spent importing each package in a fresh process, largest first: the self time of
    every module Python's `-X importtime` lists, summed by its top-level package (so a package
    is not charged for the others it imports)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    seconds: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)$", line)
        if match:
            package = match.group(2).split(".")[0]
            seconds[package] = seconds.get(package, 0.0) + int(match.group(1)) / 1e6
    return dict(sorted(((k, round(v, 3)) for k, v in seconds.items() if v >= 0.01), key=lambda kv: -kv[1]))


def model_seconds(model: str) -> float:
    """Seconds to load the model with the pipeline's components, in a fresh process, imports apart."""
    script = ("import time, tasks.nlp.model as n; t = time.perf_counter(); n.load_model(%r); "
              "print(time.perf_counter() - t)" % model)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return round(float(done.stdout.strip().splitlines()[-1]), 3)


def measure(repeats: int = 3, model: str | None = None) -> dict:
    """The light commands' times and `newsfacts run`'s fixed cost, as one report."""
    from tasks.defaults import DEFAULT_MODEL

    model = model or DEFAULT_MODEL
    scratch = Path(tempfile.mkdtemp(prefix="newsfacts-commands-"))
    try:
        output = scratch / "out"
        run = _newsfacts("run", str(ROOT / "seeds"), "--output", str(output), "--quiet", "--model", model, cwd=ROOT)
        light = light_commands(output, repeats)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    imports = import_seconds()
    return {"light_commands": light, "target_seconds": TARGET_SECONDS,
            "run": {"seeds_wall_seconds": round(run, 2), "imports_seconds": round(sum(imports.values()), 2),
                    "imports": imports, "model_load_seconds": model_seconds(model)}}


def format_report(report: dict) -> str:
    run = report["run"]
    lines = ["| command (fresh process) | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in report["light_commands"].items()]
    lines += ["", f"`newsfacts run` over the seeds: {run['seeds_wall_seconds']:.1f} s, of which importing "
              f"{run['imports_seconds']:.1f} s ("
              + ", ".join(f"{name} {seconds:.2f}" for name, seconds in list(run["imports"].items())[:8])
              + f") and loading the model {run['model_load_seconds']:.2f} s; the rest is Prefect's temporary "
              "server, the stages and the gates."]
    return "\n".join(lines)


def targets(report: dict) -> list[tuple[str, bool]]:
    slowest = max(report["light_commands"].items(), key=lambda kv: kv[1])
    return [(f"light commands under {report['target_seconds']:.0f} s (slowest: {slowest[0]}, {slowest[1]:.2f} s)",
             slowest[1] < report["target_seconds"])]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.commands", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each light command (the best counts)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    args = parser.parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    report = measure(args.repeats, args.model)
    text = format_report(report) + "\n\n" + "\n".join(f"- {'met' if ok else 'NOT met'}: {what}"
                                                      for what, ok in targets(report))
    save_report(args.out, "commands", report, text)
    return report


if __name__ == "__main__":
    main()
