import json
import shutil
import subprocess
import sys

from tests.conftest import ROOT, read, server_env


def run_cli(*args, cwd=ROOT, **kwargs):
    return subprocess.run([sys.executable, "-m", "flows", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=server_env(**kwargs.pop("env", {})), **kwargs)


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


HEAVY = ("prefect", "great_expectations", "spacy")
IMPORTS_OF = """
import json, sys
from flows.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:  # --help
    status = exit.code
print(json.dumps({"status": status, "heavy": sorted({m.split(".")[0] for m in sys.modules} & set(%r))}))
""" % (HEAVY,)


def test_light_commands_load_neither_prefect_nor_great_expectations_nor_spacy(seeds_run, tmp_path):
    output = tmp_path / "out"
    shutil.copytree(seeds_run[0], output)
    for command in (["--help"], ["run", "--help"], ["schema"], ["schema", "--json"],
                    ["query", "SELECT count(*) AS n FROM documents", "--output", str(output), "--format", "json"],
                    ["compact", "--output", str(output)], ["migrate", "--output", str(output)]):
        done = subprocess.run([sys.executable, "-c", IMPORTS_OF, *command], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result == {"status": 0, "heavy": []}, (command, result)
    # The flow itself loads Prefect only: a run that finds nothing new validates nothing and
    # extracts nothing, so it never waits for Great Expectations or spaCy.
    flow_only = IMPORTS_OF.replace("main(sys.argv[1:])", "__import__('flows.news_pipeline') and 0")
    done = subprocess.run([sys.executable, "-c", flow_only], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert json.loads(done.stdout.strip().splitlines()[-1])["heavy"] == ["prefect"]
    # The check sees them when they are loaded: the gates and the model load the other two.
    loads_all = IMPORTS_OF.replace("main(sys.argv[1:])", "__import__('flows.news_pipeline') and __import__('tasks.nlp.model') "
                                   "and __import__('tasks.validation').validation.Validator() and 0")
    done = subprocess.run([sys.executable, "-c", loads_all], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert json.loads(done.stdout.strip().splitlines()[-1])["heavy"] == sorted(HEAVY)


def test_run_without_inputs_reads_the_seeds_folder_and_feeds_alone_read_no_folder():
    from flows.cli import build_parser
    from tasks.config import from_arguments

    def inputs(*argv):
        return from_arguments(build_parser().parse_args(["run", *argv])).inputs

    assert inputs() == ["seeds"]  # README: `newsfacts run` reads seeds/ into data/
    assert inputs("--feeds", "feeds.txt") == []
    assert inputs("a", "b.jsonl") == ["a", "b.jsonl"]


def test_an_output_folder_inside_the_input_is_never_read_as_news(tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(ROOT / "seeds", inputs)
    # The second run finds the first one's report, Data Docs and tables in its input, and a third
    # a file it did not read before.
    runs = []
    for extra in (None, None, "more.txt"):
        if extra:
            (inputs / extra).write_text("Officials in Kyiv said 12 people were evacuated.", encoding="utf-8")
        runs.append(run_cli("run", str(inputs), "--output", str(inputs / "out")))
        assert runs[-1].returncode == 0, runs[-1].stderr[-3000:]
    first, second, third = (run.stdout for run in runs)
    assert f"not read:   {inputs / 'out'}" in first and f"not read:   {inputs / 'out'}" in third
    assert second.startswith("newsfacts run: nothing new: the 2 input files")
    assert "input:      3 files (2 unchanged since read, skipped), 1 records" in third
    assert read(inputs / "out", "documents").height == 3 and read(inputs / "out", "quarantine").height == 0
    # The other way round is refused before anything starts: one line, status 2.
    for given, output in ((inputs / "out", tmp_path / "elsewhere"), (inputs, tmp_path)):
        refused = run_cli("run", str(given), "--output", str(output))
        assert refused.returncode == 2 and refused.stdout == ""
        assert len(refused.stderr.strip().splitlines()) == 1 and refused.stderr.startswith("newsfacts: error: input")
