"""Fetching news over HTTP: feeds and pages, politely, into a WARC the run then reads.

Every response fetched is kept as a WARC response record in `<output>/_fetched/<run_id>.warc.gz`,
so a rerun, or a later version of the pipeline, reads the pages again without fetching them; the
URLs fetched are recorded beside it (`<run_id>.fetched.json`), so a page already fetched is never
fetched again and a feed is asked for only what changed (conditional GET with its ETag and
Last-Modified). Politeness: a user agent naming newsfacts, robots.txt honoured (protego; its
Crawl-delay too), one request at a time per host at least `host_delay` seconds apart, timeouts,
retries with exponential backoff on network errors, 429 and 5xx, at most `max_pages` pages a run.

What cannot be fetched comes back as `InputFile`s naming why (`fetch_error`, `robots_disallowed`,
`fetch_cap`), which the run quarantines; a response that is an HTTP error is kept in the WARC and
quarantined when read (`http_error`), and asked for again by the next run.
"""

from __future__ import annotations

import datetime as dt
import io as bytes_io
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tasks.io.files import atomic_write, write_json
from tasks.io.inputs import InputFile, StoredObject, read_input

FETCHED_DIR = "_fetched"
USER_AGENT = "newsfacts/0.1 (news extraction pipeline; +https://pypi.org/project/newsfacts/)"
#: Statuses after which a page is not asked for again: it was there, or is gone for good.
FINAL_STATUSES = range(200, 300), (404, 410)
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5
    host_delay: float = 1.0
    max_pages: int = 500
    user_agent: str = USER_AGENT


@dataclass
class FetchResult:
    """What a fetch did: the WARC written (None when nothing was fetched), the URLs that could not
    be fetched, and counts for the run's manifest."""

    warc: Path | None = None
    failures: list[InputFile] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"feeds": 0, "pages": 0, "not_modified": 0,
                                                             "already_fetched": 0, "failed": 0})


def fetched_dir(output: Path) -> Path:
    return output / FETCHED_DIR


def fetched_warcs(output: Path) -> list[Path]:
    """The WARCs earlier fetches wrote, oldest first."""
    folder = fetched_dir(output)
    return sorted(folder.glob("*.warc.gz")) if folder.exists() else []


def read_fetch_ledger(output: Path) -> dict[str, dict]:
    """URL -> the latest record of fetching it (status, ETag, Last-Modified, when), over every fetch."""
    folder = fetched_dir(output)
    ledger: dict[str, dict] = {}
    for path in sorted(folder.glob("*.fetched.json")) if folder.exists() else ():
        for entry in json.loads(path.read_text(encoding="utf-8"))["urls"]:
            ledger[entry["url"]] = entry
    return ledger


