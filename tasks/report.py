"""The run report: one self-contained HTML page (charts as inline SVG, no JavaScript, nothing
fetched) of what a run did and what the tables hold. Pure: frames and the manifest in, HTML out.
Python computes what the page shows; templates/report.html.j2 lays it out."""

from __future__ import annotations

import functools
import io as _io
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from tasks.documents.sentences import sentence_around

TOP_PER_LABEL = 5
TOP_NUMBER_KINDS = 15
TIMELINE_ENTITIES = 5
LARGEST_COUNTS = 3
LABELS = ("PERSON", "GPE", "ORG", "NORP", "LOC")


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


def top_entities(catalog: pl.DataFrame) -> pl.DataFrame:
    """The most mentioned entities of each label (catalog: entity_id, canonical_name, label,
    mention_count): label, canonical_name, mentions."""
    counted = catalog.group_by("label", "canonical_name").agg(mentions=pl.col("mention_count").sum())
    return (counted.filter(pl.col("label").is_in(LABELS))
            .sort(["label", "mentions", "canonical_name"], descending=[False, True, False])
            .group_by("label", maintain_order=True).head(TOP_PER_LABEL))


def timeline_entities(catalog: pl.DataFrame) -> pl.DataFrame:
    """The entities the timeline follows: the most mentioned of the catalog (entity_id, canonical_name)."""
    return catalog.sort(["mention_count", "canonical_name", "entity_id"], descending=[True, False, False]) \
        .head(TIMELINE_ENTITIES).select("entity_id", "canonical_name")


