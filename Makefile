# Quick start: `make run` serves the platform on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app lms
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test install catalogs messages check-catalogs migrate demo bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

catalogs: $(STAMP)
	$(BIN)/pybabel compile --domain messages --directory locales

messages: $(STAMP)
	$(FLASK) i18n extract

check-catalogs: $(STAMP)
	$(FLASK) i18n check

migrate: $(STAMP)
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) courses sync
	$(FLASK) demo

run: catalogs migrate
	$(FLASK) courses sync
	$(FLASK) demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C stops)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: catalogs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: catalogs
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
	find locales -name '*.mo' -delete
