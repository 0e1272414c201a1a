"""Errors a user causes and can fix, each with the exit status `newsfacts` gives it, and the one
line the command prints for any failure. No imports beyond the standard library, so the command
line catches them without loading the pipeline.

Exit statuses (README lists them too): 0 done; 1 the run or query failed (a quality gate, bad SQL,
an unexpected error); 2 a usage error (arguments, a missing input, an output path that is no
directory, a model not installed, a dataset to migrate); 3 another run holds the output; 4
permission denied or a read-only file system; 5 no space left; 130 and 143 stopped by SIGINT or
SIGTERM.
"""

from __future__ import annotations

import errno


class NewsfactsError(RuntimeError):
    """A failure to report as one line, not a traceback."""

    exit_status = 1


class UsageError(NewsfactsError):
    """Bad arguments or a setting to change before running again."""

    exit_status = 2


class ModelNotFoundError(UsageError):
    """The configured spaCy pipeline is not installed (models are never downloaded at run time)."""


class SchemaVersionError(UsageError):
    """The dataset was written with a schema this pipeline cannot append to until it is migrated."""


class OutputLockedError(NewsfactsError):
    """Another run is writing to the same output directory."""

    exit_status = 3


class QualityGateError(NewsfactsError):
    """A stage's output failed its quality gate; the message says which suite, how much and why."""


class BatchFailedError(NewsfactsError):
    """A batch could not be processed (its worker died, or the task failed); the batches before it
    are committed and a rerun goes on from there."""


class LocalServerError(NewsfactsError):
    """The local Prefect server a run without a configured Prefect API reports to did not start."""


# OS errors by what the user can do about them: (what to print before the path, exit status).
OS_ERRORS = {
    errno.ENOENT: ("no such file or directory", 2),
    errno.ENOTDIR: ("not a directory", 2),
    errno.EEXIST: ("exists and is not a directory", 2),
    errno.EISDIR: ("is a directory", 2),
    errno.EACCES: ("permission denied", 4),
    errno.EPERM: ("permission denied", 4),
    errno.EROFS: ("read-only file system", 4),
    errno.ENOSPC: ("no space left on device", 5),
    errno.EDQUOT: ("disk quota exceeded", 5),
    errno.EFBIG: ("file too large for this file system or limit", 5),
}
UNEXPECTED_STATUS = 1


def describe_error(exc: BaseException) -> tuple[str, int]:
    """(the one line to print after `newsfacts: `, the exit status) for a failure."""
    if isinstance(exc, QualityGateError):
        return f"quality gate failed: {exc}", exc.exit_status
    if isinstance(exc, NewsfactsError):
        return f"error: {exc}", exc.exit_status
    if isinstance(exc, OSError) and exc.errno in OS_ERRORS:
        what, status = OS_ERRORS[exc.errno]
        where = f": {exc.filename}" if exc.filename else ""
        if exc.errno == errno.ENOENT and not exc.filename:  # raised by us with the path in the message
            return f"error: {exc}", status
        return f"error: {what}{where}", status
    return (f"unexpected error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)",
            UNEXPECTED_STATUS)
