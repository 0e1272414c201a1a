"""The commit on an object store against local disk, measured as a user runs it: `newsfacts run` as
a process writing its tables to a local folder, then to `s3://` on an S3 API on 127.0.0.1 (moto's
server mode, a process of its own).

    python -m bench.object_store [CORPUS] [--files 600] [--batch-size 100] [--out build/bench]

Both runs read the same first `--files` articles of the corpus from local disk, so only where the
tables go differs. For each: wall seconds, the seconds of the `commit_batch` step (staging a
batch's tables and state, then publishing them: a rename locally, a server-side copy and a delete
per object on S3) and of `find_near_duplicates` (which looks up stored buckets and signatures in
the output), and the objects a commit publishes. moto answers on
loopback, so a real bucket adds its network round trips (tens of ms each) to every request counted.

Results: `<out>/object_store.json` and `<out>/object_store.md`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench import save_report
from bench.cluster import free_port
from bench.growth import DEFAULT_CORPUS, ROOT, corpus_texts, scratch_server


def start_moto(port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2).close()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("moto server did not start") from None
            time.sleep(0.2)


def run(inputs: Path, output: str, env: dict, batch_size: int) -> dict:
    """One `newsfacts run`: wall seconds and its manifest."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flows", "run", str(inputs), "--output", output, "--quiet",
                           "--batch-size", str(batch_size)], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"newsfacts run failed ({done.returncode}): {done.stderr[-3000:]}")
    return {"seconds": round(wall, 2), "manifest": manifest_of(output, env)}


def manifest_of(output: str, env: dict) -> dict:
    import fsspec

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        fs, root = fsspec.core.url_to_fs(output, use_listings_cache=False)
        import json

        (latest,) = sorted(fs.glob(f"{root}/_runs/*/manifest.json"))[-1:]
        manifest = json.loads(fs.cat_file(latest))
        manifest["objects"] = len([p for p in fs.find(root) if "/_runs/" not in p])
        return manifest
    finally:
        os.environ.clear()
        os.environ.update(saved)


def summary(result: dict) -> dict:
    manifest = result["manifest"]
    stages = {s["stage"]: s for s in manifest["stages"]}
    batches = len(manifest["batches"])
    commit = stages["commit_batch"]["seconds"]
    return {"seconds": result["seconds"], "batches": batches, "documents": manifest["rows_total"]["documents"],
            "commit_seconds": round(commit, 2), "commit_seconds_per_batch": round(commit / batches, 3),
            "near_duplicates_seconds": round(stages["find_near_duplicates"]["seconds"], 2),
            "objects_per_batch": round(manifest["objects"] / batches, 1)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.object_store", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--files", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    report: dict = {"corpus": str(args.corpus), "files": args.files, "batch_size": args.batch_size}
    with scratch_server("newsfacts-object-store-", port=free_port()) as (scratch, url):
        inputs = scratch / "in"
        inputs.mkdir()
        if corpus.exists():
            for path in sorted(p for p in corpus.rglob("*.txt") if p.name.upper() != "README.TXT")[:args.files]:
                shutil.copy(path, inputs / f"{len(list(inputs.iterdir())):05d}.txt")
        else:  # the seeds repeated, each copy made unique
            for i, text in enumerate((corpus_texts(ROOT / "seeds") * args.files)[:args.files]):
                (inputs / f"{i:05d}.txt").write_text(f"{text}\n\nCopy {i}.", encoding="utf-8")
        port = free_port()
        moto = start_moto(port)
        try:
            env = {**os.environ, "PREFECT_API_URL": url, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "False",
                   "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                   "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_ALLOW_HTTP": "true"}
            import s3fs

            saved = dict(os.environ)
            os.environ.update(env)
            s3fs.S3FileSystem().mkdir("newsfacts-bench")
            os.environ.clear()
            os.environ.update(saved)
            report["local"] = summary(run(inputs, str(scratch / "out"), env, args.batch_size))
            report["s3"] = summary(run(inputs, "s3://newsfacts-bench/out", env, args.batch_size))
        finally:
            moto.terminate()
            moto.wait(timeout=30)
    report["commit_ratio"] = round(report["s3"]["commit_seconds"] / max(report["local"]["commit_seconds"], 1e-9), 2)
    report["wall_ratio"] = round(report["s3"]["seconds"] / report["local"]["seconds"], 3)
    save_report(args.out, "object_store", report, format_report(report))
    return report


def format_report(report: dict) -> str:
    lines = [f"# The commit on S3 (moto on 127.0.0.1) against local disk ({report['corpus']}, "
             f"{report['files']} files, batches of {report['batch_size']})", "",
             "| output | wall s | batches | commit_batch s | per batch s | find_near_duplicates s | objects per batch |",
             "|---|---|---|---|---|---|---|"]
    for name, label in (("local", "local disk"), ("s3", "S3 (moto)")):
        r = report[name]
        lines.append(f"| {label} | {r['seconds']} | {r['batches']} | {r['commit_seconds']} | "
                     f"{r['commit_seconds_per_batch']} | {r['near_duplicates_seconds']} | {r['objects_per_batch']} |")
    lines += ["", f"Commit time on S3 / local disk: {report['commit_ratio']}; whole run: {report['wall_ratio']}."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
