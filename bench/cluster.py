"""Whole batches on a Dask cluster, measured as a user runs it: `dask scheduler` and `dask worker`
processes on 127.0.0.1, a Prefect server, and `newsfacts run --dask-address` as a process.

    python -m bench.cluster [CORPUS] [--batch-size 100] [--out build/bench]

Runs over the corpus, each into a fresh output: one process (no cluster), then a cluster of 1
and of 2 workers. For each: wall seconds, CPU seconds of the run command and of the workers,
peak RSS of the command (the flow's process: the driver), and batches processed again. The
baseline is the one-process run in the same bench.

Results: `<out>/cluster.json` and `<out>/cluster.md`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import save_report
from bench.growth import DEFAULT_CORPUS, ROOT, corpus_texts, latest_manifest, scratch_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User and system CPU seconds of the processes and their children (those still alive)."""
    total = 0.0
    for root in processes:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for process in tree:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
    return total


@contextlib.contextmanager
def dask_cluster(workers: int, env: dict):
    """A scheduler and `workers` worker processes (one thread each), as the README starts them."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")  # the `dask` command of this environment
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--dashboard-address", ":0"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = [subprocess.Popen([dask, "worker", address, "--nthreads", "1",
                                 "--nworkers", "1", "--host", "127.0.0.1", "--dashboard-address", ":0"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address, [psutil.Process(p.pid) for p in started]
    finally:
        for process in [*started, scheduler]:
            process.terminate()
        for process in [*started, scheduler]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def run(inputs: Path, output: Path, env: dict, options: list[str], workers: list[psutil.Process]) -> dict:
    """One `newsfacts run`: wall, CPU seconds (command and workers), the command's peak RSS."""
    workers_before = cpu_seconds(workers)
    started = time.perf_counter()
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    child = subprocess.Popen([sys.executable, "-m", "flows", "run", str(inputs), "--output", str(output), "--quiet",
                              *options], cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
    root, peak, command_cpu = psutil.Process(child.pid), 0, 0.0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            command_cpu = max(command_cpu, cpu_seconds([root]))
        time.sleep(0.05)
    child.wait()
    wall = time.perf_counter() - started
    if child.returncode:
        err.seek(0)
        raise RuntimeError(f"newsfacts run failed ({child.returncode}): {err.read()[-3000:]}")
    manifest = latest_manifest(output)
    return {"seconds": round(wall, 2), "command_cpu_seconds": round(command_cpu, 1),
            "worker_cpu_seconds": round(cpu_seconds(workers) - workers_before, 1),
            "driver_peak_rss_mib": round(peak / 2**20, 1), "documents": manifest["rows_total"]["documents"],
            "batches": len(manifest["batches"]), "reprocessed_batches": manifest.get("reprocessed_batches", 0)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    batch = ["--batch-size", str(args.batch_size)]
    report: dict = {"corpus": str(args.corpus), "batch_size": args.batch_size, "cores": os.cpu_count()}
    with scratch_server("newsfacts-cluster-", port=free_port()) as (scratch, url):
        if not corpus.exists():  # the seeds repeated, each copy made unique
            corpus = scratch / "in"
            corpus.mkdir()
            for i, text in enumerate(corpus_texts(ROOT / "seeds") * 50):
                (corpus / f"{i:05d}.txt").write_text(f"{text}\n\nCopy {i}.", encoding="utf-8")
        env = {**os.environ, "PREFECT_API_URL": url, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "False",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        report["one_process"] = run(corpus, scratch / "out-local", env, batch, [])
        for workers in (1, 2):
            with dask_cluster(workers, env) as (address, processes):
                report[f"dask_{workers}"] = run(corpus, scratch / f"out-dask-{workers}", env,
                                                [*batch, "--dask-address", address], processes)
    base = report["one_process"]["seconds"]
    report["speedup"] = {name: round(base / report[name]["seconds"], 3) for name in ("dask_1", "dask_2")}
    save_report(args.out, "cluster", report, format_report(report))
    return report


def format_report(report: dict) -> str:
    lines = [f"# Whole batches on a Dask cluster ({report['corpus']}, batches of {report['batch_size']}, "
             f"{report['cores']} cores)", "",
             "| run | wall s | speed-up | command CPU s | worker CPU s | driver peak RSS MiB | batches "
             "| processed again |",
             "|---|---|---|---|---|---|---|---|"]
    for name, label in (("one_process", "one process"), ("dask_1", "Dask, 1 worker"), ("dask_2", "Dask, 2 workers")):
        r = report[name]
        lines.append(f"| {label} | {r['seconds']} | {report['speedup'].get(name, 1.0)} | {r['command_cpu_seconds']} | "
                     f"{r['worker_cpu_seconds']} | {r['driver_peak_rss_mib']} | {r['batches']} | "
                     f"{r['reprocessed_batches']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
