"""`newsfacts serve`: the flow as a deployment on a schedule, executed by Prefect's `Runner` in this
process until SIGTERM or SIGINT, which end it within `STOP_SECONDS` whether the server answers or not.

Prefect's own `Flow.serve` answers SIGTERM by calling the runner's `stop()` from inside the running
event loop (Prefect 3.8 leaves that coroutine unawaited and warns) and then pauses the schedule with
a client that retries for as long as the server is away. Here the signals only set an event; the
runner is stopped with its async `astop()` and every step of the shutdown has a deadline.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from typing import Any

#: Time from SIGTERM/SIGINT to the end of `newsfacts serve`, whatever the server does.
STOP_SECONDS = 3.5
SIGNAL_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}


def serve(flow, *, name: str, cron: str | None, interval: float | None, parameters: dict[str, Any],
          concurrency_limit, description: str) -> int:
    """Serve `flow` as deployment `name` on `cron` or every `interval` seconds until a signal; the
    exit status is 128 + that signal's number."""
    return asyncio.run(_serve(flow, name=name, cron=cron, interval=interval, parameters=parameters,
                              concurrency_limit=concurrency_limit, description=description))


async def _serve(flow, *, name, cron, interval, parameters, concurrency_limit, description) -> int:
    from prefect.runner import Runner
    from prefect.settings import PREFECT_UI_URL

    loop = asyncio.get_running_loop()
    received: list[int] = []
    stop = asyncio.Event()

    def listen() -> None:
        for signum in SIGNAL_NAMES:
            loop.add_signal_handler(signum, lambda s=signum: (received.append(s), stop.set()))

    listen()
    runner = Runner(name=name, pause_on_shutdown=True)
    schedule = {"cron": cron} if cron else {"interval": dt.timedelta(seconds=interval)}
    deployment_id = await runner.aadd_flow(flow, name=name, parameters=parameters, concurrency_limit=concurrency_limit,
                                           description=description, **schedule)
    when = f"cron {cron!r}" if cron else f"every {interval:g} s"
    print(f"serving deployment {flow.name}/{name} ({when}); a run now: prefect deployment run '{flow.name}/{name}'",
          flush=True)
    if PREFECT_UI_URL.value():
        print(f"in the Prefect UI: {PREFECT_UI_URL.value()}/deployments/deployment/{deployment_id}", flush=True)

    serving = asyncio.create_task(runner.start(webserver=False))
    # `start()` installs Prefect's SIGTERM handler before its first await: ours replace it again.
    await asyncio.sleep(0)
    listen()
    waiting = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if not stop.is_set():
        waiting.cancel()
        serving.result()  # the runner ended on its own: its error is the command's
        return 0
    signum = received[0]
    finished = await _stop(runner, serving)
    note = ("its schedule paused, runs in progress cancelled" if finished else
            f"the Prefect server did not answer within {STOP_SECONDS:g} s, so its schedule may still be active")
    print(f"newsfacts: serve stopped by {SIGNAL_NAMES[signum]}: deployment {flow.name}/{name}: {note}",
          file=sys.stderr, flush=True)
    return 128 + signum


async def _stop(runner, serving: asyncio.Task) -> bool:
    """Stop the runner (cancel its runs in progress, pause its schedule) within STOP_SECONDS;
    whether it finished in time. What is left after the deadline is cancelled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STOP_SECONDS
    try:
        # A signal that came while the runner was starting: `astop()` needs it started.
        while not runner.started and not serving.done() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.wait_for(runner.astop(), max(deadline - loop.time(), 0.1))
        # The runner's `__aexit__` pauses the schedule once its loops end.
        await asyncio.wait_for(asyncio.shield(serving), max(deadline - loop.time(), 0.1))
        return True
    except (TimeoutError, asyncio.CancelledError):
        pass
    except Exception:  # noqa: BLE001 - a server gone mid-shutdown: the deadline decides, not the error
        pass
    serving.cancel()
    try:
        await asyncio.wait_for(serving, 0.5)
    except BaseException:  # noqa: BLE001 - cancelled or failed on the way out: nothing left to wait for
        pass
    return False
