# One task runner for people and CI: .ci/run calls `make test` too.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_VENV ?= .venv-bench
BENCH_BIN := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.installed
CHECK_PYTHON := $(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'

.PHONY: run test lint typecheck unit install bench clean

# $(call virtualenv,DIR,EXTRA): a virtualenv in DIR with the package and its EXTRA
define virtualenv
	@$(CHECK_PYTHON)
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -e '.[$(2)]'
	@touch $(1)/.installed
endef

$(STAMP): pyproject.toml
	$(call virtualenv,$(VENV),test)

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
## (BENCH_ARGS=--quick for a short run; wrk and nginx come from Debian's packages).
## They run in a virtualenv of their own holding what the container ships plus the
## bench extra, not the test tools (selenium brings trio, which httpcore then loads).
$(BENCH_STAMP): pyproject.toml
	$(call virtualenv,$(BENCH_VENV),bench)

bench: $(BENCH_STAMP)
	@command -v wrk >/dev/null && command -v nginx >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk nginx) \
		|| echo "bench/serving.py needs wrk and nginx: apt-get install -y wrk nginx"
	$(BENCH_BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) data .pytest_cache .mypy_cache .ruff_cache
