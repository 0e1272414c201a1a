import pytest
import spacy
from spacy.tokens import Doc

from tasks.numbers.mentions import counted_object, extract_numbers, find_numbers, needs_parse, vague_range, words_value


def one(text):
    (mention,) = find_numbers(text)
    return text[mention.start:mention.end], mention


@pytest.mark.parametrize(
    "text, surface, value, kind, unit, qualifier",
    [
        ("comprise 18% of Ukraine", "18%", 18, "percent", "percent", "="),
        ("an additional 300,000 troops", "300,000", 300000, "count", "", "="),
        ("for more than 1,000 people", "more than 1,000", 1000, "count", "", ">"),
        ("about 60% of Donetsk", "about 60%", 60, "percent", "percent", "~"),
        ("over 15 percent of it", "over 15 percent", 15, "percent", "percent", ">"),
        ("his seven-month invasion", "seven-month", 7, "duration", "month", "="),
        ("his 22-year rule", "22-year", 22, "duration", "year", "="),
        ("at 3 p.m. local time", "3 p.m.", None, "time", "", "="),
        ("independence in 2014 after", "2014", None, "date", "", "="),
        ("on February 24.", "February 24", None, "date", "", "="),
        ("at least one person", "at least one", 1, "count", "", ">="),
        ("jumped to $1.13bn in", "$1.13bn", 1.13e9, "money", "USD", "="),
        ("and £600m for", "£600m", 6e8, "money", "GBP", "="),
        ("costs 5 euros", "5 euros", 5, "money", "EUR", "="),
        ("two million people", "two million", 2e6, "count", "", "="),
        ("a dozen eggs", "a dozen", 12, "count", "", "="),
        ("12 km away", "12 km", 12, "measure", "kilometer", "="),
        ("up 2.5 percentage points", "2.5 percentage points", 2.5, "percent", "percentage_point", "="),
        ("1,000 or more", "1,000 or more", 1000, "count", "", ">="),
        ("the G7 summit", "G7", 7, "other", "", "="),
        ("under Section 427 rules", "Section 427", 427, "other", "", "="),
        ("the 21st place", "21st", 21, "ordinal", "", "="),
        ("in the 21st century", "21st century", None, "date", "", "="),
        ("call 0800 028 9276 free", "0800 028 9276", 9276, "other", "", "="),
    ],
)
def test_number_shapes(text, surface, value, kind, unit, qualifier):
    found, mention = one(text)
    # Dates and times have no amount: their value is a calendar one (tasks.numbers.dates).
    assert (found, mention.value, mention.kind, mention.unit, mention.qualifier) == \
        (surface, value if value is None else pytest.approx(value), kind, unit, qualifier)


def test_ranges():
    found, m = one("resulted in between 87% and 99% support")
    assert found == "between 87% and 99%" and (m.value_low, m.value_high, m.kind) == (87, 99, "percent")
    found, m = one("for 5-10 days")
    assert (found, m.value_low, m.value_high, m.kind, m.unit) == ("5-10 days", 5, 10, "duration", "day")
    found, m = one("from 3 to 4 miles")
    assert (m.value_low, m.value_high, m.unit) == (3, 4, "mile")


def test_vague_amounts_are_approximate_ranges():
    found, m = one("killed tens of thousands of people")
    assert found == "tens of thousands"
    assert (m.value_low, m.value_high, m.qualifier) == (20000, 90000, "~")
    assert m.value_low <= m.value <= m.value_high
    assert vague_range("thousands") == (2000, 9000)


def test_identifiers_are_not_quantities():
    kinds = {m.kind for m in find_numbers("COVID-19 and 5G hit the G7")}
    assert kinds == {"other"}


def test_words_value():
    assert words_value("twenty-five") == 25
    assert words_value("one hundred and five") == 105
    assert words_value("zebra") is None


def test_offsets_slice_the_surface():
    text = "Russia controls about 60% of Donetsk and 300,000 troops; between 87% and 99% voted."
    for m in find_numbers(text):
        assert text[m.start:m.end].strip() == text[m.start:m.end]


def parsed(words, heads, deps, pos):
    return Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps, pos=pos)


