"""The run report: one self-contained HTML page (charts as inline SVG, no JavaScript, nothing
fetched) of what a run did and what the tables hold. Pure: frames and the manifest in, HTML out.
Python computes what the page shows; templates/report.html.j2 lays it out."""

from __future__ import annotations

import functools
import io as _io
import re
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

TOP_PER_LABEL = 5
TIMELINE_ENTITIES = 5
LARGEST_COUNTS = 3
LABELS = ("PERSON", "GPE", "ORG", "NORP", "LOC")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+")


def _svg(figure) -> str:
    """A matplotlib figure as an inline <svg> element (text kept as text, so it stays selectable)."""
    import matplotlib.pyplot as plt

    buffer = _io.StringIO()
    # No creation date inside: the same tables give the same page.
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "newsfacts", "font.size": 10, "axes.spines.top": False,
                         "axes.spines.right": False})
    return plt


def top_entities(mentions: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """The most mentioned entities of each label: label, canonical_name, mentions."""
    named = mentions.select("entity_id").join(catalog.select("entity_id", "canonical_name", "label"), on="entity_id")
    counted = named.group_by("label", "canonical_name").agg(mentions=pl.len())
    return (counted.filter(pl.col("label").is_in(LABELS))
            .sort(["label", "mentions", "canonical_name"], descending=[False, True, False])
            .group_by("label", maintain_order=True).head(TOP_PER_LABEL))


def timeline(mentions: pl.DataFrame, catalog: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Mentions per published date of the most mentioned entities in dated documents."""
    dated = (mentions.select("doc_id", "entity_id")
             .join(documents.select("doc_id", "published_date").drop_nulls(), on="doc_id")
             .join(catalog.select("entity_id", "canonical_name"), on="entity_id"))
    top = dated.group_by("canonical_name").len().sort(["len", "canonical_name"], descending=[True, False]) \
        .head(TIMELINE_ENTITIES)["canonical_name"]
    return (dated.filter(pl.col("canonical_name").is_in(top.implode()))
            .group_by("published_date", "canonical_name").agg(mentions=pl.len())
            .sort(["published_date", "canonical_name"]))


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` holding [start, end), found by its punctuation."""
    before = [m.end() for m in SENTENCE_END.finditer(text, 0, start)]
    after = SENTENCE_END.search(text, end)
    return text[before[-1] if before else 0: after.start() if after else len(text)].strip()


def largest_count_rows(numbers: pl.DataFrame) -> pl.DataFrame:
    """The largest counts of each count_type (the documents whose text the report needs)."""
    return (numbers.filter(pl.col("count_type") != "")
            .sort(["count_type", "value", "doc_id", "start_char"], descending=[False, True, False, False])
            .group_by("count_type", maintain_order=True).head(LARGEST_COUNTS))


def largest_counts(numbers: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """The largest counts of each count_type, with the sentence each was said in (`texts`:
    doc_id and text of at least their documents)."""
    counts = largest_count_rows(numbers).join(texts.select("doc_id", "text"), on="doc_id", how="left",
                                              maintain_order="left")
    sentences = [sentence_around(text or "", start, end)
                 for text, start, end in counts.select("text", "start_char", "end_char").iter_rows()]
    return counts.select("count_type", "surface", "value", "object").with_columns(
        sentence=pl.Series(sentences, dtype=pl.String))


def _bar_chart(labels: list[str], values: list[float], title: str, xlabel: str, colors=None) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 0.28 * max(len(labels), 3) + 0.9))
    axes.barh(range(len(labels)), values, color=colors or "#4c72b0")
    axes.set_yticks(range(len(labels)), labels)
    axes.invert_yaxis()
    axes.set_title(title, loc="left", fontweight="bold")
    axes.set_xlabel(xlabel)
    for y, value in enumerate(values):
        axes.text(value, y, f" {value:g}", va="center", fontsize=8)
    return _svg(figure)


PALETTE = {"PERSON": "#4c72b0", "GPE": "#dd8452", "ORG": "#55a868", "NORP": "#c44e52", "LOC": "#8172b3"}


def entities_chart(top: pl.DataFrame) -> str:
    rows = top.rows(named=True)
    return _bar_chart([f"{r['canonical_name']} ({r['label']})" for r in rows], [r["mentions"] for r in rows],
                      f"Top entities per label (up to {TOP_PER_LABEL} each)", "mentions",
                      [PALETTE.get(r["label"], "#937860") for r in rows])


def timeline_chart(points: pl.DataFrame) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    totals = points.group_by("canonical_name").agg(pl.col("mentions").sum()) \
        .sort(["mentions", "canonical_name"], descending=[True, False])
    for name in totals["canonical_name"]:  # the most mentioned first: same colours for the same tables
        series = points.filter(pl.col("canonical_name") == name)
        axes.plot(series["published_date"].to_list(), series["mentions"].to_list(), marker="o", label=name)
    import datetime as dt

    from matplotlib.dates import DateFormatter

    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    first, last = points["published_date"].min(), points["published_date"].max()
    if first == last:  # one date: a week around it rather than matplotlib's default years
        axes.set_xlim(first - dt.timedelta(days=3), last + dt.timedelta(days=3))
    axes.set_title("Mentions of the top entities by published date", loc="left", fontweight="bold")
    axes.set_ylabel("mentions")
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    figure.autofmt_xdate()
    return _svg(figure)


def numbers_chart(numbers: pl.DataFrame) -> str:
    by = numbers.with_columns(unit=pl.when(pl.col("unit") == "").then(pl.lit("(none)")).otherwise("unit")) \
        .group_by("kind", "unit").agg(n=pl.len()).sort(["n", "kind", "unit"], descending=[True, False, False])
    return _bar_chart([f"{k} / {u}" for k, u in by.select("kind", "unit").iter_rows()], by["n"].to_list(),
                      "Numbers by kind / unit", "mentions")


def stages_chart(stages: list[dict]) -> str:
    slowest = sorted(stages, key=lambda s: -s["seconds"])[:10]
    return _bar_chart([s["stage"] for s in slowest], [round(s["seconds"], 2) for s in slowest],
                      "Slowest stages", "seconds", "#937860")


def render_report(manifest: dict, documents: pl.DataFrame, mentions: pl.DataFrame, catalog: pl.DataFrame,
                  numbers: pl.DataFrame, texts: pl.DataFrame, data_docs_href: str) -> str:
    """The run report page. `documents` (doc_id, published_date), `mentions`, `catalog` and
    `numbers` are the tables as written after the run; `texts` the doc_id and text of the
    documents of `largest_count_rows`; `data_docs_href` the Data Docs' address from the page."""
    totals = manifest["rows_total"]
    figures = [("documents", totals["documents"]), ("entity mentions", totals["entities"]),
               ("entities", totals["entity_catalog"]), ("numbers", totals["numbers"]),
               ("quarantined (this run)", sum(manifest["quarantine_reasons"].values()))]
    stages = pl.DataFrame(manifest["stages"]).select("stage", "unit", "in", "out", "quarantined", "skipped",
                                                     "seconds")
    reasons = pl.DataFrame({"reason": list(manifest["quarantine_reasons"]),
                            "rows": list(manifest["quarantine_reasons"].values())},
                           schema={"reason": pl.String, "rows": pl.Int64})
    charts = [entities_chart(top_entities(mentions, catalog)) if mentions.height else "",
              timeline_chart(timeline(mentions, catalog, documents))
              if documents["published_date"].drop_nulls().len() and mentions.height else "",
              numbers_chart(numbers) if numbers.height else "",
              stages_chart(manifest["stages"])]
    counts = largest_counts(numbers, texts) if numbers.height else pl.DataFrame()
    return _template().render(
        manifest=manifest, figures=figures, stages=stages, reasons=reasons, counts=counts,
        # matplotlib escapes the text it writes into an SVG: the charts are the only trusted markup.
        charts=[Markup(svg) for svg in charts if svg],
        undated=documents["published_date"].null_count(), documents=documents.height, data_docs_href=data_docs_href)


@functools.cache
def _template() -> jinja2.Template:
    # Strict: a name missing from render() fails the run's report instead of leaving a blank on the page.
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True, keep_trailing_newline=True)
    return environment.get_template("report.html.j2")
