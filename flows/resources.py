"""What a run loads before its first batch, and hands back after each."""

from __future__ import annotations


def load_libraries() -> None:
    """Import now what a run with something to read imports on its way (Great Expectations, spaCy,
    the gazetteer, the near-duplicate and chart libraries): `newsfacts run` does it while the local
    Prefect server starts, instead of after."""
    import great_expectations  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")  # as the report draws: no display
    import matplotlib.pyplot  # noqa: F401

    import tasks.documents.near_duplicates  # noqa: F401
    import tasks.entities.canonical  # noqa: F401
    import tasks.report  # noqa: F401
    from tasks.entities.gazetteer import place_index

    place_index()


def release_memory(freeze: bool = False) -> None:
    """What the finished batch freed, handed back to the operating system: collected, then the C
    heap trimmed (glibc keeps freed pages otherwise, and the next batch's peak would start above
    this one's).

    With `freeze` (a run that processes one batch at a time, so that nothing of the next batch is
    held yet), what outlived the first batch (modules, the model, the suites: millions of objects)
    is frozen out of later collections, which otherwise walked it all again after every batch. A
    frozen object is still freed when nothing refers to it; a cycle through one never is, so only
    the long-lived state may be frozen."""
    import ctypes
    import gc

    gc.collect()
    if freeze and not gc.get_freeze_count():
        gc.freeze()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass
