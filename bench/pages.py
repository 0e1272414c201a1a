"""HTML extraction and WARC reading beside the NER model on the same articles.

    python -m bench.pages [CORPUS] [--files N] [--real-pages DIR] [--out build/bench]

Each corpus article (first line its headline) is put in a news page with every kind of
boilerplate (`tests/news_pages.py`: navigation, cookie banner, related links, newsletter box,
comments, footer) and, as HTTP responses, in a WARC.gz. In one process it times: the NER-only
baseline (`nlp.pipe` with only `ner`) over the articles' texts; trafilatura's extraction of the
pages (`tasks.ingest.html.extract_page`); reading the WARC as a run does (planning its slices, then
each slice's records read, extracted and made rows by `tasks.ingest.readers.ingest_file`). It reports pages
per second and each time as a share of NER's, and how many extracted texts equal the article.
With `--real-pages DIR` (`python -m bench.real_pages DIR`) it also times the extraction of those
real pages, as a run extracts them and as trafilatura's default does, each page five times.

Results: `<out>/pages.json` and `<out>/pages.md`.
"""

from __future__ import annotations

import argparse
import io as bytes_io
import tempfile
import time
from pathlib import Path

from bench import save_report
from bench.growth import DEFAULT_CORPUS, corpus_texts


def articles(texts: list[str]):
    from tests.news_pages import Article

    found = []
    for i, text in enumerate(texts):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            continue
        found.append(Article(f"story-{i:05d}", lines[0], tuple(lines[1:])))
    return found


def write_warc(pages: list[tuple[str, str]], path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, page in pages:
            body = page.encode("utf-8")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=bytes_io.BytesIO(body),
                                                          http_headers=http))


def time_real_pages(folder: Path, repeats: int = 5) -> dict:
    """Seconds to extract every page of `folder` `repeats` times, as a run does and as trafilatura's
    default does (the article-extraction benchmark's call)."""
    from tasks.eval.peers import trafilatura_default
    from tasks.ingest.decode import decode_bytes
    from tasks.ingest.html import extract_page

    pages = [decode_bytes(path.read_bytes()).text for path in sorted(folder.glob("*.html")) if path.stat().st_size]
    if not pages:
        raise SystemExit(f"{folder} holds no pages: python -m bench.real_pages {folder} unpacks them")
    extract_page(pages[0])  # warm: trafilatura's imports
    timed = {}
    for name, extract in (("extract_seconds", extract_page), ("default_seconds", trafilatura_default)):
        started = time.perf_counter()
        for _ in range(repeats):
            for page in pages:
                extract(page)
        timed[name] = round(time.perf_counter() - started, 2)
    return {"pages": len(pages), "repeats": repeats,
            "page_kib": round(sum(len(p) for p in pages) / len(pages) / 1024, 1), **timed}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--files", type=int, default=None, help="the first N articles (default: all)")
    parser.add_argument("--real-pages", metavar="DIR", default=None,
                        help="a folder of real pages (python -m bench.real_pages DIR) to time as well")
    parser.add_argument("--out", default="build/bench")
    args = parser.parse_args(argv)

    import spacy

    from bench.throughput import baseline
    from tasks.defaults import DEFAULT_MODEL
    from tasks.ingest.html import extract_page
    from tasks.ingest.readers import ingest_file
    from tasks.io.inputs import read_input, warc_slices
    from tests.news_pages import news_page

    found = articles(corpus_texts(Path(args.corpus)))[:args.files]
    texts = ["\n\n".join(article.paragraphs) for article in found]
    report: dict = {"corpus": args.corpus, "pages": len(found)}

    nlp = spacy.load(DEFAULT_MODEL)
    baseline(nlp, texts[:50], 1)  # warm
    started = time.perf_counter()
    baseline(nlp, texts, 1)
    ner = report["ner_seconds"] = round(time.perf_counter() - started, 2)
    rows_text = [f"| NER only (`nlp.pipe`, {DEFAULT_MODEL}) | | {ner} | {round(len(found) / ner, 1)} | 1.000 |"]
    for kind, heavy in (("light", False), ("heavy", True)):
        pages = [(article.url, news_page(article, heavy=heavy)) for article in found]
        size = round(sum(len(p) for _, p in pages) / len(pages) / 1024, 1)
        extract_page(pages[0][1])  # warm: trafilatura's imports
        started = time.perf_counter()
        extracted = [extract_page(page, url) for url, page in pages]
        seconds = round(time.perf_counter() - started, 2)
        equal = sum(page.text == text for page, text in zip(extracted, texts, strict=True))
        with tempfile.TemporaryDirectory(prefix="newsfacts-bench-") as folder:
            warc = Path(folder) / "pages.warc.gz"
            write_warc(pages, warc)
            started = time.perf_counter()
            rows = 0
            for piece in warc_slices(warc):
                read = read_input(piece)
                rows += len(ingest_file(read.path, read.data, first_record=read.first_record).rows)
            warc_seconds = round(time.perf_counter() - started, 2)
        report[kind] = {"page_kib": size, "extract_seconds": seconds, "texts_equal_article": equal,
                        "warc_seconds": warc_seconds, "warc_documents": rows,
                        "extract_share_of_ner": round(seconds / ner, 3),
                        "warc_share_of_ner": round(warc_seconds / ner, 3)}
        rows_text += [
            f"| HTML extraction (trafilatura), {kind} | {size} | {seconds} | {round(len(pages) / seconds, 1)} | "
            f"{report[kind]['extract_share_of_ner']} |",
            f"| WARC.gz read (plan, records, extraction, rows), {kind} | {size} | {warc_seconds} | "
            f"{round(len(pages) / warc_seconds, 1)} | {report[kind]['warc_share_of_ner']} |"]
    if args.real_pages:
        real = time_real_pages(Path(args.real_pages))
        report["real_pages"] = real
        rows_text += [f"| {name}, {real['pages']} real pages | {real['page_kib']} | {seconds} | "
                      f"{round(real['repeats'] * real['pages'] / seconds, 1)} | {round(seconds / ner, 3)} |"
                      for name, seconds in (("HTML extraction (trafilatura, as a run)", real["extract_seconds"]),
                                            ("trafilatura's default extraction", real["default_seconds"]))]
    text = "\n".join([
        f"# HTML extraction and WARC reading beside NER ({args.corpus}, {len(found)} articles)",
        "",
        "| step | page KiB | seconds | pages/s | share of NER |",
        "|---|---:|---:|---:|---:|",
        *rows_text,
        "",
        "Extracted texts equal to the article: " + ", ".join(
            f"{report[k]['texts_equal_article']} of {len(found)} ({k})" for k in ("light", "heavy"))
        + "; documents from the WARCs: "
        + ", ".join(str(report[k]["warc_documents"]) for k in ("light", "heavy")) + ".",
    ])
    save_report(args.out, "pages", report, text)
    return report


if __name__ == "__main__":
    main()
