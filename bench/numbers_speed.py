"""Speed of the numbers stage against quantulum3 on the same documents, in one process.

    python -m bench.numbers_speed [CORPUS_DIR] [--limit N] [--model NAME]

Ours is timed twice: the numbers stage as the pipeline runs it (detection, normalisation, and the
dependency parse of a few words around each amount, on docs whose sentences the NER stage already
set), and standalone with the sentence splitting added. quantulum3 parses the same clean texts.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

from bench.entity_linking import DEFAULT_CORPUS, ROOT, load_texts


def main(argv=None) -> dict:
    from tasks.defaults import DEFAULT_MODEL

    parser = argparse.ArgumentParser(prog="python -m bench.numbers_speed", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS if DEFAULT_CORPUS.exists() else ROOT / "seeds"))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args(argv)

    from tasks.nlp.model import annotate_texts, load_model, sentence_component, window_parser
    from tasks.numbers.mentions import extract_numbers

    warnings.filterwarnings("ignore", module="quantulum3")
    from quantulum3 import parser as quantulum

    texts = load_texts(Path(args.corpus), args.limit)
    nlp = load_model(args.model)
    annotate_texts(nlp, texts[:2], [sentence_component(nlp)])  # warm both libraries up
    quantulum.parse(texts[0])

    started = time.perf_counter()
    docs = annotate_texts(nlp, texts, [sentence_component(nlp)])
    sentences = time.perf_counter() - started
    started = time.perf_counter()
    rows = extract_numbers([str(i) for i in range(len(docs))], texts, docs, window_parser(nlp))
    stage = time.perf_counter() - started
    ours = sentences + stage

    started = time.perf_counter()
    theirs_found = sum(len(quantulum.parse(text)) for text in texts)
    theirs = time.perf_counter() - started
    result = {
        "corpus": args.corpus, "documents": len(texts),
        "newsfacts_stage_seconds": round(stage, 3), "sentence_split_seconds": round(sentences, 3),
        "newsfacts_seconds": round(ours, 3), "newsfacts_mentions": rows.height,
        "newsfacts_docs_per_second": round(len(texts) / ours, 1),
        "quantulum3_seconds": round(theirs, 3), "quantulum3_mentions": theirs_found,
        "quantulum3_docs_per_second": round(len(texts) / theirs, 1),
        # The pipeline's numbers stage gets its sentences from the NER stage; standalone it splits them itself.
        "speedup_numbers_stage": round(theirs / stage, 2),
        "speedup_standalone": round(theirs / ours, 2),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
