"""How much the entity corrections, linking and catalog add to the NER stage.

    python -m bench.entity_linking [CORPUS_DIR] [--model NAME] [--limit N]

CORPUS_DIR defaults to ../shared/corpus/bbc when present, else seeds/. The baseline is the NER
stage itself (`nlp.pipe` with NER and the sentence splitter) over the same clean texts, in this
process; everything is reported as a share of it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"


def load_texts(corpus: Path, limit: int | None) -> list[str]:
    from tasks.clean import clean_text

    paths = sorted(p for p in corpus.rglob("*.txt") if p.name != "README.TXT")[:limit]
    return [clean_text(p.read_text(encoding="utf-8", errors="replace")) for p in paths]


def main(argv=None) -> dict:
    from tasks.defaults import DEFAULT_MODEL

    parser = argparse.ArgumentParser(prog="python -m bench.entity_linking", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS if DEFAULT_CORPUS.exists() else ROOT / "seeds"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)

    import polars as pl

    from tasks.canonical import build_catalog, link_entities
    from tasks.entities import extract_entities
    from tasks.entity_rules import correct_entities
    from tasks.gazetteer import place_index
    from tasks.nlp import annotate_texts, components_for, load_model, sentence_component

    texts = load_texts(Path(args.corpus), args.limit)
    nlp = load_model(args.model)
    started = time.perf_counter()
    place_index()
    gazetteer_load = time.perf_counter() - started

    started = time.perf_counter()
    docs = annotate_texts(nlp, texts, components_for(nlp, ["ner", sentence_component(nlp)]))
    ner = time.perf_counter() - started

    started = time.perf_counter()
    for doc in docs:
        doc.ents = correct_entities(doc)
    rules = time.perf_counter() - started

    started = time.perf_counter()
    doc_ids = [f"d{i}" for i in range(len(docs))]
    linked = link_entities(extract_entities(doc_ids, docs))
    catalog = build_catalog(linked, pl.DataFrame({"doc_id": doc_ids, "published_date": [None] * len(doc_ids)}))
    linking = time.perf_counter() - started

    result = {
        "corpus": args.corpus, "documents": len(texts), "words": sum(len(t.split()) for t in texts),
        "mentions": linked.height, "entities": catalog.height, "model": args.model,
        "ner_seconds": round(ner, 3), "rules_seconds": round(rules, 3), "linking_and_catalog_seconds": round(linking, 3),
        "gazetteer_load_seconds": round(gazetteer_load, 3),
        "added_share_of_ner": round((rules + linking) / ner, 4),
        "added_share_of_ner_with_gazetteer_load": round((rules + linking + gazetteer_load) / ner, 4),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
