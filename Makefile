# DocMind developer commands. Everything needs only Python 3.11 + pip: uv is installed on demand.
# make run    set up and start the app on http://localhost:8501
# make test   set up and run every check (lint, format, types, import contracts, tests, E2E)
# make bench  run the benchmarks (tests/benchmarks) and write results
# make soak   the long reliability trials
# make stress the start, progress and cancel E2E suites, 3 runs in a row, with two busy processes on the cores
# make update-baselines   regenerate E2E screenshot baselines (review them before committing)

PYTHON ?= python3
UV := $(PYTHON) -m uv
# Where uv puts the environment (uv's own variable; .venv unless set).
UV_PROJECT_ENVIRONMENT ?= .venv

.PHONY: run test bench soak stress update-baselines setup browser lint

setup:
	@echo "DocMind: checking the Python environment ($(UV_PROJECT_ENVIRONMENT); a fresh clone installs its packages first, about a minute)…"
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --locked --quiet --compile-bytecode
	@# Our own packages are editable installs, which uv does not compile; with PYTHONDONTWRITEBYTECODE
	@# set, every process would recompile them on import (70 ms of every CLI start).
	@$(UV) run --locked --quiet python -m compileall -q apps/docmind/src libs/jobs/src libs/snapshots/src

# The app runs straight from the environment (not under `uv run`, which would forward a Ctrl-C the
# terminal already sent: Streamlit would say "Stopping..." twice).
run: setup
	@echo "DocMind: environment ready; starting the app…"
	@exec $(UV_PROJECT_ENVIRONMENT)/bin/docmind app

browser:
	@bash scripts/ensure_browser.sh

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run pyright
	$(UV) run lint-imports

test: lint browser
	$(UV) run pytest tests -q -rs
	$(UV) run pytest e2e -q -rs

bench: setup
	$(UV) run python -m tests.benchmarks.run

soak: setup
	DOCMIND_SOAK=1 $(UV) run pytest tests/reliability -q

# STRESS_RUNS=N for another number of runs; the script ends its busy processes by pid, also on failure.
stress: setup browser
	@PYTHON="$(PYTHON)" UV="$(UV)" bash scripts/stress_e2e.sh

update-baselines: setup browser
	$(UV) run pytest e2e -q --update-baselines
