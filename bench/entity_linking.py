"""How much the entity corrections, place resolution, linking, catalog, date resolution, tone and
quotes add to the NER stage.

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
    from tasks.documents.clean import clean_text

    paths = sorted(p for p in corpus.rglob("*.txt") if p.name != "README.TXT")[:limit]
    return [clean_text(p.read_text(encoding="utf-8", errors="replace")) for p in paths]


def main(argv=None) -> dict:
    from tasks.defaults import DEFAULT_MODEL

    parser = argparse.ArgumentParser(prog="python -m bench.entity_linking", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS if DEFAULT_CORPUS.exists() else ROOT / "seeds"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)

    import datetime as dt

    import polars as pl

    from tasks.documents.tone import measure_tone
    from tasks.entities.canonical import build_catalog, link_entities
    from tasks.entities.gazetteer import place_index
    from tasks.entities.mentions import extract_entities
    from tasks.entities.places import locate_places
    from tasks.entities.rules import correct_entities
    from tasks.nlp.extraction import extract_sentences
    from tasks.nlp.model import annotate_texts, components_for, load_model, sentence_component
    from tasks.numbers.dates import find_dates, with_date_values
    from tasks.quotes import extract_quotes

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

    doc_ids = [f"d{i}" for i in range(len(docs))]
    documents = pl.DataFrame({"doc_id": doc_ids, "text": texts, "dateline": [None] * len(texts),
                              "published_date": [dt.date(2005, 2, 16)] * len(texts)})
    started = time.perf_counter()
    located, documents = locate_places(extract_entities(doc_ids, docs), documents)
    places = time.perf_counter() - started

    started = time.perf_counter()
    linked = link_entities(located)
    catalog = build_catalog(linked, documents)
    linking = time.perf_counter() - started

    # Dates: the date grammar over every text, and each expression resolved against its document's date.
    started = time.perf_counter()
    found = [(doc_id, m) for doc_id, text in zip(doc_ids, texts, strict=True) for m in find_dates(text)]
    rows = pl.DataFrame({"doc_id": [d for d, _ in found], "start_char": [m.start for _, m in found],
                         "end_char": [m.end for _, m in found], "kind": [m.kind for _, m in found],
                         "sentence_index": [0] * len(found)})
    resolved = with_date_values(rows, documents)
    dates = time.perf_counter() - started

    started = time.perf_counter()
    sentences, documents = measure_tone(extract_sentences(doc_ids, texts, docs), documents)
    tone = time.perf_counter() - started

    started = time.perf_counter()
    quotes = extract_quotes(linked.with_columns(canonical_name=pl.coalesce("gazetteer_name", "text")), sentences,
                            documents)
    quoting = time.perf_counter() - started

    added = rules + places + linking + dates + tone + quoting
    result = {
        "corpus": args.corpus, "documents": len(texts), "words": sum(len(t.split()) for t in texts),
        "mentions": linked.height, "entities": catalog.height, "model": args.model,
        "places": located["external_id"].drop_nulls().len(),
        "dates": resolved.height, "dates_with_value": resolved["date_value"].drop_nulls().len(),
        "ner_seconds": round(ner, 3), "rules_seconds": round(rules, 3), "places_seconds": round(places, 3),
        "linking_and_catalog_seconds": round(linking, 3), "dates_seconds": round(dates, 3),
        "sentences": sentences.height, "tone_seconds": round(tone, 3),
        "quotes": quotes.height, "quoted_speakers": quotes["speaker_entity_id"].drop_nulls().len(),
        "quotes_seconds": round(quoting, 3),
        "gazetteer_load_seconds": round(gazetteer_load, 3),
        "added_share_of_ner": round(added / ner, 4),
        "added_share_of_ner_with_gazetteer_load": round((added + gazetteer_load) / ner, 4),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
