# The two commands of the README: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-dev lint catalogs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

setup-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"

run: setup
	$(BIN)/partnerbot run

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/mypy bot handlers scheduler tests benchmarks

test: lint
	$(BIN)/pytest

catalogs: setup
	$(BIN)/python -m bot.catalog
