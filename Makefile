# The two commands a newcomer runs: `make demo` and `make test`. Both set up what is missing first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: setup browser postgres demo test lint typecheck contracts pytest format bench clean

setup: $(STAMP) browser postgres

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 is required"; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Playwright cannot download its own browser without internet: use Debian's chromium when none is found.
browser: $(STAMP)
	@if $(BIN)/python -m rpa.browser.locate >/dev/null 2>&1; then \
	  echo "browser: $$($(BIN)/python -m rpa.browser.locate)"; \
	else \
	  echo "no Chromium found: installing Debian's chromium with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	  $(BIN)/python -m rpa.browser.locate; \
	fi

# The tests start a throwaway PostgreSQL server of their own: Debian's postgresql provides the binaries.
postgres:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then \
	  echo "postgresql: $$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"; \
	else \
	  echo "no PostgreSQL found: installing Debian's postgresql with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; \
	fi

demo: setup
	$(BIN)/rpa demo

test: setup lint typecheck contracts pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy rpa bots scheduler rpa_cli console

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
