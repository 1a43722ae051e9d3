# The two commands: `make run` and `make test`. Everything else is a convenience.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format messages screenshots bench-read bench-fanout clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("statuspage needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: $(RUN_STAMP)
	$(BIN)/python -m statuspage.launcher

test: $(TEST_STAMP)
	RUN_DIR=$${RUN_DIR:-$(CURDIR)/.run/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	RUN_DIR=$${RUN_DIR:-$(CURDIR)/.run/lint} $(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(TEST_STAMP)
	$(BIN)/python manage.py makemessages --all --no-obsolete --ignore '.venv/*' --ignore 'bench/*' --ignore 'tests/*'
	$(BIN)/python manage.py makemessages --all --no-obsolete -d djangojs --ignore '.venv/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

# Photographs of the public pages and the admin's incident screen into docs/screenshots/ (needs
# Chromium and a Chinese font: apt-get install chromium fonts-wqy-microhei).
screenshots: $(TEST_STAMP)
	RUN_DIR=$${RUN_DIR:-$(CURDIR)/.run/screenshots} $(BIN)/python -m pytest -q -p no:cacheprovider -rs tests/public/screenshots.py

clean:
	rm -rf $(VENV) .run staticfiles published
