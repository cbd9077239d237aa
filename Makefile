# hankekg entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HANKEKG_HOME ?= var
DOCS ?= data/seeds
HOST ?= 127.0.0.1
PORT ?= 8000
# IRIs are minted under this base and must dereference where `make run` serves them
# (a public deployment sets its own, once: see docs/DEPLOY.md).
HANKEKG_BASE_IRI ?= http://localhost:$(PORT)/
N ?= 1000 10000
DEV_EVAL ?= ../shared/dev-eval
export HANKEKG_HOME
export HANKEKG_BASE_IRI
# Nothing at run time needs the network: models ship inside packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

APT_PACKAGES := libvoikko1 voikko-fi
NODE_PACKAGES := nodejs npm
BROWSER_PACKAGES := chromium
# A real SPARQL server for the graph store contract suite (oxigraph serve comes from PyPI).
GRAPH_SERVER_PACKAGES := virtuoso-opensource-7-bin

.PHONY: help setup setup-browser setup-graph-servers run ingest serve test test-fast lint format bench eval eval-postgres clean

help: ## List the entry points
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.stamp-apt:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		echo "installing Debian packages: $(APT_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@touch $@

.stamp-venv: pyproject.toml constraints.txt .stamp-apt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[dev,transformers,postgres]"
	@touch $@

# Node tools the tests run (redocly lints the OpenAPI spec) and the API docs' browser
# bundles (Swagger UI, ReDoc), pinned in package-lock.json. The bundles are copied under
# api/static/vendor/ so /docs and /redoc are served by the app itself, with no CDN.
VENDOR := api/static/vendor
.stamp-npm: package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "installing Debian packages: $(NODE_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(NODE_PACKAGES); \
	fi
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
		node_modules/swagger-ui-dist/favicon-32x32.png node_modules/swagger-ui-dist/LICENSE node_modules/redoc/bundles/redoc.standalone.js $(VENDOR)/
	@touch $@

setup: .stamp-venv .stamp-npm ## Install Debian packages, the .venv and node tools (once; reused after)

.stamp-browser: .stamp-apt
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Debian chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); \
	fi
	@touch $@

setup-browser: .stamp-browser ## Install Debian's chromium for the UI tests

.stamp-graph-servers: .stamp-apt
	@if ! command -v virtuoso-t >/dev/null 2>&1; then \
		echo "installing Debian's Virtuoso 7 for the graph store contract suite"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(GRAPH_SERVER_PACKAGES); \
	fi
	@touch $@

setup-graph-servers: .stamp-graph-servers ## Install Virtuoso 7 for the graph store suites

ingest: setup ## Ingest $(DOCS) into $(HANKEKG_HOME)
	$(BIN)/hankekg ingest $(DOCS)

run: ingest ## Set up, ingest data/, serve API + UI on http://127.0.0.1:$(PORT) (IRIs under localhost:$(PORT))
	$(BIN)/hankekg serve --host $(HOST) --port $(PORT)

test: setup setup-browser setup-graph-servers ## Set up and run the whole test suite (slow suites included)
	$(BIN)/pytest -q --durations=25

test-fast: setup ## Run the tests without the slow and browser suites
	$(BIN)/pytest -q -m "not slow and not browser"

lint: setup ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup ## Benchmarks (N="1000 10000" by default; make bench N=100000)
	$(BIN)/python -m bench.run --sizes $(N)

eval: setup ## Search quality on the development set ($(DEV_EVAL))
	$(BIN)/hankekg eval --corpus $(DEV_EVAL)/corpus --queries $(DEV_EVAL)/queries.jsonl \
		--distractors d049,d050,d051,d052,d053,d054,d055,d056,d057,d058 --json bench/results/eval-dev.json
	$(BIN)/hankekg eval-extract --corpus $(DEV_EVAL)/corpus --facts $(DEV_EVAL)/facts.jsonl \
		--json bench/results/eval-extract-dev.json

eval-postgres: setup ## `make eval` with the index on a throwaway PostgreSQL + pgvector
	$(BIN)/python -m search.index.pgserver -- $(BIN)/hankekg eval --corpus $(DEV_EVAL)/corpus \
		--queries $(DEV_EVAL)/queries.jsonl \
		--distractors d049,d050,d051,d052,d053,d054,d055,d056,d057,d058 \
		--json bench/results/eval-dev-postgres.json

clean: ## Remove the venv, the state and caches
	rm -rf $(VENV) node_modules $(HANKEKG_HOME) .stamp-* .pytest_cache .mypy_cache .ruff_cache
