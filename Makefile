# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint test-python test-vscode

setup: $(STAMP)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/auro-pai serve --workspace .

lint: setup
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	$(BIN)/mypy

test: lint test-vscode test-python

# Starts a Chroma server for the server-mode tests, then runs the Python suite.
test-python: setup
	$(BIN)/python -m tests.with_chroma $(BIN)/python -m pytest

# The VS Code extension: npm ci, type check, unit tests, bundle, .vsix.
test-vscode:
	bash editors/vscode/ci.sh