def read_feed_list(path: str) -> list[str]:
    """The feed URLs a file lists, one a line; blank lines and `#` comments skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def is_http(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


class FeedReader(Protocol):
    """What fetching needs to know of feeds, given by the caller (`tasks.ingest.feeds` is one): whether a
    response is a feed, and its items (`parse_feed` raises `NotAFeed` for bytes that are none)."""

    NotAFeed: type[Exception]

    def is_feed(self, content_type: str, payload: bytes) -> bool: ...

    def parse_feed(self, data: bytes): ...


class Fetcher:
    """One run's fetching: the robots.txt of each host, when each host was last asked, what
    earlier runs fetched (`ledger`), the WARC being written, how feeds are read (`feed_reader`)."""

    def __init__(self, settings: FetchSettings, ledger: dict[str, dict], writer, feed_reader: FeedReader):
        import httpx

        self.settings, self.ledger, self.writer, self.feed_reader = settings, ledger, writer, feed_reader
        self.client = httpx.Client(timeout=settings.timeout, follow_redirects=True, max_redirects=5,
                                   headers={"User-Agent": settings.user_agent})
        self.robots: dict[str, object] = {}
        self.last_request: dict[str, float] = {}
        self.delays: dict[str, float] = {}
        self.records: list[dict] = []
        self.result = FetchResult()

    def close(self) -> None:
        self.client.close()

    # --- what to fetch -----------------------------------------------------------------------

    def guarded(self, fetch, url: str):
        """`fetch(url)`, an error it raises (a URL httpx refuses, a response it cannot decode)
        recorded as that URL's `fetch_error` rather than ending the run."""
        try:
            return fetch(url)
        except Exception as exc:  # noqa: BLE001 - one URL must not cost the run
            self._fail(url, "fetch_error", f"{type(exc).__name__}: {exc}"[:500])
            return None

    def fetch_feed(self, url: str) -> list[str]:
        """A feed (or a page given as an input) fetched and kept; the links of its items that
        carry no full content, to fetch as pages. A feed unchanged since the last fetch (304)
        gives nothing."""
        response = self._get(url, conditional=True)
        if response is not None and response.status_code == 304:
            self.result.counts["not_modified"] += 1
        if response is None or response.status_code == 304:
            return []
        self.result.counts["feeds"] += 1
        if not 200 <= response.status_code < 300:
            return []
        if not self.feed_reader.is_feed(response.headers.get("content-type", ""), response.content):
            return []  # a page: kept, read as one
        try:
            feed = self.feed_reader.parse_feed(response.content)
        except self.feed_reader.NotAFeed:
            return []
        return [urllib.parse.urljoin(str(response.url), item.link) for item in feed.items
                if item.text is None and item.link]

    def fetch_page(self, url: str) -> None:
        """A page fetched and kept, unless an earlier fetch has it or the run's cap is reached."""
        if self.final(url):
            self.result.counts["already_fetched"] += 1
            return
        if self.result.counts["pages"] >= self.settings.max_pages:
            self._fail(url, "fetch_cap", f"not fetched: this run reached max_pages={self.settings.max_pages}; "
                                         "the next run fetches it")
            return
        if self._get(url, conditional=False, kind="page") is not None:
            self.result.counts["pages"] += 1

    def final(self, url: str) -> bool:
        """Whether an earlier fetch of `url` settled it (a 2xx, or gone for good)."""
        entry = self.ledger.get(url)
        return entry is not None and any(entry["status"] in statuses for statuses in FINAL_STATUSES)

    # --- one request -------------------------------------------------------------------------

    def _get(self, url: str, conditional: bool, kind: str = "feed"):
        """The response to GET `url` after robots, the host's delay and retries; kept in the WARC
        and recorded (None: not fetched, recorded as a failure)."""
        import httpx

        if not self._allowed(url):
            self._fail(url, "robots_disallowed", f"robots.txt of {_origin(url)} disallows it for newsfacts", kind)
            return None
        headers = {}
        entry = self.ledger.get(url) if conditional else None
        if entry and entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry and entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        problem = None
        for attempt in range(self.settings.retries + 1):
            if attempt:
                time.sleep(self.settings.backoff * 2 ** (attempt - 1))
            self._wait(url)
            try:
                response = self.client.get(url, headers=headers)
            except httpx.TooManyRedirects as exc:
                problem = f"redirect loop: {exc}"
                break  # the same again would loop the same way
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc or 'no answer'}"
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.settings.retries:
                continue
            if response.status_code != 304:
                self._keep(response)
            self._record(url, response, kind)
            return response
        self._fail(url, "fetch_error", f"{problem} (after {attempt + 1} attempts)", kind)
        return None

    def _wait(self, url: str) -> None:
        host = urllib.parse.urlsplit(url).netloc.lower()
        delay = max(self.settings.host_delay, self.delays.get(host, 0.0))
        since = time.monotonic() - self.last_request.get(host, -1e9)
        if since < delay:
            time.sleep(delay - since)
        self.last_request[host] = time.monotonic()

    def _allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets newsfacts fetch `url` (fetched once a run per host).
        No robots.txt (4xx) allows everything; one that cannot be read (5xx, no answer) nothing,
        as RFC 9309 says."""
        import httpx
        from protego import Protego

        origin = _origin(url)
        if origin not in self.robots:
            self._wait(url)
            try:
                answer = self.client.get(f"{origin}/robots.txt")
                if answer.status_code >= 500:
                    rules = Protego.parse("User-agent: *\nDisallow: /")
                else:
                    rules = Protego.parse(answer.text if answer.status_code < 300 else "")
            except httpx.HTTPError:
                rules = Protego.parse("User-agent: *\nDisallow: /")
            self.robots[origin] = rules
            delay = rules.crawl_delay(self.settings.user_agent)
            if delay:
                self.delays[urllib.parse.urlsplit(url).netloc.lower()] = float(delay)
        return self.robots[origin].can_fetch(url, self.settings.user_agent)

    def _keep(self, response) -> None:
        """The response as a WARC response record (its body decoded, as readers expect it)."""
        from warcio.statusandheaders import StatusAndHeaders

        body = response.content
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
        headers.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{response.status_code} {response.reason_phrase}", headers, protocol="HTTP/1.1")
        date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = self.writer.create_warc_record(str(response.url), "response", payload=bytes_io.BytesIO(body),
                                                http_headers=http, warc_headers_dict={"WARC-Date": date})
        self.writer.write_record(record)

    def _record(self, url: str, response, kind: str) -> None:
        entry = {"url": url, "kind": kind, "status": response.status_code, "etag": response.headers.get("etag"),
                 "last_modified": response.headers.get("last-modified"),
                 "fetched_at": dt.datetime.now(dt.UTC).isoformat()}
        if response.status_code == 304:  # still what was fetched before
            entry = (self.ledger.get(url) or {}) | {"fetched_at": entry["fetched_at"]}
        self.records.append(entry)
        self.ledger[url] = entry
        final = str(response.url)
        if final != url and response.status_code != 304:  # reached by a redirect: that URL is fetched too
            self.records.append(entry | {"url": final})
            self.ledger[final] = entry | {"url": final}

    def _fail(self, url: str, reason: str, detail: str, kind: str = "page") -> None:
        """`url` not fetched: quarantined by the run, and recorded so the next run tries again."""
        self.result.counts["failed"] += 1
        self.result.failures.append(InputFile(url, None, detail, reason))
        entry = {"url": url, "kind": kind, "status": None, "error": reason,
                 "fetched_at": dt.datetime.now(dt.UTC).isoformat()}
        self.records.append(entry)
        self.ledger[url] = entry


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def fetch_news(output: Path, run_id: str, *, urls: list[str], feeds: list[str],
               feed_files: list[Path | StoredObject],
               settings: FetchSettings, feed_reader: FeedReader) -> FetchResult:
    """Fetch the inputs given as URLs (a feed or a page each), the feeds listed, and the pages of
    the items of feeds (fetched, or the `feed_files` among the inputs, local or in an object store)
    that carry no full content, into
    `<output>/_fetched/<run_id>.warc.gz`; record what was fetched beside it. Feeds are read by
    `feed_reader`."""
    from warcio.warcwriter import WARCWriter

    ledger = read_fetch_ledger(output)
    target = fetched_dir(output) / f"{run_id}.warc.gz"
    fetcher = None

    def fetch_into(tmp: str) -> None:
        nonlocal fetcher
        with open(tmp, "wb") as handle:
            fetcher = Fetcher(settings, ledger, WARCWriter(handle, gzip=True), feed_reader)
            try:
                pages: list[str] = []
                for url in [*urls, *feeds]:
                    pages += fetcher.guarded(fetcher.fetch_feed, url) or []
                for path in feed_files:
                    data = read_input(path).data
                    try:
                        feed = feed_reader.parse_feed(data or b"")
                    except feed_reader.NotAFeed:
                        continue  # reading the file quarantines it
                    pages += [item.link for item in feed.items
                              if item.text is None and item.link and is_http(item.link)]
                # Pages an earlier run could not fetch (an error, a 5xx, the cap) are tried again.
                pages += [url for url, entry in ledger.items()
                          if entry.get("kind") == "page" and not fetcher.final(url)]
                for url in dict.fromkeys(pages):
                    fetcher.guarded(fetcher.fetch_page, url)
            finally:
                fetcher.close()

    if not (urls or feeds or feed_files):
        return FetchResult()
    atomic_write(target, fetch_into)
    result = fetcher.result
    if fetcher.records:
        write_json(fetched_dir(output) / f"{run_id}.fetched.json", {"run_id": run_id, "urls": fetcher.records})
        result.warc = target
    else:
        target.unlink(missing_ok=True)
    return result
