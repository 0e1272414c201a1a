"""What a finished run says about itself: the terminal summary and the Prefect UI artifacts' content."""

from __future__ import annotations


def format_summary(manifest: dict) -> str:
    """The end-of-run summary printed to the terminal."""
    account = manifest["accounting"]
    documents_quarantined = manifest["rows_written"].get("quarantine", 0)
    lines = [
        f"newsfacts run {manifest['run_id']}: {manifest['status']}",
        f"  input:      {manifest['files']} files ({manifest.get('files_unchanged', 0)} unchanged since read, "
        f"skipped), {account['in']} records in {len(manifest.get('batches', []))} batches",
        f"  documents:  {manifest['rows_written'].get('documents', 0)} written, "
        f"{account['already_written']} already written, {documents_quarantined} quarantine rows added",
        "  rows written this run / total:",
    ]
    if manifest.get("skipped_folders"):
        lines.insert(2, "  not read:   " + ", ".join(manifest["skipped_folders"])
                     + " (newsfacts output folders inside the input)")
    for table, total in manifest["rows_total"].items():
        lines.append(f"    {table:<15} {manifest['rows_written'].get(table, 0):>7} / {total}")
    if manifest["quarantine_reasons"]:
        reasons = ", ".join(f"{reason} {count}" for reason, count in manifest["quarantine_reasons"].items())
        lines.append(f"  quarantined this run: {reasons}")
    if manifest.get("flags"):
        flags = ", ".join(f"{flag} {count}" for flag, count in manifest["flags"].items())
        lines.append(f"  documents flagged: {flags}")
    lines.append(f"  accounted:  {account['in']} records in = {account['out']} written + {account['quarantined']} "
                 f"quarantined + {account['skipped']} already written or held back"
                 + ("" if account["conserved"] else "  (DOES NOT ADD UP)"))
    lines.append("  quality gates:")
    for gate in manifest["gates"]:
        state = "passed" if gate["passed"] else "FAILED"
        documents = (f" ({gate['failed_documents']} of {gate['documents']} documents)"
                     if gate.get("documents") is not None else "")
        lines.append(f"    {gate['suite']:<15} {state:<7} {gate['failed_rows']} of {gate['rows']} rows failed{documents}")
    lines += [
        f"  outputs:    {manifest['output_dir']}/<table>/**/*.parquet  (contract: newsfacts schema)",
        f"  run record: {manifest['run_dir']}/manifest.json",
        f"  data docs:  {manifest['data_docs'] or 'none (nothing was validated)'}",
    ]
    if manifest.get("report_written"):
        lines.append(f"  report:     {manifest['report']}  (latest: {manifest['output_dir']}/report.html)")
    return "\n".join(lines)


def markdown_summary(manifest: dict) -> str:
    """The run summary as markdown, for the Prefect UI."""
    account = manifest["accounting"]
    written, totals = manifest["rows_written"], manifest["rows_total"]
    lines = [
        f"# news-pipeline run `{manifest['run_id']}`: {manifest['status']}",
        "",
        f"- **Input**: {manifest['files']} files ({manifest.get('files_unchanged', 0)} unchanged, skipped), "
        f"{account['in']} records in {len(manifest.get('batches', []))} batches from "
        f"{', '.join(f'`{p}`' for p in manifest['inputs'])}",
        f"- **Documents**: {written.get('documents', 0)} written, {account['already_written']} already written, "
        f"{sum(manifest['quarantine_reasons'].values())} records quarantined",
        f"- **Model**: `{manifest['model']}`; output `{manifest['output_dir']}`",
        "",
        "| table | rows written | rows in total |",
        "|---|---:|---:|",
        *(f"| {table} | {written.get(table, 0)} | {total} |" for table, total in totals.items()),
        "",
        "## Quarantined this run",
        "",
        *([f"- {reason}: {count}" for reason, count in manifest["quarantine_reasons"].items()] or ["- nothing"]),
        "",
        "## Documents written with flags",
        "",
        *([f"- {flag}: {count}" for flag, count in manifest.get("flags", {}).items()] or ["- none"]),
        "",
        f"**Accounted**: {manifest['accounting']['in']} records in = {manifest['accounting']['out']} written + "
        f"{manifest['accounting']['quarantined']} quarantined + {manifest['accounting']['skipped']} already written "
        f"or held back: {'adds up' if manifest['accounting']['conserved'] else '**does not add up**'}",
        "",
        "## Quality gates",
        "",
        "| suite | result | failed rows | rows | failed documents | documents | allowed share |",
        "|---|---|---:|---:|---:|---:|---:|",
        *(f"| {g['suite']} | {'passed' if g['passed'] else '**FAILED**'} | {g['failed_rows']} | {g['rows']} | "
          f"{_or_dash(g.get('failed_documents'))} | {_or_dash(g.get('documents'))} | {g['max_failed_share']:.1%} |"
          for g in manifest["gates"]),
    ]
    return "\n".join(lines)


def stage_table(manifest: dict) -> list[dict]:
    """One row per stage: rows in, out, quarantined, skipped and seconds spent."""
    return [{"stage": s["stage"], "unit": s["unit"], "in": s["in"], "out": s["out"],
             "quarantined": s["quarantined"], "skipped": s["skipped"], "seconds": s["seconds"]}
            for s in manifest["stages"]]


def _or_dash(value) -> str:
    return "-" if value is None else str(value)
