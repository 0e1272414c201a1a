"""Date and time expressions: found, and resolved to TIMEX3 values against the document's date."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.numbers.dates import DATE_PATTERN, clause_around, find_dates, resolve_date, start_of, with_date_values

FRIDAY = dt.date(2022, 9, 30)


def found(text):
    return [(text[m.start:m.end], m.kind) for m in find_dates(text)]


def value(text, anchor=FRIDAY):
    (mention,) = find_dates(text)
    return resolve_date(text[mention.start:mention.end], anchor, clause_around(text, mention.start, mention.end))


@pytest.mark.parametrize("text, expected", [
    ("Putin signed the treaties on Friday.", ("2022-09-30", "day")),  # the article's own day
    ("The talks were held on Monday.", ("2022-09-26", "day")),
    ("The talks will be held on Monday.", ("2022-10-03", "day")),  # the sentence speaks of the future
    ("Votes were cast last week.", ("2022-W38", "week")),
    ("He moved troops in on February 24.", ("2022-02-24", "day")),
    ("It was signed on September 29, 2022.", ("2022-09-29", "day")),
    ("They declared independence in 2014.", ("2014", "year")),
    ("Prices doubled in the 1990s.", ("199", "decade")),
    ("A ceremony at 3 p.m. local time.", ("2022-09-30T15:00", "time")),
    ("Sanctions follow next month.", ("2022-10", "month")),
    ("Output fell in the third quarter of 2004.", ("2004-Q3", "quarter")),
    ("It happened five years ago.", ("2017", "year")),
    ("Trade grew in the 21st century.", ("20", "century")),
    ("He spoke yesterday.", ("2022-09-29", "day")),
    ("Fighting continued in recent weeks.", ("PAST_REF", "reference")),  # no fixed value: TimeML's reference
    ("Prices are now falling.", ("PRESENT_REF", "reference")),
    ("Talks may resume in the near future.", ("FUTURE_REF", "reference")),
    ("He had recently resigned.", ("PAST_REF", "reference")),
])
def test_expressions_resolve_against_the_document_date(text, expected):
    assert value(text) == expected


def test_relative_expressions_need_a_document_date_and_absolute_ones_do_not():
    assert value("He moved troops in on February 24.", None) == (None, None)
    assert value("They declared independence in 2014.", None) == ("2014", "year")
    assert value("It was signed on September 29, 2022.", None) == ("2022-09-29", "day")


def test_references_without_a_date_keep_their_value_in_an_undated_document_and_need_their_own_words():
    assert value("They are currently in talks.", None) == ("PRESENT_REF", "reference")
    assert found("The now-defunct firm held recent talks about the past two years.") == []


def test_results_compare_with_the_same_quarter_a_year_before_and_the_latest_quarter_is_the_last_ended():
    anchor = dt.date(1989, 11, 2)
    assert resolve_date("a year earlier", anchor, earlier=["1989-Q3"]) == ("1988-Q3", "quarter")
    assert resolve_date("the year-ago quarter", anchor, earlier=["1989-Q3"]) == ("1988-Q3", "quarter")
    assert resolve_date("a year ago", anchor, earlier=["1989-Q3"]) == ("1988-Q3", "quarter")
    assert resolve_date("a year earlier", anchor) == ("1988", "year")
    assert resolve_date("the latest period", anchor) == ("1989-Q3", "quarter")
    assert resolve_date("this year's third quarter", anchor) == ("1989-Q3", "quarter")
    assert resolve_date("the 1988 second quarter", anchor) == ("1988-Q2", "quarter")


def test_a_part_of_a_named_day_is_a_time_of_that_day():
    text = "Police said the attack came Thursday evening. Talks resume this morning; it rained last night."
    assert [(text[m.start:m.end], m.kind, resolve_date(text[m.start:m.end], FRIDAY,
                                                        clause_around(text, m.start, m.end))[0])
            for m in find_dates(text)] == [("Thursday evening", "time", "2022-09-29TEV"),
                                           ("this morning", "time", "2022-09-30TMO"),
                                           ("last night", "time", "2022-09-29TNI")]


def test_a_deadline_after_a_past_verb_may_lie_ahead():
    anchor = dt.date(1989, 11, 2)
    text = "The offer was extended to Nov. 20. The dividend was cut and is payable Jan. 2. It fell on Sept. 27."
    values = [resolve_date(text[m.start:m.end], anchor, clause_around(text, m.start, m.end))[0]
              for m in find_dates(text)]
    assert values == ["1989-11-20", "1990-01-02", "1989-09-27"]


def test_words_that_only_look_like_dates_are_not_dates():
    assert found("He may go. The march began. Mr Balls told Today.") == []
    assert found("Elections in May and March 5 were set.") == [("May", "date"), ("March 5", "date")]
    assert found("at 10:30 and 3 p.m.") == [("10:30", "time"), ("3 p.m.", "time")]


def test_later_in_the_week_refers_to_the_last_date_said():
    assert resolve_date("the week", FRIDAY, earlier=["2022-09-19"]) == ("2022-W38", "week")
    assert resolve_date("the year", FRIDAY, earlier=["2004-Q3"]) == ("2004", "year")
    assert resolve_date("the week", FRIDAY) == ("2022-W39", "week")


def test_a_time_takes_the_day_its_sentence_names_and_rows_get_values():
    text = "On September 29, 2022 at 3 p.m. he spoke. Friday was quiet. The strike lasted 3 days and 2 hours."
    spans = find_dates(text)
    numbers = pl.DataFrame({"doc_id": ["d"] * (len(spans) + 2), "start_char": [m.start for m in spans] + [78, 89],
                            "end_char": [m.end for m in spans] + [84, 96],
                            "kind": [m.kind for m in spans] + ["duration", "duration"],
                            "sentence_index": [0, 0, 1, 2, 2], "value": [None, None, None, 3.0, 2.0],
                            "unit": [None, None, None, "day", "hour"]})
    documents = pl.DataFrame({"doc_id": ["d"], "text": [text], "published_date": [FRIDAY]})
    resolved = with_date_values(numbers, documents)
    assert resolved["date_value"].to_list() == ["2022-09-29", "2022-09-29T15:00", "2022-09-30", "P3D", "PT2H"]
    assert resolved["date_granularity"].to_list() == ["day", "time", "day", "duration", "duration"]


def test_start_of_a_value_is_its_first_day():
    assert start_of("2022-W38") == dt.date(2022, 9, 19)
    assert start_of("2022-09") == dt.date(2022, 9, 1)
    assert start_of("2022-09-30T15:00") == FRIDAY
    assert start_of("2022") is None and start_of(None) is None


DATE_WORDS = ["the", "last", "next", "this", "week", "month", "year", "ago", "five", "a", "in", "on", "May",
              "March", "Friday", "2014", "1990s", "'90s", "3", "p.m.", "10:30", "1200", "GMT", "24", "February",
              "24th", "of", "first", "quarter", "half", "summer", "21st", "century", "later", "during", "day",
              "today", "Today", "recent", "weeks", "mid-2004", "Q3", "2004-10-05", ",", ".", "said", "x1999",
              "$2014", "2,014", "2014%"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DATE_WORDS), max_size=25), st.sampled_from([" ", "  ", "\n", ", "]))
def test_the_first_word_filter_finds_what_the_whole_grammar_finds(words, gap):
    import re as regex

    from tasks.numbers.dates import DATE_FORMS

    text = gap.join(words)
    whole = regex.compile(DATE_FORMS, regex.VERBOSE | regex.IGNORECASE)
    assert [m.span() for m in DATE_PATTERN.finditer(text)] == [m.span() for m in whole.finditer(text)]


def test_a_fetched_page_without_a_date_is_read_as_of_the_day_it_was_fetched():
    numbers = pl.DataFrame({"doc_id": ["a", "b"], "start_char": [0, 0], "end_char": [6, 6],
                            "kind": ["date", "date"], "sentence_index": [0, 0], "value": [None, None],
                            "unit": [None, None]})
    documents = pl.DataFrame({
        "doc_id": ["a", "b"], "text": ["Friday it was"] * 2, "published_date": [None, FRIDAY],
        "fetched_at": [dt.datetime(2022, 10, 8, 9, tzinfo=dt.timezone.utc),
                       dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)]})
    # The page's own date wins over the day it was fetched.
    assert with_date_values(numbers, documents)["date_value"].to_list() == ["2022-10-07", "2022-09-30"]
    assert with_date_values(numbers, documents.drop("fetched_at"))["date_value"].to_list() == [None, "2022-09-30"]


def test_a_date_in_a_clause_without_tense_is_the_nearest_one():
    import datetime as dt

    from tasks.numbers.dates import resolve_date

    written = dt.date(1989, 10, 26)
    assert resolve_date("Nov. 15", written, "to holders of record Nov. 15")[0] == "1989-11-15"
    assert resolve_date("January", written, "on a date in January")[0] == "1990-01"
    assert resolve_date("June 1", written, "the pact signed June 1")[0] == "1989-06-01"  # a past verb
    assert resolve_date("Nov. 15", written, "the offer expired Nov. 15")[0] == "1988-11-15"
    assert resolve_date("Dec. 14", written, "will be paid Dec. 14")[0] == "1989-12-14"


def test_a_quarter_written_as_an_adjective_is_a_date_and_one_not_yet_begun_is_last_years():
    import datetime as dt

    from tasks.numbers.dates import find_dates, resolve_date

    assert [(m.start, m.end, m.kind) for m in find_dates("Third-quarter profit rose 19%.")] == [(0, 13, "date")]
    october, february = dt.date(1989, 10, 26), dt.date(1990, 2, 14)
    assert resolve_date("third-quarter", october, "third-quarter profit rose")[0] == "1989-Q3"
    assert resolve_date("fourth-quarter", february, "fourth-quarter profit fell")[0] == "1989-Q4"
    assert resolve_date("the fourth quarter", february, "the fourth quarter will be hard")[0] == "1990-Q4"


def test_the_quarter_names_the_quarter_said_before_it_else_the_documents():
    import datetime as dt

    import polars as pl

    from tasks.numbers.dates import find_dates, with_date_values

    text = ("Third-quarter profit rose 19%. In the quarter, sales fell. A quarter of the staff left. "
            "Net income for the latest quarter was flat.")
    found = find_dates(text)
    assert [text[m.start:m.end] for m in found] == ["Third-quarter", "the quarter", "the latest quarter"]
    rows = pl.DataFrame({"doc_id": ["d"] * 3, "start_char": [m.start for m in found],
                         "end_char": [m.end for m in found], "kind": ["date"] * 3, "sentence_index": [0, 1, 3],
                         "value": [None] * 3, "unit": [None] * 3},
                        schema={"doc_id": pl.String, "start_char": pl.Int32, "end_char": pl.Int32, "kind": pl.String,
                                "sentence_index": pl.Int32, "value": pl.Float64, "unit": pl.String})
    documents = pl.DataFrame({"doc_id": ["d"], "text": [text], "published_date": [dt.date(1989, 10, 26)]})
    assert with_date_values(rows, documents)["date_value"].to_list() == ["1989-Q3"] * 3



def dated(text, published=dt.date(1989, 10, 26)):
    """The date values a run gives every date expression of `text`, a sentence each."""
    found = find_dates(text)
    rows = pl.DataFrame({"doc_id": ["d"] * len(found), "start_char": [m.start for m in found],
                         "end_char": [m.end for m in found], "kind": ["date"] * len(found),
                         "sentence_index": list(range(len(found))), "value": [None] * len(found),
                         "unit": [None] * len(found)},
                        schema={"doc_id": pl.String, "start_char": pl.Int32, "end_char": pl.Int32, "kind": pl.String,
                                "sentence_index": pl.Int32, "value": pl.Float64, "unit": pl.String})
    documents = pl.DataFrame({"doc_id": ["d"], "text": [text], "published_date": [published]})
    return [text[m.start:m.end] for m in found], with_date_values(rows, documents)["date_value"].to_list()


def test_a_year_earlier_is_not_what_the_quarter_or_the_next_year_earlier_refers_to():
    text = ("Third-quarter profit rose 19% from a year earlier. Sales were flat a year ago. "
            "In the quarter, costs fell.")
    assert dated(text) == (["Third-quarter", "a year earlier", "a year ago", "the quarter"],
                           ["1989-Q3", "1988-Q3", "1988-Q3", "1989-Q3"])


def test_a_year_ago_in_prose_and_the_latest_quarter_stay_what_later_expressions_refer_to():
    assert dated("The firm was founded a year ago. Later in the year, it listed.")[1] == ["1988", "1988"]
    assert dated("In the latest quarter, profit rose. In the quarter, sales fell.")[1] == ["1989-Q3", "1989-Q3"]
