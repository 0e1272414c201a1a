"""Unit tests reach no Prefect server and load no spaCy model: a test that does fails, saying it
belongs in `tests/system`."""

from __future__ import annotations

import pytest

#: A loopback port nothing listens on: a Prefect client call fails at once.
NO_SERVER = "http://127.0.0.1:9/api"


@pytest.fixture(autouse=True)
def no_server_and_no_model(monkeypatch):
    import spacy
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tasks.nlp import model

    def refuse(name, *args, **kwargs):
        raise AssertionError(f"a unit test loaded the spaCy model {name!r}: it belongs in tests/system")

    monkeypatch.setattr(spacy, "load", refuse)
    model.load_model.cache_clear()  # a model a system test loaded in this process is not lent either
    with temporary_settings(updates={PREFECT_API_URL: NO_SERVER}):
        yield
