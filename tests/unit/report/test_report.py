"""What a person sees: the run report in headless Chromium, and progress while a run goes."""

from __future__ import annotations

from flows.progress import TerminalProgress, emit
from tasks.documents.sentences import sentence_around
from tasks.report import event_dates, events_chart, merge_aggregates, number_kinds_shown


def test_events_are_added_up_by_date_and_type_across_batches_and_charted():
    import datetime as dt

    import polars as pl

    day = dt.date(2022, 9, 30)
    events = pl.DataFrame({"event_date": [day, day, None], "count_type": ["KILL", "KILL", "WOUND"],
                           "value": [25.0, 1.0, 50.0]})
    batch = {"documents": 1, "undated_documents": 0, "number_kinds": [], "largest_counts": [],
             "event_dates": event_dates(events)}
    assert batch["event_dates"] == [["2022-09-30", "KILL", 2, 26.0]]  # the undated one is left out
    merged = merge_aggregates(batch, batch | {"event_dates": [["2022-09-29", "WOUND", 1, 50.0],
                                                              ["2022-09-30", "KILL", 1, 3.0]]})
    assert merged["event_dates"] == [["2022-09-29", "WOUND", 1, 50.0], ["2022-09-30", "KILL", 3, 29.0]]
    # A commit record written before events existed adds nothing.
    assert merge_aggregates({k: v for k, v in batch.items() if k != "event_dates"}, batch)["event_dates"] == \
        batch["event_dates"]
    svg = events_chart(merged["event_dates"])
    assert svg.startswith("<svg") and "Events by event date" in svg and "KILL" in svg and "WOUND" in svg


def test_sentence_around_finds_the_sentence_of_a_span():
    text = "First one. Second has 25 people. “Third.” Fourth"
    start = text.index("25")
    assert sentence_around(text, start, start + 2) == "Second has 25 people."
    assert sentence_around(text, text.index("Fourth"), len(text)) == "Fourth"


def test_the_numbers_chart_shows_the_most_frequent_kinds_and_sums_the_rest():
    rows = [["count", "", 40], ["money", "GBP", 30], ["count", "", 2], ["measure", "km", 5], ["measure", "kg", 1],
            ["money", "USD", 7]]
    assert number_kinds_shown(rows, 3) == [("count / (none)", 42), ("money / GBP", 30), ("money / USD", 7),
                                           ("other (2 kinds / units)", 6)]
    assert number_kinds_shown(rows, 4)[-1] == ("measure / kg", 1)  # one pair left over: its own bar
    assert len(number_kinds_shown(rows, 5)) == 5


def test_quarantine_lines_are_printed_as_they_happen_off_a_terminal(capsys):
    with TerminalProgress(bar=False):
        emit("quarantined", stage="ingest", reasons={"empty_file": 2, "binary_file": 1})
        assert "quarantined at ingest: 3 (empty_file 2, binary_file 1)" in capsys.readouterr().err
    with TerminalProgress(bar=False, quiet=True):
        emit("quarantined", stage="ingest", reasons={"empty_file": 1})
    emit("quarantined", stage="ingest", reasons={"empty_file": 1})  # nobody listening
    assert capsys.readouterr().err == ""


def test_largest_counts_keep_the_biggest_of_each_type_with_their_sentence():
    import polars as pl

    from tasks.report import largest_counts

    text = "Officials said 25 people were killed. Later 300 were arrested. Two more were killed."
    rows = [("d", text.index(w), text.index(w) + len(w), w, v, t) for w, v, t in
            (("25", 25.0, "KILL"), ("300", 300.0, "ARREST"), ("Two", 2.0, "KILL"))]
    numbers = pl.DataFrame(rows, schema=["doc_id", "start_char", "end_char", "surface", "value", "count_type"],
                           orient="row").with_columns(object=pl.lit("people"))
    got = largest_counts(numbers, pl.DataFrame({"doc_id": ["d"], "text": [text]}))
    assert got.select("count_type", "surface", "sentence").rows() == [
        ("ARREST", "300", "Later 300 were arrested."), ("KILL", "25", "Officials said 25 people were killed."),
        ("KILL", "Two", "Two more were killed.")]


