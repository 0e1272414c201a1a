# `make run` and `make test` set themselves up: a virtual environment in .venv, the project installed
# into it at the versions pinned in constraints.txt (pyproject.toml keeps the ranges; `make lock`
# re-resolves them).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := test,eval
# The installer tools themselves are chosen too.
PIP := pip>=24,<27
UV := uv>=0.13,<0.14
LOWEST := build/lowest

export GX_ANALYTICS_ENABLED := False
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup run test test-fast test-lowest bench lock versions clean

setup: $(STAMP)

# uv installs the project: the same pinned versions as pip, in a seventh of the time. Unlike pip,
# uv writes no bytecode unless asked: every `newsfacts` process then compiled each module it
# imported from source (7 s of a run; Python writes no cache either where PYTHONDONTWRITEBYTECODE
# is set, as in many containers). The project's own packages are compiled too.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet '$(UV)'

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[$(EXTRAS)]'
	$(BIN)/python -m compileall -q flows tasks expectations bench > /dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsfacts run seeds --output data

# Two pytest-xdist processes, a test file each at a time (a file's tests share its module's
# fixtures: a run of the seeds, a server): most system tests wait on servers and subprocesses, so
# two of them on two cores take about two thirds of the time of one. Files start in the order
# collected (tests/system/conftest.py puts the longest first), not by how many tests they hold.
# TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

# The unit tests (tests/unit: no Prefect server, no model), then the system tests (tests/system:
# the real flow, servers, worker processes), each run on its own so neither waits on the other's
# set-up.
test: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) tests/unit
	$(BIN)/python -m pytest $(XDIST) tests/system

# The unit tests alone.
test-fast: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) tests/unit

# Resolve pyproject.toml's ranges anew, to the newest versions they allow, into constraints.txt
# (for every platform, Python 3.11). Then `make test` and commit both files.
lock: | $(BIN)/python
	$(BIN)/uv pip compile pyproject.toml --extra test --extra eval --universal \
		--python-version 3.11 --upgrade --quiet --output-file constraints.txt

# The lower bounds in pyproject.toml, tested: every direct dependency at the lowest version its
# range allows (the rest resolved as usual) in a venv of its own, then the fast suite.
test-lowest: | $(BIN)/python
	mkdir -p build
	$(BIN)/uv pip compile pyproject.toml --extra test --extra eval --resolution lowest-direct \
		--python-version 3.11 --quiet --output-file $(LOWEST)-constraints.txt
	rm -rf $(LOWEST)-venv
	$(PYTHON) -m venv $(LOWEST)-venv
	$(LOWEST)-venv/bin/python -m pip install --quiet --upgrade '$(PIP)'
	$(LOWEST)-venv/bin/python -m pip install --quiet -c $(LOWEST)-constraints.txt -e '.[$(EXTRAS)]'
	$(LOWEST)-venv/bin/python -m pip list --format=freeze > $(LOWEST)-versions.txt
	# A Prefect home of its own: an older Prefect cannot open a database a newer one migrated.
	rm -rf $(LOWEST)-prefect-home
	PREFECT_HOME=$(abspath $(LOWEST))-prefect-home $(LOWEST)-venv/bin/python -m pytest -m "not slow" -p no:cacheprovider

# What is installed, as CI prints it.
versions: $(STAMP)
	@$(BIN)/python -m pip list --format=freeze --exclude-editable

# `newsfacts run` as users run it (fresh processes, no PREFECT_API_URL) beside the NER model alone,
# then throughput and memory against the NER model alone (../shared/corpus/bbc if present, else the seeds repeated),
# then a growing feed: `newsfacts run` adding to datasets of the corpus and of it 4 times, and 50,000 documents,
# then whole batches on a Dask cluster of 1 and 2 workers against one process, then the commit on
# an S3 API (moto on 127.0.0.1) against local disk.
bench: $(STAMP)
	$(BIN)/python -m bench.cold_runs $(CORPUS)
	$(BIN)/python -m bench $(CORPUS)
	$(BIN)/python -m bench.growth $(CORPUS)
	$(BIN)/python -m bench.cluster $(CORPUS)
	$(BIN)/python -m bench.object_store $(CORPUS)
	$(BIN)/python -m bench.pages $(CORPUS)

# Everything a run wrote into data/ (whatever tables the contract has), and the environment.
clean:
	rm -rf $(VENV)
	find data -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
