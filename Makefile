# TUG Portal. `make run` and `make test` do all the set-up on a fresh machine (python3 >= 3.11).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Exported: the site's address (every link in pages, feeds and mails) follows it unless
# TUG_SITE_URL is set (tug_portal/settings.py).
export PORT ?= 8000

# The embedded default (SQLite, file broker, mail to files) unless the environment says otherwise.
export TUG_EMBEDDED ?= 1

.PHONY: install run test lint format bench importer-score clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py load_demo_materials
	$(PY) manage.py build_feeds
	$(PY) manage.py create_demo_logins
	PORT=$(PORT) PY=$(PY) bin/run-embedded

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(BENCH_ARGS)

# The importer on a corpus of real agendas (TUG_IMPORTER_CORPUS, else tests/importer/corpus/).
importer-score: install
	$(PY) -m bench.importer_score $(SCORE_ARGS)

clean:
	rm -rf var/ .pytest_cache .ruff_cache
