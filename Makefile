# hankekg entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HANKEKG_HOME ?= var
# The two seed pages plus the demo corpus (data/demo/README.md says where it comes from).
DOCS ?= data/seeds data/demo/corpus
HOST ?= 127.0.0.1
PORT ?= 8000
# IRIs are minted under this base and must dereference where `make run` serves them
# (a public deployment sets its own, once: see docs/DEPLOY.md).
HANKEKG_BASE_IRI ?= http://localhost:$(PORT)/
N ?= 1000 10000
# The evaluation set: corpus/, queries.jsonl and facts.jsonl (the demo corpus ships with its
# judgements, so `make eval` runs from the repo alone).
DEV_EVAL ?= data/demo
# What `make cluster` ingests through its Dask worker.
DOCS_CLUSTER ?= data/seeds
export HANKEKG_HOME
export HANKEKG_BASE_IRI
# Nothing at run time needs the network: models ship inside packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

APT_PACKAGES := libvoikko1 voikko-fi
NODE_PACKAGES := nodejs npm
BROWSER_PACKAGES := chromium
# Wait (up to 10 minutes) for another apt/dpkg run to finish instead of failing at once.
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600
# A real SPARQL server for the graph store contract suite (oxigraph serve comes from PyPI).
GRAPH_SERVER_PACKAGES := virtuoso-opensource-7-bin
# The reverse proxy `make cluster` puts in front of its replicas (DEPLOY.md's nginx config).
PROXY_PACKAGES := nginx-light

.PHONY: help setup setup-browser setup-graph-servers setup-proxy run ingest serve test test-slow test-fast lint format bench eval eval-extract eval-postgres cluster clean

help: ## List the entry points
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' \
		-v docs="$(DOCS)" -v home="$(HANKEKG_HOME)" -v eval="$(DEV_EVAL)" -v hp="$(HOST):$(PORT)" \
		'{ name[NR] = $$1; text[NR] = $$2; if (length($$1) > w) w = length($$1) } \
		END { for (i = 1; i <= NR; i++) { t = text[i]; gsub(/\$$\(DOCS\)/, docs, t); \
			gsub(/\$$\(HANKEKG_HOME\)/, home, t); gsub(/\$$\(DEV_EVAL\)/, eval, t); \
			gsub(/\$$\(HOST\):\$$\(PORT\)/, hp, t); \
			printf "  make %-*s  %s\n", w, name[i], t } }'

.stamp-apt:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		echo "installing Debian packages: $(APT_PACKAGES)"; \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $(APT_PACKAGES); \
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
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $(NODE_PACKAGES); \
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
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $(BROWSER_PACKAGES); \
	fi
	@touch $@

setup-browser: .stamp-browser ## Install Debian's chromium for the UI tests

.stamp-graph-servers: .stamp-apt
	@if ! command -v virtuoso-t >/dev/null 2>&1; then \
		echo "installing Debian's Virtuoso 7 for the graph store contract suite"; \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $(GRAPH_SERVER_PACKAGES); \
	fi
	@touch $@

setup-graph-servers: .stamp-graph-servers ## Install Virtuoso 7 for the graph store suites

# Debian's nginx starts its system service on install: a policy-rc.d that answers 101
# ("not allowed") keeps it stopped (and keeps a container without systemd from failing);
# one already there is left as it is. `make cluster` runs its own nginx as a plain process.
.stamp-proxy: .stamp-apt
	@if ! command -v nginx >/dev/null 2>&1 && ! test -x /usr/sbin/nginx; then \
		echo "installing Debian's $(PROXY_PACKAGES) for make cluster (its service is not started)"; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d; \
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
		fi; \
		$(APT_GET) update -qq && $(APT_GET) install -y -qq $(PROXY_PACKAGES); \
	fi
	@touch $@

setup-proxy: .stamp-proxy ## Install Debian's nginx-light, the reverse proxy of make cluster

ingest: setup ## Ingest $(DOCS) into $(HANKEKG_HOME)
	$(BIN)/hankekg ingest $(DOCS)
	@touch $(INGESTED)

# `make run` ingests only when a file under $(DOCS) is newer than the last ingest into
# this home, so later runs start the server at once.
INGESTED := $(HANKEKG_HOME)/.ingested-by-make
$(INGESTED): $(shell find $(DOCS) -type f 2>/dev/null)
	@$(MAKE) --no-print-directory ingest

run: setup $(INGESTED) ## Set up, ingest $(DOCS) once, serve API + UI on http://$(HOST):$(PORT)
	$(BIN)/hankekg serve --host $(HOST) --port $(PORT)

test: setup setup-browser setup-graph-servers setup-proxy ## Set up and run the test suite, browser and server suites included (not the slow ones)
	$(BIN)/pytest -q -m "not slow" --durations=15
	@echo "make test-slow runs the slow suites (crash, damage and cluster sweeps); CI runs both"

test-slow: setup setup-browser setup-graph-servers setup-proxy ## Set up and run only the slow suites (CI runs them after make test)
	$(BIN)/pytest -q -m slow --durations=15

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

eval: setup ## Search and extraction quality on the development set ($(DEV_EVAL))
	$(BIN)/hankekg eval --corpus $(DEV_EVAL)/corpus --queries $(DEV_EVAL)/queries.jsonl \
		--distractors d049,d050,d051,d052,d053,d054,d055,d056,d057,d058 --json bench/results/eval-dev.json
	$(BIN)/hankekg eval-extract --corpus $(DEV_EVAL)/corpus --facts $(DEV_EVAL)/facts.jsonl \
		--json bench/results/eval-extract-dev.json

eval-extract: setup ## Extraction quality alone on the development set ($(DEV_EVAL))
	$(BIN)/hankekg eval-extract --corpus $(DEV_EVAL)/corpus --facts $(DEV_EVAL)/facts.jsonl \
		--json bench/results/eval-extract-dev.json

eval-postgres: setup ## `make eval` with the index on a throwaway PostgreSQL + pgvector
	$(BIN)/python -m search.index.pgserver -- $(BIN)/hankekg eval --corpus $(DEV_EVAL)/corpus \
		--queries $(DEV_EVAL)/queries.jsonl \
		--distractors d049,d050,d051,d052,d053,d054,d055,d056,d057,d058 \
		--json bench/results/eval-dev-postgres.json

clean: ## Remove the venv, the state and caches
	rm -rf $(VENV) node_modules $(HANKEKG_HOME) .stamp-* .pytest_cache .mypy_cache .ruff_cache

cluster: setup ## DEPLOY.md's topology on loopback (graph server, PostgreSQL, Dask over TLS, 2 replicas, nginx)
	$(BIN)/python -m api.cluster --dir $(HANKEKG_HOME)/cluster $(DOCS_CLUSTER)
