"""`newsfacts server`, `serve` and `prefect-yaml`: the Prefect server, the flow as a scheduled
deployment, and the deployment file for `prefect deploy`."""

from __future__ import annotations

import sys


def print_prefect_yaml(args) -> int:
    from flows.deployment import render_prefect_yaml

    text = render_prefect_yaml()
    if args.write:
        from pathlib import Path

        Path(args.write).write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    else:
        print(text, end="")
    return 0


def start_server(args) -> int:
    import os

    if args.status or args.stop:
        from flows import local_server

        found = local_server.stop() if args.stop else local_server.find()
        where = f"{found.url} (process {found.pid}, log {found.log})" if found else ""
        if found is None:
            print(f"no local Prefect server runs for {local_server.prefect_home()}")
        else:
            print(f"stopped the local Prefect server at {where}" if args.stop else f"local Prefect server: {where}")
        return 0

    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    # Prefect's UI otherwise calls the API on the default port 4200, whatever --port says.
    env.setdefault("PREFECT_UI_API_URL", f"http://{args.host}:{args.port}/api")
    if args.database_url:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = args.database_url
    url = f"http://{args.host}:{args.port}"
    print(f"Prefect UI: {url}  (for runs to report here: export PREFECT_API_URL={url}/api)", flush=True)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", args.host, "--port", str(args.port)]
    os.execvpe(sys.executable, command, env)
    return 0  # not reached: the server replaces this process


def serve_deployment(args) -> int:
    import os

    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.news_pipeline import news_pipeline

    if not os.environ.get("PREFECT_API_URL"):
        print("newsfacts: error: serve needs a Prefect server; start `newsfacts server` and "
              "export PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return 2
    from tasks.config import from_arguments

    config = from_arguments(args)
    # Absolute paths: the deployment's runs start in whatever folder the runner is in.
    from tasks.io.storage import is_url, location, output_root

    parameters = config.as_parameters() | {"inputs": [p if is_url(p) else os.path.abspath(p) for p in config.inputs],
                                           "output_dir": location(output_root(config.output_dir)),
                                           "feeds": config.feeds and os.path.abspath(config.feeds)}
    if args.notify_webhook:
        from flows.alerts import notify_on_failures

        automation = notify_on_failures(args.notify_webhook, parameters["output_dir"], args.name)
        print(f"automation {automation}: failures of {parameters['output_dir']} are sent to the webhook", flush=True)
    # The output directory's lock stays the last guard, for runs started outside this deployment.
    strategy = ConcurrencyLimitStrategy.CANCEL_NEW if args.on_overlap == "skip" else ConcurrencyLimitStrategy.ENQUEUE
    from flows.serving import serve

    return serve(news_pipeline, name=args.name, cron=args.cron, interval=args.interval, parameters=parameters,
                 concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=strategy),
                 description="Scheduled newsfacts run over a folder that keeps receiving articles.")