def test_counted_object_follows_nummod_and_conjuncts():
    # "sanctions for 1,000 people and firms"
    doc = parsed(["sanctions", "for", "1,000", "people", "and", "firms"],
                 [0, 0, 3, 1, 3, 3], ["ROOT", "prep", "nummod", "pobj", "cc", "conj"],
                 ["NOUN", "ADP", "NUM", "NOUN", "CCONJ", "NOUN"])
    start = doc[2].idx
    assert counted_object(doc, start, start + len("1,000")) == ("people and firms", "")


def test_counted_object_keeps_compounds_and_reads_of_phrases():
    doc = parsed(["27", "member", "states"], [2, 2, 2], ["nummod", "compound", "ROOT"], ["NUM", "NOUN", "NOUN"])
    assert counted_object(doc, 0, 2) == ("member states", "")
    doc = parsed(["Thousands", "of", "people", "gathered"], [3, 0, 1, 3], ["nsubj", "prep", "pobj", "ROOT"],
                 ["NOUN", "ADP", "NOUN", "VERB"])
    assert counted_object(doc, 0, 9) == ("people", "")


def test_extract_numbers_parses_only_sentences_with_amounts():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("No numbers here. It sent 300,000 troops. In 2014 it began.")
    seen = []

    def parse(texts):
        seen.extend(texts)
        return [nlp.make_doc(t) for t in texts]

    numbers = extract_numbers(["d1"], [doc.text], [doc], parse)
    assert seen == ["It sent 300,000 troops."]
    assert numbers["surface"].to_list() == ["300,000", "2014"]
    assert numbers["sentence_index"].to_list() == [1, 2]


def test_counted_object_is_never_a_word_before_the_amount():
    # "sales rose 8% in January", parsed without tags: `rose` heads the amount but is no object.
    doc = Doc(spacy.blank("en").vocab, words=["sales", "rose", "8", "%", "in", "January"],
              heads=[1, 1, 3, 1, 1, 4], deps=["nsubj", "ROOT", "nummod", "npadvmod", "prep", "pobj"])
    assert counted_object(doc, doc[2].idx, doc[3].idx + 1) == ("", "")


@pytest.mark.parametrize("text, wanted", [
    ("Sales rose 8% in January.", False),
    ("Shares fell 9% to $2bn, the lowest.", False),
    ("It paid £5m.", False),
    ("It sent 300,000 troops.", True),
    ("It cost 5% of the budget.", True),
    ("a £100,000-a-year job", True),
    ("it will buy 10 A320 aircraft", True),
    ("a $1bn (£0.5bn) investment deal", True),
    ("Police said 25 were killed.", True),  # no noun after, but a count-type word in the window
])
def test_windows_are_parsed_only_when_something_may_be_counted(text, wanted):
    assert needs_parse(text, (0, len(text)), find_numbers(text)) is wanted


def test_extract_numbers_keeps_amounts_of_unparsed_windows():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("Sales rose 8% in January.")
    seen = []
    numbers = extract_numbers(["d1"], [doc.text], [doc], lambda texts: seen.extend(texts) or [])
    assert seen == []
    assert numbers.select("surface", "object", "count_type", "change", "kind").rows() == [
        ("8%", "", "", "up", "percent"), ("January", "", "", "", "date")]


def test_extract_numbers_gives_each_parsed_window_to_its_own_amounts():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = "Sales rose 8% in January. It sent 300,000 troops. Profits fell 2% to $1bn."
    seen = []

    def parse(texts):
        seen.extend(texts)
        return [Doc(nlp.vocab, words=["It", "sent", "300,000", "troops", "."], spaces=[True, True, True, False, False],
                    heads=[1, 1, 3, 1, 1], deps=["nsubj", "ROOT", "nummod", "dobj", "punct"])]

    numbers = extract_numbers(["d1"], [text], [nlp(text)], parse)
    assert seen == ["It sent 300,000 troops."]
    assert numbers.select("surface", "object").rows() == [("8%", ""), ("January", ""), ("300,000", "troops"),
                                                          ("2%", ""), ("$1bn", "")]


@pytest.mark.parametrize("text, change", [
    ("profits jumped 76% to $1.13bn", ["up", "up"]),
    ("sales fell by 2 percent", ["down"]),
    ("the rate was cut to 3%", ["down"]),
    ("a 76% jump in profit", ["up"]),
    ("it has 27 member states", [""]),
])
def test_change_from_the_verb_or_noun(text, change):
    assert [m.change for m in find_numbers(text)] == change


