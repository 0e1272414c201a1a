"""The declared pipeline's steps as Prefect tasks: the runner a flow runs them with, each step a
task named as the step (`clean_documents`, `validate_documents`), so the UI shows each."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.progress import emit
from tasks.config import RunConfig
from tasks.pipeline.runner import Runner

# No task caches: steps pass in-memory frames, and hashing them buys nothing. Only I/O retries.
io_task = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 4])


@cache
def _task(name: str, fn: Callable, retries: int):
    return task(fn, name=name, cache_policy=NO_CACHE, retries=retries, retry_delay_seconds=[1, 4][:retries] or None)


def call_as_task(name: str, fn: Callable, retries: int, arguments: dict) -> Any:
    """One step run as the Prefect task named after it (an I/O step is retried)."""
    return _task(name, fn, retries)(**arguments)


def task_runner(config: RunConfig, validator, run_id: str, **options) -> Runner:
    """A runner of the pipeline's steps as Prefect tasks, reporting progress to this process's listeners."""
    return Runner(config, validator, run_id, call=call_as_task, emit=emit, **options)
