"""Quotes, their cues and speakers (tiny inline documents, hand-made mentions: no model), tone, and
acronyms linked to the names they stand for; then the seeds through the real flow."""

import polars as pl
import pytest

from tasks.documents.tone import measure_tone, sentence_tone
from tasks.entities.canonical import link_entities
from tasks.entities.ids import entity_id_for
from tasks.quotes import document_quotes, find_quotes
from tasks.schemas import DOCUMENTS, SENTENCES, frame


def quotes_of(text: str, names: dict[str, str]) -> list[dict]:
    """Quote rows of `text`, with a mention (and an entity named after it) for every occurrence of
    each of `names` (text -> label), and one sentence per `. `-ended stretch."""
    import re

    mentions = sorted(({"start_char": m.start(), "end_char": m.end(), "label": label,
                        "entity_id": entity_id_for(f"{label}|{name.split()[-1].lower()}"), "canonical_name": name}
                       for name, label in names.items() for m in re.finditer(re.escape(name), text)),
                      key=lambda m: m["start_char"])
    bounds, start = [], 0
    for m in re.finditer(r"(?:(?<=[.!?])|(?<=[.!?][\u201d\"]))\s+(?=[A-Z\u201c\"])|\n+", text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    return document_quotes("d", text, bounds, mentions)


def spans(text: str) -> list[str]:
    return [text[q.start:q.end] for q in find_quotes(text)]


def test_quotations_are_found_by_their_marks_and_length():
    text = ('He called it a \u201csham\u201d and “a sham, nothing more.” The “fast-track” bid went on. '
            '"We will win," she said. Voters read \u2018The Road Ahead Now\u2019 and ‘we are not afraid of them’.')
    # `called it a “sham”`: one word reported speech quotes; the “fast-track” bid: a term nobody said.
    assert spans(text) == ["\u201csham\u201d", "“a sham, nothing more.”", '"We will win,"', "‘we are not afraid of them’"]


@pytest.mark.parametrize("text, quoted", [
    ("Denis Pushylin said the city was “semi-surrounded” by then.", ["“semi-surrounded”"]),
    ("Trump's claim that there were “thousands of shootings” held up.", ["“thousands of shootings”"]),
    ("Moscow held so-called “referendums” in four regions, Denis Pushylin said.", []),
    ("He told MSNBC's “Morning Joe” on Friday that it was over.", []),
    ("The draft is put through as what is called an “A” item.", []),
    ('<tweet tweet-id="783499116076687360"> Denis Pushylin said so.', []),
])
def test_a_quotation_of_one_or_two_words_is_one_only_in_reported_speech(text, quoted):
    assert spans(text) == quoted


def test_a_signature_after_a_quote_names_its_speaker_and_an_outlet_reporting_it_is_its_source():
    text = ("“He represents our greatest shame.” ― Sonya Herridge\n\nThe New York Times reports: “Just 24 percent "
            "gave $200 or less.”")
    rows = quotes_of(text, {"Sonya Herridge": "PERSON", "The New York Times": "ORG"})
    assert [(r["speaker_text"], r["speaker_kind"], r["cue"]) for r in rows] == [
        ("Sonya Herridge", "signature", "signed"), ("The New York Times", "name", "reports")]
    # No subject before the cue but the tail of a clause: no speaker rather than a wrong one.
    (row,) = quotes_of("Voters came. Then it went on and vowed to punish “those who violate the rules.”", {})
    assert row["speaker_text"] is None


def test_a_quotation_runs_on_over_paragraphs_and_over_a_lost_paragraph_break():
    text = ('He said: “First paragraph of the quote.\n\n“Second paragraph, same quote.”\n\nNot quoted.\n\n'
            'Knight said: "Revenues reached all-time highs. "Our businesses grew in every market." He added: '
            '"We remain confident."')
    assert spans(text) == ["“First paragraph of the quote.\n\n“Second paragraph, same quote.”",
                           '"Revenues reached all-time highs. "Our businesses grew in every market."',
                           '"We remain confident."']


def test_an_interrupted_quotation_is_two_quotes_with_one_speaker():
    text = "“The armed forces,” he told the agency, “are trying hard to spoil it.”"
    rows = quotes_of("Denis Pushylin spoke. " + text, {"Denis Pushylin": "PERSON"})
    assert [r["text"] for r in rows] == ["“The armed forces,”", "“are trying hard to spoil it.”"]
    assert {(r["speaker_text"], r["speaker_kind"], r["cue"], r["speaker_name"]) for r in rows} \
        == {("he", "pronoun", "told", "Denis Pushylin")}


def test_an_embedded_post_is_a_quote_by_its_author():
    text = ("Kyiv pushed back.\n\nSuch actions won’t have any legal force and won’t be recognized. — "
            "Володимир Зеленський (@ZelenskyyUa) September 29, 2022\n\nThe war went on.")
    (row,) = quotes_of(text, {"Володимир Зеленський": "PERSON"})
    assert row["text"] == "Such actions won’t have any legal force and won’t be recognized."
    assert (row["speaker_kind"], row["cue"], row["speaker_name"]) == ("signature", "posted", "Володимир Зеленський")


@pytest.mark.parametrize("text, speaker, kind, cue", [
    ("“We are ready to talk,” said Jens Stoltenberg.", "Jens Stoltenberg", "name", "said"),
    ("“We are ready to talk,” Jens Stoltenberg said.", "Jens Stoltenberg", "name", "said"),
    ("Jens Stoltenberg told reporters: “We are ready to talk.”", "Jens Stoltenberg", "name", "told"),
    ("Jens Stoltenberg, the head of the alliance, said: “We are ready to talk.”", "Jens Stoltenberg", "name", "said"),
    ("“We are ready to talk,” said former NATO official turned analyst Jens Stoltenberg.", "Jens Stoltenberg",
     "name", "said"),
    ("“We are ready to talk,” said its chief executive, Sir Jens Stoltenberg.", "Jens Stoltenberg", "name", "said"),
    ("NATO Secretary General Jens Stoltenberg called it “the biggest attempt since the war.”", "Jens Stoltenberg",
     "name", "called"),
    ("Jens Stoltenberg said the alliance would “stand with Ukraine for as long as it takes.”", "Jens Stoltenberg",
     "name", "said"),
    ("“We are ready to talk,” according to Jens Stoltenberg.", "Jens Stoltenberg", "name", "according to"),
])
def test_the_cue_and_its_subject_attribute_a_quote(text, speaker, kind, cue):
    (row,) = quotes_of(text, {"Jens Stoltenberg": "PERSON", "NATO": "ORG"})
    assert (row["speaker_text"], row["speaker_kind"], row["cue"]) == (speaker, kind, cue)
    assert row["speaker_entity_id"] == entity_id_for("PERSON|stoltenberg")


def test_a_title_is_the_person_holding_it_and_a_pronoun_the_person_named_before():
    text = ("Russian President Vladimir Putin signed the treaties. President Volodymyr Zelensky applied to join NATO. "
            "“We are ready for a dialogue,” the Ukrainian president said. Putin spoke later. He said the West "
            "acted “like a parasite on the world.”")
    rows = quotes_of(text, {"Vladimir Putin": "PERSON", "Volodymyr Zelensky": "PERSON", "Putin": "PERSON"})
    assert [(r["speaker_text"], r["speaker_kind"], r["speaker_name"]) for r in rows] == [
        ("the Ukrainian president", "title", "Volodymyr Zelensky"), ("He", "pronoun", "Putin")]


def test_a_quote_carries_on_its_speaker_and_an_unnamed_speaker_stays_null():
    text = ("“De facto, we are compatible,” said Zelensky. “We trust each other and help each other.”\n\n"
            "“It will get much worse for everyone,” analysts said. “Nobody saw this coming at all.”")
    rows = quotes_of(text, {"Zelensky": "PERSON"})
    assert [(r["speaker_text"], r["speaker_name"]) for r in rows] == [
        ("Zelensky", "Zelensky"), ("Zelensky", "Zelensky"), ("analysts", None), ("analysts", None)]


def test_a_spokesman_speaks_for_the_organisation_and_a_source_outlet_is_not_the_speaker():
    text = ("A spokesman for Microsoft said: “We take security very seriously.” Putin said Russia would use any "
            "means to “protect our lands,” Forbes reported.")
    rows = quotes_of(text, {"Microsoft": "ORG", "Putin": "PERSON", "Forbes": "ORG"})
    assert [r["speaker_name"] for r in rows] == ["Microsoft", "Putin"]


def test_tone_counts_lexicon_words_and_documents_weigh_their_sentences():
    assert sentence_tone("")["word_count"] == 0
    bad, good = sentence_tone("Russia bombarded cities, killing 25 people."), sentence_tone("We trust each other.")
    assert bad["tone"] < 0 < good["tone"] and bad["polarity"] == bad["positive"] + bad["negative"]
    text = "Russia bombarded cities, killing 25 people. We trust each other."
    documents = frame([{"doc_id": "d", "text": text}, {"doc_id": "unread", "text": "Texte en français."}], DOCUMENTS)
    sentences = frame([{"doc_id": "d", "sentence_index": 0, "start_char": 0, "end_char": 43},
                       {"doc_id": "d", "sentence_index": 1, "start_char": 44, "end_char": len(text)}], SENTENCES)
    sentences, documents = measure_tone(sentences, documents)
    d, unread = documents.to_dicts()
    words = sentences["word_count"].to_list()
    assert d["word_count"] == sum(words) == bad["word_count"] + good["word_count"]
    assert d["negative"] == pytest.approx(100 * round(bad["negative"] * words[0] / 100) / sum(words))
    assert d["tone"] == pytest.approx(d["positive"] - d["negative"])
    assert unread["tone"] is None and unread["word_count"] is None


def test_an_acronym_is_the_name_it_stands_for_in_its_document():
    mentions = pl.DataFrame({
        "doc_id": ["a", "a", "a", "a", "b", "b"],
        "text": ["The Associated Press", "AP", "RF", "Russian Federation", "AP", "Anna Petrova"],
        "label": ["ORG", "ORG", "ORG", "GPE", "ORG", "PERSON"],
    })
    ids = link_entities(mentions)["entity_id"].to_list()
    assert ids[0] == ids[1] and ids[2] == ids[3] == entity_id_for("PLACE|iso3166:RU")
    # Elsewhere the letters stand alone, and a person's initials never make an acronym.
    assert ids[4] == entity_id_for("ORG|ap") != ids[0]


def test_a_quote_after_a_long_attribution_carries_on_its_speaker():
    text = ("“This is a disgusting day,” said Jim Clyburn of South Carolina, the assistant leader of the "
            "Democratic caucus in the House of Representatives. “These are howls. These are not whistles.” Voters came. "
            "“We will not stop here,” she added.")
    rows = quotes_of(text, {"Jim Clyburn": "PERSON"})
    assert [r["speaker_name"] for r in rows[:2]] == ["Jim Clyburn", "Jim Clyburn"]
    assert rows[1]["speaker_text"] == "Jim Clyburn"
    # A sentence of other words between: the third quote has its own cue, and nothing is carried past it.
    assert rows[2]["speaker_text"] == "she"


def test_words_quoted_inside_reported_speech_are_its_speakers_whatever_follows():
    text = ("Retired Lt. Gen. Michael Flynn said Donald Trump was “absolutely right” when he said that the "
            "generals had been reduced to rubble.")
    (row,) = quotes_of(text, {"Michael Flynn": "PERSON", "Donald Trump": "PERSON"})
    assert (row["speaker_name"], row["cue"]) == ("Michael Flynn", "said")
    # A quote opening its sentence is still attributed by the cue after it, and so is one handing on
    # to its attribution with a comma.
    (row,) = quotes_of("“The generals are rubble now,” Trump said.", {"Trump": "PERSON"})
    assert row["speaker_text"] == "Trump"
    text = "Smith said the deal was off, and “we will sue them all next week,” his lawyer Jane Doe said."
    (row,) = quotes_of(text, {"Smith": "PERSON", "Jane Doe": "PERSON"})
    assert row["speaker_name"] == "Jane Doe"


def test_a_readers_signature_names_them_though_the_model_knows_no_such_name():
    text = ("“He is someone that no sane person would want as president.” ―\u00a0Jorge Falcon\n"
            "“Maybe we can build a wall around him.” ― Steve Quinlan.")
    rows = quotes_of(text, {})
    assert [(r["speaker_text"], r["speaker_kind"], r["cue"]) for r in rows] == [
        ("Jorge Falcon", "signature", "signed"), ("Steve Quinlan", "signature", "signed")]


@pytest.mark.parametrize(("sentence", "names", "speaker", "kind"), [
    ("“Our children are thriving in charter schools,” the letter reads.", {}, "the letter", "document"),
    ("The primary requirement is a “lawful source of investment income,” as a Homeland Security memo put it.",
     {}, "a Homeland Security memo", "document"),
    ("“The cuts will hurt growth next year,” experts say.", {}, "experts", "group"),
    ("“We will not sell the plant,” the company said.", {}, "the company", "organisation"),
    ("“We will appeal the ruling,” the company's lawyers said.", {}, "the company's lawyers", "group"),
    ("“We will defend every inch,” Russia said.", {"Russia": "GPE"}, "Russia", "organisation"),
    ("“We are ready for talks,” Zelensky said.", {"Zelensky": "PERSON"}, "Zelensky", "person"),
])
def test_each_source_has_its_type(sentence, names, speaker, kind):
    (row,) = quotes_of(sentence, names)
    assert (row["speaker_text"], row["speaker_type"]) == (speaker, kind)


def test_reported_speech_with_called_a_progressive_and_it_as_the_speaker():
    text = "Hillary Clinton is describing as “unhinged” a tweet attacking a former Miss Universe."
    (row,) = quotes_of(text, {"Hillary Clinton": "PERSON"})
    assert (row["text"], row["speaker_name"], row["cue"]) == ("“unhinged”", "Hillary Clinton", "describing")
    assert spans("The rule is called “fast track” by everyone.") == []  # a passive still attributes nothing
    text = "Minyon Moore, a senior adviser, called President Obama's remarks on Saturday “a true wake-up call” to voters."
    (row,) = quotes_of(text, {"Minyon Moore": "PERSON", "Obama": "PERSON"})
    assert (row["speaker_name"], row["cue"]) == ("Minyon Moore", "called")
    text = ("The Security Council met on Friday. It pledged sanctions to deter what it called “a clear threat to "
            "international peace and security.”")
    (row,) = quotes_of(text, {"Security Council": "ORG"})
    assert (row["speaker_kind"], row["speaker_name"], row["speaker_type"]) == ("pronoun", "Security Council",
                                                                                "organisation")


def test_each_speaker_says_which_rule_found_it_for_its_confidence():
    text = ('\u201cWe will rebuild every town,\u201d Jane Doe said. \u201cIt will take years and a lot of money.\u201d '
            'Analysts doubted it. Later, John Roe said the plan was \u201cpure fantasy and nothing else\u201d.')
    rows = quotes_of(text, {"Jane Doe": "PERSON", "John Roe": "PERSON"})
    rules = [(row["speaker_text"], row["speaker_evidence"]["rule"]) for row in rows]
    assert rules == [("Jane Doe", "after"), ("Jane Doe", "carried"), ("John Roe", "reported")]
    first = rows[0]["speaker_evidence"]
    assert first["cue"] == "said" and first["speaker_kind"] == "name" and first["resolved"] == 1.0