def timeline(entity_dates: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    """Mentions per published date of `entities` (`timeline_entities`), from the stored mentions per
    entity and date (`entity_dates`), dated documents only."""
    return (entity_dates.drop_nulls("published_date").join(entities, on="entity_id")
            .group_by("published_date", "canonical_name").agg(pl.col("mentions").sum())
            .sort(["published_date", "canonical_name"]))


def tone_timeline(entity_dates: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    """Mean tone of the sentences mentioning `entities` per published date (published_date,
    canonical_name, tone), where their sentences have a tone."""
    return (entity_dates.drop_nulls("published_date").filter(pl.col("toned_mentions") > 0)
            .join(entities, on="entity_id")
            .group_by("published_date", "canonical_name")
            .agg(tone=pl.col("tone_sum").sum() / pl.col("toned_mentions").sum())
            .sort(["published_date", "canonical_name"]))


def entity_dates(mentions: pl.DataFrame, documents: pl.DataFrame, sentences: pl.DataFrame) -> pl.DataFrame:
    """Mentions per entity and published date of a batch (what `_state/entity_dates` stores), with
    the summed tone of their sentences (doc_id, sentence_index, tone)."""
    rows = mentions.select("doc_id", "entity_id", "sentence_index").join(
        sentences.select("doc_id", "sentence_index", "tone"), on=["doc_id", "sentence_index"], how="left")
    return (rows.join(documents.select("doc_id", "published_date"), on="doc_id")
            .group_by("entity_id", "published_date")
            .agg(mentions=pl.len().cast(pl.Int64), tone_sum=pl.col("tone").cast(pl.Float64).sum(),
                 toned_mentions=pl.col("tone").count().cast(pl.Int64))
            .with_columns(tone_sum=pl.when(pl.col("toned_mentions") > 0).then(pl.col("tone_sum")))
            .sort("entity_id", "published_date"))


def largest_count_rows(numbers: pl.DataFrame) -> pl.DataFrame:
    """The largest counts of each count_type (the documents whose text the report needs)."""
    return (numbers.filter(pl.col("count_type") != "")
            .sort(["count_type", "value", "doc_id", "start_char"], descending=[False, True, False, False])
            .group_by("count_type", maintain_order=True).head(LARGEST_COUNTS))


def largest_counts(numbers: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """The largest counts of each count_type, with the sentence each was said in (`texts`:
    doc_id and text of at least their documents) and where (doc_id, start_char)."""
    counts = largest_count_rows(numbers).join(texts.select("doc_id", "text"), on="doc_id", how="left",
                                              maintain_order="left")
    sentences = [sentence_around(text or "", start, end)
                 for text, start, end in counts.select("text", "start_char", "end_char").iter_rows()]
    return counts.select("count_type", "surface", "value", "object", "doc_id", "start_char", "end_char").with_columns(
        sentence=pl.Series(sentences, dtype=pl.String))


#: What the report adds up over every batch written, kept in each commit record (`aggregates`).
AGGREGATE_KEYS = ("documents", "undated_documents", "number_kinds", "largest_counts", "event_dates", "confidences")


def event_dates(events: pl.DataFrame | None) -> list[list]:
    """`[event_date (ISO), count_type, events, counted]` rows of dated events, by date and type."""
    if events is None or not events.height:
        return []
    by = (events.drop_nulls("event_date").group_by("event_date", "count_type")
          .agg(n=pl.len(), counted=pl.col("value").sum()).sort("event_date", "count_type"))
    return [[day.isoformat(), kind, n, counted] for day, kind, n, counted in by.iter_rows()]


#: A confidence below this marks a row the report counts as unsure.
UNSURE_BELOW = 0.5


def confidence_counts(tables: dict[str, pl.DataFrame | None]) -> list[list]:
    """`[table, column, rows with a confidence, rows below UNSURE_BELOW]` for each confidence column
    (`tasks.schemas.CONFIDENCE_UNIT`) of the tables given."""
    from tasks.schemas import TABLES, confidence_columns

    counts = []
    for table, rows in tables.items():
        for name in confidence_columns(TABLES[table]):
            values = rows[name] if rows is not None and name in rows.columns else pl.Series([], dtype=pl.Float64)
            counts.append([table, name, int(values.is_not_null().sum()), int((values < UNSURE_BELOW).sum())])
    return counts


def batch_aggregates(documents: pl.DataFrame, numbers: pl.DataFrame, events: pl.DataFrame | None = None,
                     entities: pl.DataFrame | None = None, quotes: pl.DataFrame | None = None) -> dict:
    """What a batch adds to the report: documents and undated documents, numbers per kind and
    unit, its largest counts with their sentences, its events per date and type, and how many rows
    of each confidence column are below UNSURE_BELOW."""
    kinds = numbers.group_by("kind", "unit").agg(n=pl.len()).sort("kind", "unit")
    return {"documents": documents.height,
            "undated_documents": documents["published_date"].null_count(),
            "number_kinds": [list(row) for row in kinds.iter_rows()],
            "largest_counts": largest_counts(numbers, documents).to_dicts() if numbers.height else [],
            "event_dates": event_dates(events),
            "confidences": confidence_counts({"entities": entities, "numbers": numbers, "events": events,
                                              "quotes": quotes})}


def merge_aggregates(stored: dict | None, batch: dict) -> dict:
    """The stored aggregates with a batch's added (counts summed, the largest counts chosen again)."""
    if not stored:
        return batch
    kinds: dict[tuple[str, str], int] = {}
    for kind, unit, n in [*stored["number_kinds"], *batch["number_kinds"]]:
        kinds[(kind, unit)] = kinds.get((kind, unit), 0) + n
    both = [*stored["largest_counts"], *batch["largest_counts"]]
    largest = (pl.DataFrame(both, schema=_LARGEST, orient="row").pipe(largest_count_rows).to_dicts()
               if both else [])
    dated: dict[tuple[str, str], list] = {}
    for day, kind, n, counted in [*stored.get("event_dates", []), *batch.get("event_dates", [])]:
        total = dated.setdefault((day, kind), [0, 0.0])
        total[0] += n
        total[1] += counted
    rated: dict[tuple[str, str], list[int]] = {}
    for table, column, n, unsure in [*stored.get("confidences", []), *batch.get("confidences", [])]:
        total = rated.setdefault((table, column), [0, 0])
        total[0] += n
        total[1] += unsure
    return {"confidences": [[table, column, n, unsure] for (table, column), (n, unsure) in rated.items()],
            "documents": stored["documents"] + batch["documents"],
            "undated_documents": stored["undated_documents"] + batch["undated_documents"],
            "number_kinds": [[kind, unit, n] for (kind, unit), n in sorted(kinds.items())],
            "largest_counts": largest,
            "event_dates": [[day, kind, n, counted] for (day, kind), (n, counted) in sorted(dated.items())]}


_LARGEST = {"count_type": pl.String, "surface": pl.String, "value": pl.Float64, "object": pl.String,
            "doc_id": pl.String, "start_char": pl.Int32, "end_char": pl.Int32, "sentence": pl.String}


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


def timeline_chart(points: pl.DataFrame, value: str = "mentions", names: list[str] | None = None,
                   title: str = "Mentions of the top entities by published date") -> str:
    """A line per entity of `points` (published_date, canonical_name, `value`), in the order of
    `names` (default: the most mentioned first, so the same entity keeps its colour)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    if names is None:
        names = points.group_by("canonical_name").agg(pl.col(value).sum()) \
            .sort([value, "canonical_name"], descending=[True, False])["canonical_name"].to_list()
    for name in names:
        series = points.filter(pl.col("canonical_name") == name)
        axes.plot(series["published_date"].to_list(), series[value].to_list(), marker="o", label=name)
    if value == "tone":
        axes.axhline(0, color="#8c8c8c", linewidth=0.8)
    import datetime as dt

    from matplotlib.dates import DateFormatter

    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    first, last = points["published_date"].min(), points["published_date"].max()
    if first == last:  # one date: a week around it rather than matplotlib's default years
        axes.set_xlim(first - dt.timedelta(days=3), last + dt.timedelta(days=3))
    axes.set_title(title, loc="left", fontweight="bold")
    axes.set_ylabel(value)
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    figure.autofmt_xdate()
    return _svg(figure)


MAP_LABELS = 8
COUNT_COLORS = {"KILL": "#c44e52", "WOUND": "#dd8452", "ARREST": "#4c72b0", "KIDNAP": "#8172b3",
                "AFFECT": "#937860", "SEIZE": "#da8bc3", "PROTEST": "#55a868", "DISPLACE": "#8c8c8c",
                "EVACUATE": "#ccb974"}


def mapped_places(catalog: pl.DataFrame) -> pl.DataFrame:
    """The catalog's places with a location (canonical_name, feature_class, latitude, longitude,
    mention_count), the most mentioned first."""
    return (catalog.drop_nulls(["latitude", "longitude"])
            .select("canonical_name", "feature_class", "latitude", "longitude", "mention_count")
            .sort(["mention_count", "canonical_name"], descending=[True, False]))


def _map_window(places: pl.DataFrame) -> tuple[float, float, float, float]:
    """(west, east, south, north) around the places, at least 60 by 30 degrees, within the world."""
    west, east = places["longitude"].min() - 8, places["longitude"].max() + 8
    south, north = places["latitude"].min() - 6, places["latitude"].max() + 6
    if east - west < 60:
        west, east = (west + east) / 2 - 30, (west + east) / 2 + 30
    west, east = max(west, -180), min(east, 180)
    # At least half as tall as wide: a map, not a strip.
    if north - south < (east - west) / 2:
        middle = (south + north) / 2
        south, north = middle - (east - west) / 4, middle + (east - west) / 4
    return west, east, max(south, -90), min(north, 90)


@functools.cache
def _outlines() -> list[list[tuple[float, float]]]:
    """Every country's outline as (longitude, latitude) rings, from `countryinfo` (no download)."""
    import countryinfo

    rings = []
    for country in countryinfo.all_countries():
        for feature in country.geo_json().get("features", []):
            geometry = feature["geometry"]
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            rings += [[(x, y) for x, y, *_ in polygon[0]] for polygon in polygons]
    return rings


def places_map(places: pl.DataFrame) -> str:
    """Places mentioned on a plain longitude/latitude map with country outlines, each a point sized
    by its mentions, the most mentioned named."""
    from matplotlib.collections import PolyCollection

    plt = _pyplot()
    west, east, south, north = _map_window(places)
    figure, axes = plt.subplots(figsize=(7.5, 4.6))
    rings = [ring for ring in _outlines() if any(west <= x <= east and south <= y <= north for x, y in ring)]
    axes.add_collection(PolyCollection(rings, facecolor="#eeeeee", edgecolor="#b0b0b0", linewidth=0.4))
    sizes = (places["mention_count"].cast(pl.Float64).sqrt() * 18).to_list()
    axes.scatter(places["longitude"].to_list(), places["latitude"].to_list(), s=sizes, color="#dd8452",
                 alpha=0.7, edgecolor="#8c4a1c", linewidth=0.5, zorder=3)
    named: list[tuple[float, float]] = []
    spacing = (east - west) / 40  # a name per few degrees: a cluster (Ukraine's oblasts) gets its biggest
    for row in places.iter_rows(named=True):
        point = (row["longitude"], row["latitude"])
        if len(named) < MAP_LABELS and all(abs(point[0] - x) + abs(point[1] - y) > spacing for x, y in named):
            axes.annotate(row["canonical_name"], point, fontsize=7, xytext=(4, 3), textcoords="offset points",
                          zorder=4)
            named.append(point)
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect("equal")
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    axes.set_title("Places mentioned (point size: mentions)", loc="left", fontweight="bold")
    return _svg(figure)


def events_chart(dated: list[list]) -> str:
    """Events per event date, stacked by count type (`[date, count_type, events, counted]` rows)."""
    import datetime as dt

    from matplotlib.dates import DateFormatter

    plt = _pyplot()
    by = pl.DataFrame(dated, schema={"day": pl.String, "kind": pl.String, "n": pl.Int64, "counted": pl.Float64},
                      orient="row").with_columns(day=pl.col("day").str.to_date())
    figure, axes = plt.subplots(figsize=(7.5, 3.0))
    days = sorted(set(by["day"].to_list()))
    bottom = dict.fromkeys(days, 0)
    width = max(0.8, (days[-1] - days[0]).days / 60) if len(days) > 1 else 0.8
    for kind in [k for k in COUNT_COLORS if k in set(by["kind"])]:
        part = by.filter(pl.col("kind") == kind)
        x, n = part["day"].to_list(), part["n"].to_list()
        axes.bar(x, n, width=width, bottom=[bottom[d] for d in x], color=COUNT_COLORS[kind], label=kind)
        for d, value in zip(x, n, strict=True):
            bottom[d] += value
    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    if len(days) == 1:
        axes.set_xlim(days[0] - dt.timedelta(days=3), days[0] + dt.timedelta(days=3))
    axes.set_title("Events by event date (killed, wounded, arrested, ...)", loc="left", fontweight="bold")
    axes.set_ylabel("events")
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    figure.autofmt_xdate()
    return _svg(figure)


def number_kinds_shown(number_kinds: list[list], top: int) -> list[tuple[str, int]]:
    """(`kind / unit`, mentions) of the `top` most frequent pairs of `[kind, unit, mentions]` rows,
    then one `other` bar for the rest: a corpus has dozens of units, most with a mention or two."""
    by = pl.DataFrame(number_kinds, schema={"kind": pl.String, "unit": pl.String, "n": pl.Int64}, orient="row") \
        .with_columns(unit=pl.when(pl.col("unit") == "").then(pl.lit("(none)")).otherwise("unit")) \
        .group_by("kind", "unit").agg(pl.col("n").sum()).sort(["n", "kind", "unit"], descending=[True, False, False])
    if by.height <= top + 1:  # one pair left over is shown as itself
        return [(f"{k} / {u}", n) for k, u, n in by.iter_rows()]
    return [*((f"{k} / {u}", n) for k, u, n in by.head(top).iter_rows()),
            (f"other ({by.height - top} kinds / units)", int(by["n"].slice(top).sum()))]


def numbers_chart(number_kinds: list[list]) -> str:
    """Numbers per kind and unit (`[kind, unit, mentions]` rows), the most frequent first."""
    shown = number_kinds_shown(number_kinds, TOP_NUMBER_KINDS)
    return _bar_chart([label for label, _ in shown], [n for _, n in shown], "Numbers by kind / unit", "mentions")


def stages_chart(stages: list[dict]) -> str:
    slowest = sorted(stages, key=lambda s: -s["seconds"])[:10]
    return _bar_chart([s["stage"] for s in slowest], [round(s["seconds"], 2) for s in slowest],
                      "Slowest stages", "seconds", "#937860")


def render_report(manifest: dict, catalog: pl.DataFrame, dates: pl.DataFrame, aggregates: dict,
                  data_docs_href: str) -> str:
    """The run report page, from stored aggregates only: the manifest (this run's counts and the
    tables' totals), the entity catalog (entity_id, canonical_name, label, mention_count, and the
    places' latitude, longitude and feature_class), the
    stored mentions per date of the catalog's `timeline_entities`, the commit log's `aggregates`
    (see `batch_aggregates`), and `data_docs_href`, the Data Docs' address from the page."""
    (page,) = render_reports(manifest, catalog, dates, aggregates, [data_docs_href])
    return page


def render_reports(manifest: dict, catalog: pl.DataFrame, dates: pl.DataFrame, aggregates: dict,
                   data_docs_hrefs: list[str]) -> list[str]:
    """`render_report`'s page once for each of `data_docs_hrefs` (pages kept in different folders),
    its charts drawn once."""
    totals = manifest["rows_total"]
    figures = [("documents", totals["documents"]), ("entity mentions", totals["entities"]),
               ("entities", totals["entity_catalog"]), ("numbers", totals["numbers"]),
               ("events", totals.get("events", 0)),
               ("quarantined (this run)", sum(manifest["quarantine_reasons"].values()))]
    stages = pl.DataFrame(manifest["stages"]).select("stage", "unit", "in", "out", "quarantined", "skipped",
                                                     "seconds")
    batches = pl.DataFrame(manifest.get("batches") or [], schema=_BATCH_COLUMNS).select(list(_BATCH_COLUMNS))
    reasons = pl.DataFrame({"reason": list(manifest["quarantine_reasons"]),
                            "rows": list(manifest["quarantine_reasons"].values())},
                           schema={"reason": pl.String, "rows": pl.Int64})
    followed = timeline_entities(catalog)
    points, tones = timeline(dates, followed), tone_timeline(dates, followed)
    order = [name for name in followed["canonical_name"].to_list() if name in set(tones["canonical_name"])]
    places = mapped_places(catalog)
    charts = [entities_chart(top_entities(catalog)) if catalog.height else "",
              places_map(places) if places.height else "",
              timeline_chart(points) if points.height else "",
              timeline_chart(tones, "tone", order, "Tone of the sentences mentioning the top entities (VADER "
                             "lexicon, positive - negative % of words)") if tones.height else "",
              events_chart(aggregates["event_dates"]) if aggregates.get("event_dates") else "",
              numbers_chart(aggregates["number_kinds"]) if aggregates.get("number_kinds") else "",
              stages_chart(manifest["stages"]) if manifest["stages"] else ""]
    counts = pl.DataFrame(aggregates.get("largest_counts") or [], schema=_LARGEST, orient="row") \
        .select("count_type", "surface", "value", "object", "sentence")
    confidences = pl.DataFrame([[table, column, n, unsure, round(unsure / n, 3) if n else None]
                                for table, column, n, unsure in aggregates.get("confidences") or []],
                               schema={"table": pl.String, "column": pl.String, "rows with it": pl.Int64,
                                       f"below {UNSURE_BELOW}": pl.Int64, "share below": pl.Float64}, orient="row")
    return [_template().render(
        manifest=manifest, figures=figures, stages=stages, batches=batches, reasons=reasons, counts=counts,
        # matplotlib escapes the text it writes into an SVG: the charts are the only trusted markup.
        charts=[Markup(svg) for svg in charts if svg],
        undated=aggregates.get("undated_documents", 0), documents=aggregates.get("documents", 0),
        confidences=confidences, unsure_below=UNSURE_BELOW,
        data_docs_href=href) for href in data_docs_hrefs]


_BATCH_COLUMNS = {"batch": pl.Int64, "status": pl.String, "files": pl.Int64, "records": pl.Int64,
                  "documents_written": pl.Int64, "quarantined": pl.Int64, "seconds": pl.Float64, "rss_mib": pl.Float64,
                  "peak_rss_mib": pl.Float64}


@functools.cache
def _template() -> jinja2.Template:
    # Strict: a name missing from render() fails the run's report instead of leaving a blank on the page.
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True, keep_trailing_newline=True)
    return environment.get_template("report.html.j2")
