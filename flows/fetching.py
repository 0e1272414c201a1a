"""The inputs a run reads, with what it fetches first: URLs given as inputs, the feeds listed and the
pages of feed items without their full content, into the output's `_fetched/` WARCs."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks import io
from tasks.config import RunConfig


@task(name="fetch_news", cache_policy=NO_CACHE)
def fetch_news(output: Path, run_id: str, urls: list[str], feeds: list[str], feed_files: list,
               settings) -> "FetchResult":  # noqa: F821 - imported when fetching
    """The URLs given as inputs, the feeds listed and the pages of feed items without their full
    content, fetched into the output's `_fetched/` WARCs (`tasks.io.fetch`)."""
    from tasks.ingest import feeds as feed_reader
    from tasks.io.fetch import fetch_news as fetch

    result = fetch(output, run_id, urls=urls, feeds=feeds, feed_files=feed_files, settings=settings,
                   feed_reader=feed_reader)
    get_run_logger().info("fetched %s", ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in result.counts.items()))
    return result


def fetch_inputs(config: RunConfig, output: Path, run_id: str):
    """(what the run reads, how many entries that is, what was fetched): the inputs that are not
    URLs to fetch, and every WARC a fetch wrote into the output (this run's and earlier ones',
    whose committed slices the input ledger skips). The inputs are walked once here, for their
    count (progress) and their feed files (whose teaser items' pages are fetched)."""
    from tasks.ingest.feeds import is_feed_file
    from tasks.io.fetch import FetchResult, FetchSettings, fetched_warcs, is_http, read_feed_list

    local = [path for path in config.inputs if not is_http(path)]
    urls = [path for path in config.inputs if is_http(path)]
    feeds = read_feed_list(config.feeds) if config.feeds else []
    walked, feed_files = 0, []
    for entry in io.iter_inputs(local, [output]):
        walked += 1
        if isinstance(entry, (Path, io.StoredObject)) and is_feed_file(io.display_path(entry)):
            feed_files.append(entry)
    result = FetchResult()
    if urls or feeds or feed_files:
        settings = FetchSettings(timeout=config.fetch_timeout, host_delay=config.fetch_delay,
                                 max_pages=config.max_pages)
        result = fetch_news(output, run_id, urls, feeds, feed_files, settings)
    warcs = [io.location(path) for path in fetched_warcs(output)]
    return local + warcs, walked + len(warcs) + len(result.failures), result
