# Connector Event Hub — every command a developer or CI needs.
# The project runs on Node 24 LTS. A host whose node is older than 22.18 (the first to run .ts files
# without a flag; package.json `engines`) gets Node 24 from the npm registry's `node` package,
# installed into .tools/ (git-ignored) and put first on PATH for every recipe below; the system's
# Node is never touched.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The exact Node of the images too (deploy/Dockerfile NODE_IMAGE; a test keeps them equal).
NODE_PACKAGE ?= node@24.21.0
TOOLS_DIR := $(CURDIR)/.tools
HOST_NODE := $(shell command -v node 2>/dev/null)
HOST_NODE_VERSION := $(shell node -p 'process.versions.node' 2>/dev/null || echo none)
MIN_HOST_NODE := 22.18
# major.minor compared as numbers ("yes" or "no"); no node at all is "no".
HOST_NODE_IS_RECENT := $(shell node -p 'var v = process.versions.node.split(".").map(Number), m = "$(MIN_HOST_NODE)".split(".").map(Number); v[0] > m[0] || (v[0] === m[0] && v[1] >= m[1]) ? "yes" : "no"' 2>/dev/null || echo no)

ifeq ($(HOST_NODE_IS_RECENT),no)
NODE_CHOICE := $(NODE_PACKAGE) in .tools/, because the host node ($(HOST_NODE_VERSION)) is not $(MIN_HOST_NODE) or newer, the first to run .ts files without a flag
LOCAL_NODE_DIR := $(TOOLS_DIR)/node
LOCAL_NODE_BIN := $(LOCAL_NODE_DIR)/node_modules/node/bin
# A stamp per pinned version, so bumping NODE_PACKAGE reinstalls.
NODE_TOOLCHAIN := $(LOCAL_NODE_DIR)/installed-$(NODE_PACKAGE)
export PATH := $(LOCAL_NODE_BIN):$(PATH)
else
NODE_CHOICE := the host's, because it is $(MIN_HOST_NODE) or newer
NODE_TOOLCHAIN :=
endif

INSTALL_STAMP := node_modules/.package-lock.json

.PHONY: help doctor install lint typecheck test test-unit up migrate provision reseal bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(NODE_TOOLCHAIN):
	@echo "host node is $(HOST_NODE_VERSION); installing $(NODE_PACKAGE) into $(LOCAL_NODE_DIR)"
	@mkdir -p $(LOCAL_NODE_DIR)
	@rm -f $(LOCAL_NODE_DIR)/installed-*
	@echo '{"name":"event-hub-node-toolchain","private":true}' > $(LOCAL_NODE_DIR)/package.json
	@env PATH="$(subst $(LOCAL_NODE_BIN):,,$(PATH))" npm install --prefix $(LOCAL_NODE_DIR) --no-save --no-package-lock --no-audit --no-fund --loglevel=error $(NODE_PACKAGE)
	@test -x $(LOCAL_NODE_BIN)/node || { echo "could not install $(NODE_PACKAGE) from the npm registry"; exit 1; }
	@touch $@

$(INSTALL_STAMP): package-lock.json package.json $(NODE_TOOLCHAIN)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(INSTALL_STAMP) ## install Node 24 (if needed) and every dependency

doctor: $(INSTALL_STAMP) ## print which Node, npm and local services are found and used
	@echo "host node:      $(or $(HOST_NODE),not found) ($(HOST_NODE_VERSION))"
	@echo "node used:      $$(command -v node) ($$(node --version))"
	@echo "why:            $(NODE_CHOICE)"
	@echo "npm used:       $$(command -v npm) ($$(npm --version 2>/dev/null))"
	@node tools/local-stack/src/doctor.ts

lint: $(INSTALL_STAMP) ## eslint, prettier check, knip (dead code, undeclared dependencies), dependency-cruiser (import rules)
	npx eslint . && npx prettier --check . && npx knip
	npm run --silent lint:deps

typecheck: $(INSTALL_STAMP) ## TypeScript strict typecheck of every workspace
	npx tsc -p tsconfig.json

test: install lint typecheck ## every test: lint, typecheck, unit, integration, end to end
	npx vitest run $(VITEST_ARGS)

test-unit: $(INSTALL_STAMP) ## only the tests that need no emulator or database
	npx vitest run --project unit

up: $(INSTALL_STAMP) ## run the whole system on this machine; Ctrl-C stops everything
	node tools/local-stack/src/up.ts

migrate: $(INSTALL_STAMP) ## apply the SQL migrations to DATABASE_URL
	node shared/src/db/migrate-cli.ts

provision: $(INSTALL_STAMP) ## create every missing Pub/Sub topic and subscription of the hub (PUBSUB_EMULATOR_HOST, PUBSUB_PROJECT_ID, PUBSUB_TOPIC, ...)
	node shared/src/pubsub/provision-cli.ts

reseal: $(INSTALL_STAMP) ## re-seal every stored secret with SECRETS_KEY (then SECRETS_KEY_PREVIOUS can go)
	node shared/src/secrets/reseal-cli.ts

# ARGS="--quick" for a smoke run, "--only a,c" for parts (ceilings, a, b, c, d), "--duration 30" (s per whole-path rate).
ARGS ?=
bench: $(INSTALL_STAMP) ## this machine's ceilings and the hub's ingest, dispatch, whole path, isolation, CPU and RSS in one run; one table, JSON in .local/bench/
	node tools/bench/src/main.ts $(ARGS)

# SCENARIOS="postgres-restarted receiver-gone" runs only those (names: node tools/chaos/src/main.ts --help).
SCENARIOS ?=
.PHONY: chaos
chaos: $(INSTALL_STAMP) ## every fault scenario on a stack of its own; prints the table, exits 1 on any lost event
	node tools/chaos/src/main.ts $(SCENARIOS)

clean: ## remove installed dependencies and tools
	rm -rf node_modules */node_modules services/*/node_modules tools/*/node_modules $(TOOLS_DIR)
