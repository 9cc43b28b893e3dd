# The two commands of the README: `make run` and `make test`. Each installs into .venv once
# (a stamp newer than pyproject.toml) and works offline afterwards.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint catalogs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(RUN_STAMP)

# Without a token (in the environment or .env) `make run` starts the sandbox instead: the real
# bot against a local Telegram, in the browser. SANDBOX_ARGS= (empty) starts it without the demo.
SANDBOX_ARGS ?= --demo

run: $(RUN_STAMP)
	@if [ -z "$$TELEGRAM_BOT_TOKEN" ] && ! grep -qs '^ *TELEGRAM_BOT_TOKEN *= *[^ ]' .env; then \
	  echo "No TELEGRAM_BOT_TOKEN set: starting the sandbox (a local Telegram in your browser; nothing leaves this machine)."; \
	  exec $(BIN)/partnerbot sandbox $(SANDBOX_ARGS); \
	fi; \
	exec $(BIN)/partnerbot run

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy bot handlers scheduler sandbox tests benchmarks tools
	$(BIN)/python tools/check_structure.py

test: lint
	$(BIN)/pytest

catalogs: $(RUN_STAMP)
	$(BIN)/python -m bot.catalog