def test_fractions_and_negative_values():
    found, m = one("half a million people")
    assert (found, m.value) == ("half a million", 500000)
    assert one("two-thirds of voters")[1].value == pytest.approx(2 / 3)
    # `the second half of the year` is a date (tasks.numbers.dates), not the ordinal 2.
    assert [(m.kind, m.value) for m in find_numbers("in the second half of the year")] == [("date", None)]
    assert one("fell to -1.5 overnight")[1].value == -1.5


def test_currency_prefixes_and_units():
    assert one("a $5bn deal")[1].unit == "USD"
    assert one("raised C$16.4 million")[1].unit == "CAD"
    assert one("raised $ 75 million")[1].value == 75000000
    assert [(m.kind, m.unit) for m in find_numbers("a 3-inch nail, 16,000 metric tons, 190 km2")] == [
        ("measure", "inch"), ("measure", "metric_ton"), ("measure", "square_kilometer")]


def test_count_type_from_the_governing_verb():
    # "killing 25 people and injuring 50 in one strike"
    words = ["killing", "25", "people", "and", "injuring", "50", "in", "one", "strike"]
    doc = parsed(words, [0, 2, 0, 0, 0, 4, 4, 8, 6],
                 ["ROOT", "nummod", "dobj", "cc", "conj", "dobj", "prep", "nummod", "pobj"],
                 ["VERB", "NUM", "NOUN", "CCONJ", "VERB", "NUM", "ADP", "NUM", "NOUN"])
    at = {w: doc[i].idx for i, w in enumerate(words)}
    assert counted_object(doc, at["25"], at["25"] + 2) == ("people", "KILL")
    assert counted_object(doc, at["50"], at["50"] + 2) == ("", "WOUND")
    assert counted_object(doc, at["one"], at["one"] + 3) == ("strike", "")


# --- hostile numbers: exponents, signs, lists, long runs --------------------------------------

@pytest.mark.parametrize("text, surface, value", [
    ("1e308", "1e308", 1e308),
    ("a 2.5e6 budget", "2.5e6", 2.5e6),
    ("only 3.2E-4 of it", "3.2E-4", 3.2e-4),
    ("1E-6", "1E-6", 1e-6),
    ("1.5×10^6 cells", "1.5×10^6", 1.5e6),
    ("1.5 x 10⁶ cells", "1.5 x 10⁶", 1.5e6),
])
def test_scientific_notation(text, surface, value):
    found, m = one(text)
    assert (found, m.value, m.kind) == (surface, pytest.approx(value, rel=1e-12), "count")


def test_a_capital_e_after_a_whole_number_is_a_name():
    # Boeing's `7E7`: an unsigned capital E after a whole number is no exponent.
    assert (one("the 7E7 jet")[0], one("the 7E7 jet")[1].kind) == ("7E7", "other")


@pytest.mark.parametrize("text", ["1e400", "1e-400", "-1e400", "2.5e99999", "1e" + "9" * 5000])
def test_numbers_beyond_float_range_are_not_extracted(text):
    # Neither inf nor a zero the text does not say: the number is left out, its neighbours kept.
    assert [m.value for m in find_numbers(f"{text} and 5%")] == [5]


@pytest.mark.parametrize("text, surface, value, kind, unit", [
    ("a $-5 balance", "$-5", -5, "money", "USD"),
    ("a -$5 balance", "-$5", -5, "money", "USD"),
    ("a −$5 balance", "−$5", -5, "money", "USD"),
    ("at £-2.5m", "£-2.5m", -2.5e6, "money", "GBP"),
    ("growth of −5% a year", "−5% a year", -5, "percent", "percent"),
    ("growth of -5% a year", "-5% a year", -5, "percent", "percent"),
    ("(-5%)", "-5%", -5, "percent", "percent"),
    ("it was -3.2 then", "-3.2", -3.2, "count", ""),
    ("+5%", "+5%", 5, "percent", "percent"),
])
def test_signs_around_currencies_and_percents(text, surface, value, kind, unit):
    found, m = one(text)
    assert (found, m.value, m.kind, m.unit) == (surface, pytest.approx(value), kind, unit)


