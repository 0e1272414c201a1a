"""System tests run the real flow against a real, temporary Prefect server the session starts,
with the real model, servers and worker processes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from tests.conftest import SEEDS, stop_local_servers


@pytest.fixture(scope="session", autouse=True)
def prefect_server():
    """A real, temporary Prefect server (SQLite) for the session: every system test's flows run
    against it (`tests/system/conftest.py`)."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
    stop_local_servers(os.environ)


@pytest.fixture(scope="session")
def seeds_run(tmp_path_factory):
    """(output dir, manifest) of the real flow over a copy of seeds/."""
    from flows.news_pipeline import news_pipeline

    inputs = tmp_path_factory.mktemp("inputs")
    shutil.copytree(SEEDS, inputs / "seeds")
    output = tmp_path_factory.mktemp("out")
    manifest = news_pipeline(inputs=[str(inputs / "seeds")], output_dir=str(output))
    return output, manifest


#: The longest system test files, longest first (as a full run measured them): started first, so
#: that the two workers of `make test`, a file at a time each, do not end on one long file alone.
LONGEST_FIRST = ("test_parallel.py", "test_flow.py", "test_local_server.py", "test_served_deployment.py",
                 "test_batches.py", "test_signals.py", "test_scheduled_runs.py", "test_cli.py", "test_crash_safety.py")


def pytest_collection_modifyitems(items):
    """The system tests of LONGEST_FIRST's files first, in its order; every other test keeps its place."""
    here = Path(__file__).parent
    rank = {here / name: i for i, name in enumerate(LONGEST_FIRST)}
    slots = [i for i, item in enumerate(items) if item.path.parent == here]
    ordered = sorted((items[i] for i in slots), key=lambda item: rank.get(item.path, len(rank)))
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item
