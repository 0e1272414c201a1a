def test_prefect_server_api_imports():
    # Prefect 3.8's server breaks with FastAPI >= 0.155 ('min_items'); this fails if the pin is lost.
    import prefect.server.api  # noqa: F401
    from prefect.server.api.server import create_app

    assert create_app is not None
