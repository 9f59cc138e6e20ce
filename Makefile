# One task runner for people and CI: .ci/run calls `make test` too.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit install bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## run: the main job (scheduler + HTTP server) on the shipped feeds.toml
run: $(STAMP)
	$(BIN)/aggregator run --config feeds.toml

## test: lint, type-check and the whole test suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check aggregator tests bench
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: the benchmarks in bench/ (they print figures; nothing is asserted)
## (BENCH_ARGS=--quick for a short run; wrk and nginx come from Debian's packages)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	@command -v wrk >/dev/null && command -v nginx >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk nginx) \
		|| echo "bench/serving.py needs wrk and nginx: apt-get install -y wrk nginx"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
