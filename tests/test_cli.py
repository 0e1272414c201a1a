import os
import subprocess
import sys

from conftest import ROOT, read


def run_cli(*args, cwd=ROOT, **kwargs):
    return subprocess.run([sys.executable, "-m", "flows", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, **kwargs.pop("env", {})}, **kwargs)


def test_help_explains_every_option():
    out = run_cli("run", "--help")
    assert out.returncode == 0
    for option in ("INPUT", "--output", "--model", "--max-failed-share", "seeds/", "data/"):
        assert option in out.stdout


def test_cli_runs_the_flow_and_prints_a_summary(tmp_path):
    # A relative output directory, as `make run` passes it.
    out = run_cli("run", str(ROOT / "seeds"), "--output", "out", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    tmp_path = tmp_path / "out"
    assert "completed" in out.stdout
    assert "documents             2 / 2" in out.stdout
    assert "quality gates:" in out.stdout and "FAILED" not in out.stdout
    assert read(tmp_path, "entities").height > 100
    assert next((tmp_path / "_runs").glob("*/data_docs/index.html")).exists()


def test_missing_model_is_a_clear_error(tmp_path):
    out = run_cli("run", "seeds", "--output", str(tmp_path), "--model", "no_such_pipeline")
    assert out.returncode == 2
    assert "no_such_pipeline" in out.stderr and "not installed" in out.stderr