def test_names_and_sentences_are_escaped_in_the_page():
    import datetime as dt

    import polars as pl

    from tasks.report import render_report

    hostile = "<script>alert(1)</script>"
    text = f"Rebels & {hostile} said 25 people were killed."
    start = text.index("25")
    manifest = {
        "run_id": "r&1", "status": "completed", "started_at": "2026-01-01T00:00:00",
        "finished_at": "2026-01-01T00:01:00", "output_dir": "out/<b>&", "rows_total": {"documents": 1, "entities": 1, "entity_catalog": 1, "numbers": 1},
        "quarantine_reasons": {hostile: 1},
        "stages": [{"stage": "ingest", "unit": "files", "in": 1, "out": 1, "quarantined": 0, "skipped": 0,
                    "seconds": 0.5}],
        "gates": [{"suite": "S&P", "passed": True, "failed_rows": 0, "rows": 1}]}
    from tasks.report import batch_aggregates, entity_dates

    documents = pl.DataFrame({"doc_id": ["d"], "published_date": [dt.date(2026, 1, 1)], "text": [text]})
    numbers = pl.DataFrame({"doc_id": ["d"], "start_char": [start], "end_char": [start + 2], "surface": ["25"],
                            "value": [25.0], "kind": ["count"], "unit": [""], "object": ["people"],
                            "count_type": ["KILL"]}, schema_overrides={"start_char": pl.Int32, "end_char": pl.Int32})
    catalog = pl.DataFrame({"entity_id": ["e", "p"], "canonical_name": [f"AT&T {hostile}", f"Kyiv {hostile}"],
                            "label": ["ORG", "GPE"], "mention_count": [1, 2], "feature_class": [None, "city"],
                            "latitude": [None, 50.45], "longitude": [None, 30.52]})
    mentions = pl.DataFrame({"doc_id": ["d"], "entity_id": ["e"], "sentence_index": [0]})
    sentences = pl.DataFrame({"doc_id": ["d"], "sentence_index": [0], "tone": [-4.0]})
    page = render_report(manifest, catalog, entity_dates(mentions, documents, sentences),
                         batch_aggregates(documents, numbers), "data_docs/index.html?a=1&b=2")
    assert "<script" not in page and page.count("<svg") == 6  # the map and the tone too
    assert "Kyiv &lt;script&gt;" in page.split("Places mentioned")[1]  # a place's name on the map, as SVG text
    assert "Rebels &amp; &lt;script&gt;alert(1)&lt;/script&gt; said 25 people were killed." in page
    assert "AT&amp;T &lt;script&gt;" in page  # inside the entities chart, as SVG text
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page and "<td>S&amp;P</td>" in page
    assert "run r&amp;1" in page and "output out/&lt;b&gt;&amp;" in page
    assert '<a href="data_docs/index.html?a=1&amp;b=2">' in page


def test_the_report_counts_each_confidence_columns_rows_below_one_half_across_batches():
    import polars as pl

    from tasks.report import batch_aggregates, merge_aggregates
    from tasks.schemas import NUMBERS, frame

    documents = pl.DataFrame({"doc_id": ["a"], "published_date": [None], "text": ["x"]},
                             schema={"doc_id": pl.String, "published_date": pl.Date, "text": pl.String})
    numbers = frame([{"kind": "date", "unit": "", "date_confidence": 0.3}], NUMBERS)
    entities = pl.DataFrame({"place_confidence": [0.95, 0.2, 0.45, None]})
    first = batch_aggregates(documents, numbers.clear(), None, entities)
    second = batch_aggregates(documents, numbers, None, entities.head(1))
    merged = merge_aggregates(first, second)
    counts = {(t, c): (n, low) for t, c, n, low in merged["confidences"]}
    assert counts[("entities", "place_confidence")] == (4, 2) and counts[("numbers", "date_confidence")] == (1, 1)
    assert counts[("quotes", "speaker_confidence")] == counts[("entities", "label_confidence")] == (0, 0)
    assert {c for _, c in counts} == {"label_confidence", "place_confidence", "entity_confidence",
                                      "unit_confidence", "object_confidence",
                                      "date_confidence", "speaker_confidence", "actor_confidence",
                                      "event_date_confidence"}
