# kinechain — one-command set-up. `make run` and `make test` work on a fresh machine
# with nothing but Python >= 3.11 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared/data
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/kinechain analyze $(SHARED)/c3d/biomechzoo/HC032A03.c3d \
		--static $(SHARED)/c3d/biomechzoo/HC032A01.c3d --flat-foot --out example-results --overwrite

lint: install
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

test: install lint
	$(BIN)/python -m pytest -q

.bench/opensim/bin/python:
	$(PYTHON) -m venv .bench/opensim
	.bench/opensim/bin/python -m pip install --quiet opensim

bench: install .bench/opensim/bin/python
	$(BIN)/python benchmarks/bench_analyze.py
	$(BIN)/python benchmarks/bench_assess.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
