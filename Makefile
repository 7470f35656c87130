# Fascia: `make run` to try it, `make test` to check it. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FASCIA := $(BIN)/fascia

.PHONY: run test lint bench chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

run: $(VENV)/.installed
	mkdir -p var && rm -f var/test.sqlite3*  # a run cut short leaves WAL files behind
	FASCIA_DEBUG=True $(FASCIA) migrate --no-input -v 0
	FASCIA_DEBUG=True $(FASCIA) demo
	FASCIA_DEBUG=True FASCIA_TASK_WORKER=False $(FASCIA) runserver 127.0.0.1:8000  # emails print here, at once

test: $(VENV)/.installed-test chromium
	mkdir -p var && rm -f var/test.sqlite3*  # a run cut short leaves WAL files behind
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	FASCIA_DEBUG=True $(BIN)/mypy fascia
	FASCIA_DEBUG=True FASCIA_DATABASE_URL=sqlite://:memory: $(FASCIA) makemigrations --check --dry-run
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	FASCIA_DEBUG=True $(BIN)/mypy fascia

chromium:
	@scripts/ensure-chromium

bench: $(VENV)/.installed-bench
	bench/run

clean:
	rm -rf $(VENV) staticfiles
