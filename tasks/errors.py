"""Errors a user causes and can fix, each with the exit status `newsfacts` gives it. No imports, so
the command line catches them without loading the pipeline."""


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
