"""Whether `newsfacts run` has anything to do, found before Prefect, Great Expectations or spaCy
load: a run whose every input file is recorded in the input ledger, unchanged, starts no flow run."""

from __future__ import annotations

from tasks.config import RunConfig


def nothing_new(config: RunConfig) -> str | None:
    """What to say when every input of `config` was read by a committed batch and has not changed
    since, so that a run would read nothing; None when a run has work (or may have: a full refresh,
    feeds or URLs to fetch, WARCs fetched into the output, a commit left to finish, no dataset yet,
    a last run that did not complete)."""
    from tasks import io
    from tasks.io.fetch import fetched_warcs, is_http
    from tasks.io.inputs import SliceIndex
    from tasks.io.state import read_ledger

    if config.full_refresh or config.feeds or any(is_http(path) for path in config.inputs):
        return None
    output = io.output_root(config.output_dir)
    if io.is_remote(output) or not (output / io.STATE_DIR).exists() or fetched_warcs(output):
        return None
    staging = output / io.STAGING_DIR
    if staging.exists() and any(staging.iterdir()):
        return None
    if not _last_run_completed(output):  # its run record and report are to be written again
        return None
    plan = io.BatchPlan(config.inputs, read_ledger(output), config.batch_size, slice_index=SliceIndex(output),
                        outputs=[output])
    if next(iter(plan), None) is not None:
        return None
    return (f"newsfacts run: nothing new: the {plan.entries} input files were read before and have not changed; "
            f"{output} is as the last run left it (no flow run started)")


def _last_run_completed(output) -> bool:
    """Whether the latest run record in `output` (run ids start with their UTC start time) says
    the run completed."""
    import json

    from tasks import io

    runs = output / io.RUNS_DIR
    names = sorted(entry.name for entry in runs.iterdir()) if runs.exists() else []
    if not names:
        return False
    try:
        record = json.loads((runs / names[-1] / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return record.get("status") == "completed"
