"""The architecture, checked as a contributor checks it: `lint-imports` (import-linter, configured
in pyproject.toml) keeps the flows above the domain, the domain above I/O, I/O above the
declarations, and no import cycle between the modules of a package. A copy of the source with one
deliberate breach of each kind makes it fail, naming the import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` over the packages in `root`, uncached (a copy must not reuse the project's graph)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_project_keeps_its_layers_and_has_no_import_cycles():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout


# (module to change, the line added, what the report must name)
BREACHES = {
    "io-imports-the-domain": ("tasks/io/files.py", "from tasks import report", "tasks.io.files -> tasks.report"),
    "declarations-import-io": ("tasks/schemas.py", "from tasks.io import layout", "tasks.schemas -> tasks.io.layout"),
    "tasks-import-the-flows": ("tasks/documents/clean.py", "from flows import steps", "tasks.documents.clean -> flows.steps"),
    "a-cycle": ("tasks/entities/ids.py", "from tasks.entities import canonical", ".ids -> .canonical"),
    "a-module-in-no-layer": ("tasks/unlisted.py", "X = 1", "tasks.unlisted"),
}


def test_each_kind_of_breach_breaks_a_contract_and_is_named(tmp_path):
    for package in ("flows", "tasks", "expectations"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for module, line, _ in BREACHES.values():
        path = tmp_path / module
        path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + f"\n{line}  # noqa\n",
                        encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Contracts: 0 kept, 3 broken." in result.stdout, result.stdout[-3000:]
    for breach, (_, _, named) in BREACHES.items():
        assert named in result.stdout, (breach, result.stdout[-4000:])
