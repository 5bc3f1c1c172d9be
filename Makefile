# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
# Each creates .venv and installs Haven into it the first time (and when pyproject changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test lint format bench migrate clean browser pango

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) pango
	$(BIN)/haven up

test: lint browser pango
	$(BIN)/pytest

# The browser tests drive Debian's chromium (never a browser downloaded by a test tool).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# PDF exports (WeasyPrint) lay text out with Debian's Pango, in the system's fonts.
pango:
	@$(PYTHON) -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('pangoft2-1.0'))" || { \
	  echo "Installing Debian's Pango for PDF exports"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/onboarding.py
	$(BIN)/python bench/bulk_onboarding.py
	$(BIN)/python bench/incidents.py
	$(BIN)/python bench/alerts.py
	$(BIN)/python bench/records.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/insights.py
	$(BIN)/python bench/billing_run.py

migrate: $(STAMP)
	$(BIN)/haven migrate

clean:
	rm -rf $(VENV) var/test
