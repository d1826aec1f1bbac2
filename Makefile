# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# `make run` installs only what serving needs; `make test` adds every extra (dev tools,
# PySpark, fritzconnection). Both share one .venv: the second adds to the first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint typecheck bench clean

$(BIN)/python:
	@echo "make: creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "make: installing ringcheck and what serving needs (about a minute the first time)"
	$(BIN)/python -m pip install --quiet --progress-bar off -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@echo "make: installing ringcheck with every extra: dev tools, PySpark, fritzconnection (a few minutes the first time)"
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[dev,spark,fritzbox]'
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	@echo "make: serving on http://127.0.0.1:8000 (Ctrl-C stops)"
	$(BIN)/ringcheck serve

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/check_throughput.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
