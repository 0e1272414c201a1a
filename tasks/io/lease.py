"""One writer at a time on an object store, where no file lock exists: a lease object created only
if absent (S3's conditional PUT, `If-None-Match: *`, which s3fs sends for mode "xb").

The lease is `_lease/<generation>.json` under the dataset, naming its holder and when it expires.
The holder renews it while the run lasts and deletes it at the end. A run that finds an unexpired
lease stops with OutputLockedError naming the holder. One that finds it expired (its holder died)
creates the next generation: of two runs racing for it, the store lets exactly one create it.
Before each publish the holder checks that the newest generation is still its own, so a run that
stalled past its lease and was replaced stops instead of writing over its successor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator

from tasks.errors import OutputLockedError

#: Where the lease objects live, under the dataset.
LEASE_DIR = "_lease"
#: A lease not renewed for this long is free: how long a run that died blocks the next one
#: (`NEWSFACTS_LEASE_SECONDS` sets another; it must exceed the longest pause a run can make).
LEASE_SECONDS = 60.0
LEASE_SECONDS_ENV = "NEWSFACTS_LEASE_SECONDS"

_held: dict[str, Lease] = {}


class Lease:
    """The lease this process holds on one dataset (see `hold`)."""

    def __init__(self, root, run_id: str, seconds: float):
        self.root, self.run_id, self.seconds = root, run_id, seconds
        self.token = uuid.uuid4().hex
        self.path = None
        self._stop = threading.Event()

    @property
    def folder(self):
        return self.root / LEASE_DIR

    def _generations(self) -> list:
        fs = self.root.fs
        try:
            names = fs.ls(self.folder.path, detail=False)
        except FileNotFoundError:
            return []
        return sorted(name for name in names if name.endswith(".json"))

    def _read(self, name: str) -> dict:
        try:
            return json.loads(self.root.fs.cat_file(name))
        except (FileNotFoundError, ValueError):
            return {}

    def _body(self) -> bytes:
        now = time.time()
        return json.dumps({"run_id": self.run_id, "token": self.token, "pid": os.getpid(),
                           "host": socket.gethostname(), "renewed_at": now, "expires_at": now + self.seconds}).encode()

    def acquire(self) -> None:
        """The lease taken, or OutputLockedError naming the run that holds it."""
        fs = self.root.fs
        names = self._generations()
        generation = 1
        if names:
            newest = self._read(names[-1])
            if newest and newest.get("expires_at", 0) > time.time():
                raise OutputLockedError(f"output {self.root} is in use by another newsfacts run ({describe(newest)}); "
                                        "wait for it to finish or write to another output")
            generation = int(names[-1].rsplit("/", 1)[-1].split(".")[0]) + 1
        path = f"{self.folder.path}/{generation:010d}.json"
        try:
            fs.pipe_file(path, self._body(), mode="create")
        except FileExistsError:
            holder = self._read(path)
            raise OutputLockedError(f"output {self.root} was just taken by another newsfacts run ({describe(holder)}); "
                                    "wait for it to finish or write to another output") from None
        self.path = path
        for name in names:  # generations before ours: expired, or released without being deleted
            with contextlib.suppress(FileNotFoundError):
                fs.rm_file(name)

    def check(self) -> None:
        """OutputLockedError unless the newest lease is still this one (a run that stalled longer
        than its lease may have been replaced by another)."""
        names = self._generations()
        newest = self._read(names[-1]) if names else {}
        if newest.get("token") != self.token:
            raise OutputLockedError(f"output {self.root}: this run's lease expired and "
                                    f"{describe(newest) if newest else 'no run'} holds it now; nothing more is published")

    def _renew(self) -> None:
        while not self._stop.wait(self.seconds / 4):
            with contextlib.suppress(Exception):  # a renewal that fails is retried; `check` tells if it was lost
                if self._read(self.path).get("token") == self.token:
                    self.root.fs.pipe_file(self.path, self._body())

    def release(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):
            if self._read(self.path).get("token") == self.token:
                self.root.fs.rm_file(self.path)


def describe(lease: dict) -> str:
    expires = dt.datetime.fromtimestamp(lease.get("expires_at", 0), dt.UTC)
    return (f"run {lease.get('run_id', '?')}, pid {lease.get('pid', '?')} on {lease.get('host', '?')}, "
            f"lease until {expires:%Y-%m-%d %H:%M:%S} UTC unless renewed")


@contextlib.contextmanager
def hold(root, run_id: str, seconds: float | None = None) -> Iterator[Lease]:
    """The dataset at `root` (on an object store) leased to this run for the block."""
    lease = Lease(root, run_id, seconds or float(os.environ.get(LEASE_SECONDS_ENV) or LEASE_SECONDS))
    lease.acquire()
    renewer = threading.Thread(target=lease._renew, name="newsfacts-lease", daemon=True)
    renewer.start()
    _held[str(root)] = lease
    try:
        yield lease
    finally:
        _held.pop(str(root), None)
        lease.release()
        renewer.join(timeout=5)


def check_held(root) -> None:
    """Before publishing on an object store: the lease still ours (see `Lease.check`)."""
    lease = _held.get(str(root))
    if lease is not None:
        lease.check()
