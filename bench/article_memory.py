"""Memory of one long article over the loaded model, in a fresh process.

    python -m bench.article_memory [CORPUS_DIR] [--bytes 900000] [--model NAME]

1. A long article: the corpus articles (../shared/corpus/bbc if present, else the seeds, repeated
   as often as needed) joined by blank lines up to `--bytes` (900 KB: under the 1 MB
   `--max-document-bytes` default, so a run extracts it).
2. In one fresh process: the model loaded and a shard of corpus articles extracted
   (`extract_mentions`), the baseline; then `extract_mentions` on the long article alone.
3. The peak RSS of each (the kernel's high-water mark, VmHWM), the long article's peak over
   the baseline in MiB and as a ratio, and its extraction seconds.

`python -m bench` runs it too and reports it beside the flow's memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"
ARTICLE_BYTES = 900_000
# The growth the long article may add over the baseline: one batch of the NER (at most
# `tasks.nlp.model.MAX_BATCH_CHARS` characters, about 150 MiB) plus the article's own Docs and rows.
TARGET_GROWTH_MIB = 300


def article_files(corpus: Path) -> list[Path]:
    """The corpus's articles (`.txt`, not its README), in name order."""
    return sorted(p for p in corpus.rglob("*.txt") if p.name.upper() != "README.TXT")


def long_article(files: list[Path], size: int = ARTICLE_BYTES) -> str:
    """The articles of `files`, repeated as often as needed, joined by blank lines and cut at the
    last paragraph break within `size` UTF-8 bytes."""
    if not files:
        raise ValueError("no articles to build the long article from")
    parts, used = [], 0
    while used < size:
        for path in files:
            parts.append(path.read_text(encoding="utf-8", errors="replace").strip())
            used += len(parts[-1].encode("utf-8")) + 2
            if used >= size:
                break
    text = "\n\n".join(parts).encode("utf-8")[:size].decode("utf-8", errors="ignore")
    return text[:text.rfind("\n\n")] if "\n\n" in text else text


def _peak_mib() -> float:
    """This process's peak RSS: Linux's VmHWM (`ru_maxrss` would count the parent this process was
    forked from, when that was larger)."""
    status = Path("/proc/self/status")
    if status.exists():
        line = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # bytes on macOS


def _probe(corpus: str, model: str, size: int) -> None:
    from tasks.defaults import DEFAULT_SHARD_SIZE
    from tasks.nlp.extraction import extract_mentions
    from tasks.nlp.model import load_model, split_text

    files = article_files(Path(corpus))
    article = long_article(files, size)
    shard = [p.read_text(encoding="utf-8", errors="replace") for p in files[:DEFAULT_SHARD_SIZE]]
    nlp = load_model(model)
    extract_mentions(nlp, [str(i) for i in range(len(shard))], shard)
    baseline = _peak_mib()
    started = time.perf_counter()
    entities, numbers, _ = extract_mentions(nlp, ["long"], [article])
    seconds = time.perf_counter() - started
    peak = _peak_mib()
    print(json.dumps({"bytes": len(article.encode("utf-8")), "characters": len(article),
                      "pieces": len(split_text(article)), "baseline_documents": len(shard),
                      "baseline_peak_rss_mib": round(baseline, 1), "peak_rss_mib": round(peak, 1),
                      "growth_mib": round(peak - baseline, 1), "ratio": round(peak / baseline, 3),
                      "seconds": round(seconds, 1), "entities": entities.height, "numbers": numbers.height}))


def measure(corpus: Path, model: str, size: int = ARTICLE_BYTES) -> dict:
    """`_probe` in a fresh process: its figures, as a dict."""
    command = [sys.executable, "-m", "bench.article_memory", "--probe", str(corpus), model, str(size)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"article memory probe failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def format_report(result: dict) -> str:
    return (f"Long article: {result['bytes']:,} bytes ({result['pieces']} pieces for the NER), peak RSS "
            f"{result['peak_rss_mib']:.0f} MiB against {result['baseline_peak_rss_mib']:.0f} MiB for the model "
            f"and {result['baseline_documents']} articles: +{result['growth_mib']:.0f} MiB ({result['ratio']:.2f}x), "
            f"{result['seconds']:.1f} s, {result['entities']:,} entities, {result['numbers']:,} numbers")


def targets(result: dict) -> list[tuple[str, bool]]:
    return [(f"the {result['bytes']:,}-byte article needs {result['growth_mib']:.0f} MiB over the model and a "
             f"shard (at most {TARGET_GROWTH_MIB})", result["growth_mib"] <= TARGET_GROWTH_MIB)]


def main(argv=None) -> dict:
    from tasks.defaults import DEFAULT_MODEL

    parser = argparse.ArgumentParser(prog="python -m bench.article_memory", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS if DEFAULT_CORPUS.exists() else ROOT / "seeds"))
    parser.add_argument("--bytes", type=int, default=ARTICLE_BYTES, help="size of the long article")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    result = measure(Path(args.corpus), args.model, args.bytes)
    print(format_report(result))
    for what, ok in targets(result):
        print(f"- {'met' if ok else 'NOT met'}: {what}")
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        _probe(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
