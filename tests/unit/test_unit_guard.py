"""The unit tests' guard (`tests/unit/conftest.py`) holds: no model, no Prefect server."""

import pytest


def test_a_unit_test_that_loads_the_model_fails_saying_where_it_belongs():
    from tasks.defaults import DEFAULT_MODEL
    from tasks.nlp.model import load_model

    with pytest.raises(AssertionError, match="belongs in tests/system"):
        load_model(DEFAULT_MODEL)


def test_a_unit_test_that_reaches_for_a_prefect_server_fails():
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client, pytest.raises(Exception, match="(?i)connect"):
        client.hello()
