"""Prefect flows of the newsfacts pipeline and the `newsfacts` command."""

import os

# Opt out of telemetry before Prefect or Great Expectations are imported; a user's own setting wins.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