def test_a_plus_sign_keeps_the_change_the_words_give():
    assert [(m.value, m.change) for m in find_numbers("it rose +5% and +3% more")] == [(5, "up"), (3, "")]


@pytest.mark.parametrize("text", ["5-10", "8%-10%", "2014-2015", "COVID-19", "F-16", "a well-known-5 item",
                                  "5 - 10", "5--10", "scored 3-2", "a 1,000-2,000 range"])
def test_hyphens_after_letters_digits_and_units_are_no_signs(text):
    mentions = find_numbers(text)
    assert mentions and all((m.value or 0) >= 0 and (m.value_low or 0) >= 0 for m in mentions), mentions


@pytest.mark.parametrize("text, values", [
    ("1,2,3,4,5,6", [1, 2, 3, 4, 5, 6]),
    ("1,2", [1, 2]),
    ("3, 4, 5", [3, 4, 5]),
    ("1,234", [1234]),
    ("1,234,567", [1234567]),
    ("12,34 and 1,234,5", [12, 34, 1234, 5]),
    ("1,2345", [1, 2345]),
])
def test_a_comma_before_anything_but_three_digits_separates_a_list(text, values):
    assert [m.value for m in find_numbers(text)] == values


def test_numbers_separated_by_spaces_are_separate_mentions():
    # Was one 48,869-character `phone number` (groups of 2-5 digits, any number of them).
    text = " ".join(map(str, range(1, 10001)))
    mentions = find_numbers(text)
    assert [text[m.start:m.end] for m in mentions] == text.split(" ")
    # Numbers that read as years (1800 to 2099) are dates, whose value is a calendar one.
    assert [m.value if m.kind != "date" else int(text[m.start:m.end]) for m in mentions] == list(range(1, 10001))


def test_phone_numbers_are_still_found_outside_runs_of_numbers():
    text = "call 0800 028 9276 or +44 20 7946 0958, or (020) 7946 0959 free"
    assert [(text[m.start:m.end], m.kind) for m in find_numbers(text)] == [
        ("0800 028 9276", "other"), ("+44 20 7946 0958", "other"), ("(020) 7946 0959", "other")]


def test_extracting_ten_thousand_numbers_in_one_sentence_takes_seconds_not_minutes():
    # Each amount's window was found by listing every word of the sentence before it.
    import time

    nlp = spacy.blank("en")
    text = " ".join(map(str, range(1, 10001)))
    began = time.perf_counter()
    numbers = extract_numbers(["d1"], [text], [nlp(text)], lambda texts: [nlp.make_doc(t) for t in texts])
    assert numbers.height == 10000
    assert time.perf_counter() - began < 30


def test_no_mention_overlaps_the_next():
    # `or more` of the first and `more than` of the second were both taken.
    text = "5 or more than 6"
    assert [(text[m.start:m.end], m.qualifier) for m in find_numbers(text)] == [("5 or more", ">="), ("6", "=")]


@pytest.mark.parametrize("code", ["9" * 300, "1" * 40, "1234567890123456", "1,234,567,890,123,456",
                                  "3.14159265358979323846", "AB12345678901234567", "Flight 12345678901234567",
                                  "12345678901234567th"])
def test_digit_runs_longer_than_fifteen_digits_are_codes_not_amounts(code):
    assert [m.value for m in find_numbers(f"ref {code} cost $5")] == [5]


def test_fifteen_digits_are_still_an_amount():
    assert one("123456789012345")[1].value == 123456789012345
    assert one("1,234,567,890,123")[1].value == 1234567890123


def test_rows_of_hostile_numbers_are_finite_and_short():
    nlp = spacy.blank("en")
    text = "1e400 " + "9" * 400 + " 1,2,3 $-5 " + " ".join(map(str, range(100, 400))) + " 5 or more than 6"
    numbers = extract_numbers(["d1"], [text], [nlp(text)], lambda texts: [nlp.make_doc(t) for t in texts])
    assert numbers["value"].is_finite().all() and numbers["value"].abs().max() < 1e16
    assert numbers["surface"].str.len_chars().max() <= 100
    assert numbers.height == 3 + 1 + 300 + 2


