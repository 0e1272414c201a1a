"""Prefect flows of the newsfacts pipeline and the `newsfacts` command."""

import os

# Opt out of telemetry before Prefect or Great Expectations are imported; a user's own setting wins.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Prefect waits 20 s for the temporary server it starts without PREFECT_API_URL; creating its
# database on a first run takes longer than that on a busy 2-core machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
