"""Benchmarks: timings reported as ratios against a baseline measured in the same process."""

from __future__ import annotations

import json
from pathlib import Path


def save_report(out: str | Path, name: str, report: dict, text: str) -> None:
    """`report` as `<out>/<name>.json` and `text` as `<out>/<name>.md`, and `text` printed."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (folder / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    print(text)