@pytest.mark.parametrize("text, surface, value, low, high, kind, unit, per_unit", [
    ("I meant €10B", "€10B", 1e10, None, None, "money", "EUR", ""),
    ("Its GDP is $2.174T.", "$2.174T", 2.174e12, None, None, "money", "USD", ""),
    ("The door is 2 1/2 inches thick", "2 1/2 inches", 2.5, None, None, "measure", "inch", ""),
    ("a 1/4 inch gap", "1/4 inch", 0.25, None, None, "measure", "inch", ""),
    ("add ½ tbsp of salt", "½ tbsp", 0.5, None, None, "measure", "tablespoon", ""),
    ("He ran 2½ miles", "2½ miles", 2.5, None, None, "measure", "mile", ""),
    ("two and a half miles east", "two and a half miles", 2.5, None, None, "measure", "mile", ""),
    ("a dozen and a half eggs", "a dozen and a half", 18, None, None, "count", "", ""),
    ("a million and a half people", "a million and a half", 1.5e6, None, None, "count", "", ""),
    ("a 1/2 hour wait", "1/2 hour", 0.5, None, None, "duration", "hour", ""),
    ("I want a hundred and two of those", "a hundred and two", 102, None, None, "count", "", ""),
    ("an 8- to 16-meter telescope", "8- to 16-meter", 12, 8, 16, "measure", "meter", ""),
    ("given between 44 mg to 50 mg of it", "between 44 mg to 50 mg", 47, 44, 50, "measure", "milligram", ""),
    ("a delay of 3 hrs", "3 hrs", 3, None, None, "duration", "hour", ""),
    ("a $40,000-a-year job", "$40,000-a-year", 40000, None, None, "money", "USD", "year"),
    ("Profits rose to Y120bn.", "Y120bn", 1.2e11, None, None, "money", "JPY", ""),
    ("a Y10,000 fine", "Y10,000", 10000, None, None, "money", "JPY", ""),
    ("He averaged 25.3 ppg last season", "25.3 ppg", 25.3, None, None, "measure", "point", "game"),
])
def test_scales_fractions_ranges_and_per_units_as_news_writes_them(text, surface, value, low, high, kind, unit,
                                                                   per_unit):
    from tasks.numbers.mentions import with_units_in_context

    (mention,) = with_units_in_context(text, find_numbers(text))
    assert (text[mention.start:mention.end], mention.kind, mention.unit, mention.per_unit) == (surface, kind, unit,
                                                                                               per_unit)
    assert mention.value == pytest.approx(value)
    assert (mention.value_low, mention.value_high) == (low, high)


@pytest.mark.parametrize("text", ["the Y2K bug", "Y2 and Y3 pupils", "after 9/11", "open 24/7", "won 6-3 7/5"])
def test_codes_and_slashes_that_are_no_yen_or_fraction(text):
    from tasks.numbers.mentions import with_units_in_context

    assert not [m for m in with_units_in_context(text, find_numbers(text)) if m.unit == "JPY" or
                (m.value is not None and m.value % 1)]


def test_each_amount_says_how_its_unit_is_written_and_what_follows_it_for_its_confidences():
    from tasks.numbers.mentions import object_evidence, unit_evidence

    text = "It cost $5bn, weighed 10 kg, and 8\" of rain fell; 45 tpd of 12 people on the 3rd day."
    found = {text[m.start:m.end]: m for m in find_numbers(text)}
    money, weight, rain, rate = (unit_evidence(text, found[s]) for s in ("$5bn", "10 kg", "8", "45"))
    assert (money["written"], money["unit"], money["after"]) == ("symbol", "USD", "none")
    assert (weight["written"], weight["unit"]) == ("abbreviation", "kilogram")
    assert rain["after"] == "mark" and rain["empty_unit"] == 1.0  # inches the mention did not read
    assert rate["after"] == "short" and rate["kind_after"] == "count/False/short"
    assert unit_evidence(text, found["3rd"]) is None  # an ordinal has no unit to rate
    from dataclasses import replace

    assert object_evidence(found["12"])["found"] == 0.0  # objects come from the parse, later
    people = object_evidence(replace(found["12"], object="people", count_type="AFFECT"))
    assert (people["found"], people["count_type"], people["kind_found"]) == (1.0, 1.0, "count/True")
    assert object_evidence(found["3rd"]) is None
