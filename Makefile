# newsloom: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/newsloom.db

.PHONY: demo test lint setup clean benchmark

$(BIN)/newsloom: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/newsloom

demo: setup
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/newsloom --db $(DEMO_DB) ingest examples/demo/articles.jsonl
	$(BIN)/newsloom --db $(DEMO_DB) stories
	@$(BIN)/newsloom --db $(DEMO_DB) show $$($(BIN)/newsloom --db $(DEMO_DB) stories --json --limit 100 \
		| $(BIN)/python -c "import json,sys; s=[json.loads(l) for l in sys.stdin]; print(max(s, key=lambda x: (x['independent_sources'], x['articles']))['id'])")

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest

benchmark: setup
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) .demo build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
