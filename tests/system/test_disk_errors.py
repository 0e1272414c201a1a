"""Failures of the place a run writes to, as a user meets them: an output path that is a file, a
read-only file system, a full disk, a folder the user may not write. Each is one `newsfacts:` line
with its exit status, no traceback; a full disk never leaves tables without their run record, and
the next run, with room again, converges.

The file systems are real: a tmpfs mounted by the test (CI runs as root, as this machine does).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL

from tests.conftest import ROOT, SEEDS, read

pytestmark = pytest.mark.slow  # `make test-lowest` leaves these system tests out


def newsfacts(*args: str, user: pwd.struct_passwd | None = None) -> subprocess.CompletedProcess:
    """The real command, reporting to the test's Prefect server; as `user` when given."""
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "flows", *args]
    if user:
        command = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *command]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def assert_one_line(done: subprocess.CompletedProcess, status: int, message: str) -> None:
    assert done.returncode == status, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("newsfacts: ") and message in last, last


@contextlib.contextmanager
def tmpfs(path: Path, size: str, read_only: bool = False):
    path.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}" + (",ro" if read_only else ""),
                              "tmpfs", str(path)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"these tests mount a tmpfs, which needs root: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_an_output_path_that_is_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    assert_one_line(newsfacts("run", str(SEEDS), "--output", str(tmp_path / "out")), 2,
                    f"output path is not a directory: {tmp_path / 'out'}")
    assert_one_line(newsfacts("run", str(tmp_path / "missing"), "--output", str(tmp_path / "o")), 2,
                    "input path does not exist")


def test_a_read_only_file_system_is_one_line(tmp_path):
    with tmpfs(tmp_path / "ro", "4m", read_only=True) as folder:
        assert_one_line(newsfacts("run", str(SEEDS), "--output", str(folder / "out")), 4,
                        "read-only file system")
        # An output folder that exists, on a file system remounted read-only since.
        subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)
        (folder / "existing").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        assert_one_line(newsfacts("run", str(SEEDS), "--output", str(folder / "existing")), 4,
                        "read-only file system")


def test_a_full_disk_fails_before_publishing_or_keeps_a_run_record_and_the_rerun_converges(tmp_path):
    # Too small for the tables: the run fails while staging them, and nothing is published.
    with tmpfs(tmp_path / "tiny", "96k") as folder:
        done = newsfacts("run", str(SEEDS), "--output", str(folder / "out"))
        assert_one_line(done, 5, "no space left on device")
        assert not any((folder / "out" / table).exists() for table in ("documents", "entities", "numbers"))
        assert not list((folder / "out").glob("_staging/*")), "what the run staged is removed"
    # Room for the tables but not for the run's Data Docs: the tables are published with a record.
    with tmpfs(tmp_path / "small", "640k") as folder:
        output = folder / "out"
        done = newsfacts("run", str(SEEDS), "--output", str(output))
        assert_one_line(done, 5, "no space left on device")
        assert read(output, "documents").height == 2
        (record,) = output.glob("_runs/*/manifest.json")
        assert json.loads(record.read_text())["status"] == "running"  # its batch was committed
        subprocess.run(["mount", "-o", "remount,size=64m", str(folder)], check=True)
        done = newsfacts("run", str(SEEDS), "--output", str(output))
        assert done.returncode == 0, done.stderr[-3000:]
        assert read(output, "documents").height == 2
        statuses = sorted(json.loads(p.read_text())["status"] for p in output.glob("_runs/*/manifest.json"))
        assert statuses == ["completed", "running"]


def test_permission_denied_is_one_line(seeds_run):
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) runs the command as another user")
    nobody = pwd.getpwnam("nobody")
    # Outside pytest's own temporary folders, which only root may enter.
    parent = Path(tempfile.mkdtemp(prefix="newsfacts-permissions-", dir="/tmp"))
    try:
        output = parent / "dataset"
        shutil.copytree(seeds_run[0], output)
        os.chmod(parent, 0o755)
        os.chmod(output, 0o755)  # others may read it, not write to it: not even the lock file
        done = newsfacts("compact", "--output", str(output), user=nobody)
        assert_one_line(done, 4, f"permission denied: {output}")
    finally:
        shutil.rmtree(parent)
