"""Whether `newsfacts run` has anything to do, found before Prefect, Great Expectations or spaCy
load: a run whose every input file is recorded in the input ledger, unchanged, starts no flow run."""

from __future__ import annotations

from tasks.config import RunConfig


def nothing_new(config: RunConfig) -> str | None:
    """What to say when every input of `config` was read by a committed batch and has not changed
    since, so that a run would read nothing; None when a run has work (or may have: a full refresh,
    feeds or URLs to fetch, WARCs fetched into the output, a commit left to finish, no dataset yet)."""
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
    plan = io.BatchPlan(config.inputs, read_ledger(output), config.batch_size, slice_index=SliceIndex(output),
                        outputs=[output])
    if next(iter(plan), None) is not None:
        return None
    return (f"newsfacts run: nothing new: the {plan.entries} input files were read before and have not changed; "
            f"{output} is as the last run left it (no flow run started)")
