"""Failures reach people the Prefect way: events a run emits, and the automation `newsfacts serve`
sets up to turn them into notifications through a notification block."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect.events import emit_event

GATE_FAILED = "newsfacts.gate.failed"
RUN_FAILED = "newsfacts.run.failed"
RUN_COMPLETED = "newsfacts.run.completed"
FAILURES = (GATE_FAILED, RUN_FAILED)

SUBJECT = "newsfacts: {{ event.event }} in {{ event.payload.output }}"
# A Jinja template Prefect's server renders with the event that fired the automation.
BODY = """{{ event.payload.message }}
run: {{ event.payload.run_id }}
output: {{ event.payload.output }}
{% if flow_run %}flow run: {{ flow_run.name }} ({{ flow_run|ui_url }}){% endif %}"""


def dataset_resource(output_dir: str | Path) -> dict[str, str]:
    """The event resource of an output directory: one id per dataset, whichever run writes it."""
    from tasks.io.storage import is_url

    output = str(output_dir).rstrip("/") if is_url(str(output_dir)) else str(Path(output_dir).resolve())
    return {"prefect.resource.id": f"newsfacts.dataset.{output}", "prefect.resource.name": output.rsplit("/", 1)[-1]}


def emit_gate_failed(gate, run_id: str, output_dir: str | Path, details: str | Path) -> None:
    """`newsfacts.gate.failed` for one failed quality gate (a `tasks.validation.GateResult`)."""
    emit_event(GATE_FAILED, resource=dataset_resource(output_dir),
               payload={"suite": gate.suite, "stage": gate.stage, "failed_share": round(gate.failed_share, 6),
                        "max_failed_share": gate.max_failed_share, "failed_rows": gate.failed_rows,
                        "documents": gate.documents, "failed_documents": gate.failed_documents,
                        "rows": gate.rows, "failed_expectations": gate.failed_expectations,
                        "run_id": run_id, "output": str(output_dir), "details": str(details),
                        "message": gate.message()})


def emit_run_failed(run_id: str, output_dir: str | Path, error: BaseException) -> None:
    """`newsfacts.run.failed`: the run raised, whatever the reason (a gate, the lock, a bug)."""
    emit_event(RUN_FAILED, resource=dataset_resource(output_dir),
               payload={"run_id": run_id, "output": str(output_dir), "error": type(error).__name__,
                        "message": str(error)[:2000]})


def emit_run_completed(manifest: dict) -> None:
    """`newsfacts.run.completed`, with the rows written, for automations that watch a feed."""
    emit_event(RUN_COMPLETED, resource=dataset_resource(manifest["output_dir"]),
               payload={"run_id": manifest["run_id"], "output": manifest["output_dir"],
                        "rows_written": manifest["rows_written"],
                        "message": f"run {manifest['run_id']} wrote {manifest['rows_written']}"})


def notify_on_failures(webhook_url: str, output_dir: str | Path, name: str) -> str:
    """Save a webhook notification block and an automation sending it on every failure event of
    the dataset in `output_dir`; both named after `name`, replacing earlier ones of that name so
    restarting `newsfacts serve` does not notify twice. Returns the automation's id."""
    from prefect.automations import Automation, EventTrigger, SendNotification
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.client.orchestration import get_client

    # The receiver gets {"subject": ..., "body": ...} as JSON; Slack, Teams and others have their
    # own blocks (prefect.blocks.notifications) to use with the same automation.
    block = CustomWebhookNotificationBlock(name=name, url=webhook_url, method="POST",
                                           json_data={"subject": "{{subject}}", "body": "{{body}}"})
    block_id = block.save(f"{name}-failures", overwrite=True)
    automation_name = f"{name}: notify on failures"
    with get_client(sync_client=True) as client:
        for earlier in client.read_automations_by_name(automation_name):
            client.delete_automation(earlier.id)
    automation = Automation(
        name=automation_name,
        description=f"Sends {', '.join(FAILURES)} events of {dataset_resource(output_dir)['prefect.resource.id'].removeprefix('newsfacts.dataset.')} to a webhook.",
        trigger=EventTrigger(expect=set(FAILURES), posture="Reactive", threshold=1, within=dt.timedelta(0),
                             match={"prefect.resource.id": dataset_resource(output_dir)["prefect.resource.id"]}),
        actions=[SendNotification(block_document_id=block_id, subject=SUBJECT, body=BODY)],
    ).create()
    return str(automation.id)
