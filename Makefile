# Two commands: `make demo` and `make test`. Both set up everything from python3.11 + pip + make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
BIN := $(VENV)/bin
DEMO_SIZE ?= M
DEMO_SEED ?= 42
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup browser demo test lint format bench ui clean clean-data

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

# --compile-bytecode: every `leadflow run` starts Python three times (itself, dbt twice); without .pyc files
# (uv writes none by default, and PYTHONDONTWRITEBYTECODE stops Python writing them) each start recompiles
# dagster, dbt and their dependencies: ~5 s a process on 2 cores. Costs ~11 s once, at set-up.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock Makefile
	@echo "installing the locked environment (uv.lock) into $(VENV): about a minute the first time"
	$(UV) sync --quiet --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced  ## create .venv with the locked dependencies

# The report's browser test drives Debian's Chromium (Playwright's own browser download cannot be reached).
browser:  ## install Debian's chromium where missing (for the report's browser test)
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		echo "installing Debian's chromium for the report's browser test"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	}

demo: setup  ## generate M-size CRM data, run the whole pipeline, print the summary, build the weekly report
	$(BIN)/leadflow generate --size $(DEMO_SIZE) --seed $(DEMO_SEED) --out data
	$(BIN)/leadflow run
	$(BIN)/leadflow report
	@echo
	@echo "Analytics file: data/analytics.duckdb   Try: $(BIN)/leadflow sql \"show all tables\""
	@echo "Weekly funnel report: reports/index.html"

# The two set-ups share nothing (PyPI packages into .venv, a Debian package): a fresh machine fetches both at once.
test:  ## set up, lint, then the whole test suite
	@$(MAKE) --no-print-directory --jobs=2 setup browser
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/ruff format --check orchestration tests bench
	$(BIN)/sqlfluff lint models tests/dbt
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=25

lint: setup  ## ruff and sqlfluff only
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/sqlfluff lint models tests/dbt

format: setup  ## apply ruff formatting
	$(BIN)/ruff format orchestration tests bench
	$(BIN)/ruff check --fix orchestration tests bench

bench: setup  ## benchmark on L data; writes docs/performance.md
	$(BIN)/python bench/run.py --size L

ui: setup  ## open the Dagster UI on http://localhost:3000
	$(BIN)/leadflow ui

clean-data:  ## delete generated data, warehouse and published file
	rm -rf data

clean: clean-data  ## also delete environments and dbt artefacts
	rm -rf $(VENV) $(TOOLS) target logs .pytest_cache .ruff_cache
