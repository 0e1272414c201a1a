# `make run` and `make test` set themselves up: a virtual environment in .venv, the project installed into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export GX_ANALYTICS_ENABLED := False
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup run test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,eval,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsfacts run seeds --output data

test: $(STAMP)
	$(BIN)/python -m pytest

# Throughput and memory against the NER model alone (../shared/corpus/bbc if present, else the seeds repeated).
bench: $(STAMP)
	$(BIN)/python -m bench $(CORPUS)

clean:
	rm -rf $(VENV) data/documents data/entities data/numbers data/quarantine data/entity_catalog \
		data/_runs data/_staging data/_checkpoints data/_contract.json data/report.html
