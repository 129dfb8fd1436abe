# The two commands that do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/node_modules/.bin:$(PATH)

UNIT_TESTS = $(shell find test/unit -name '*.test.ts' | sort)
INTEGRATION_TESTS = $(shell find test/integration -name '*.test.ts' 2>/dev/null | sort)
# The MSP day (about 2 minutes) goes first: the runner starts files in the order given, and the longest
# should not be the one that starts last.
E2E_TESTS = $(shell find test/e2e -name '*.test.ts' 2>/dev/null | sort)

.PHONY: help deps tools run test lint typecheck gen gen-check test-unit test-integration test-e2e bench soak clean

help:
	@echo "make run    install what is needed, start NATS and the router on examples/msp"
	@echo "make test   install what is needed, lint, typecheck and run every test"
	@echo "make bench  benchmarks side by side with their references (docs/benchmarks.md)"
	@echo "make soak   a bounded steady run with churn (SOAK_MINUTES=20); memory and lag must level off (docs/soak.md)"

# The pinned Node.js LTS (scripts/tools.sh node) comes first: npm, tsx and every test run on it.
.tools/bin/node: scripts/tools.sh
	scripts/tools.sh node
	@touch -h $@

node_modules/.package-lock.json: package.json package-lock.json .tools/bin/node
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

tools:
	scripts/tools.sh node nats-server alertmanager prometheus hadolint helm chromium faketime jemalloc buildah podman runc debootstrap kube-apiserver etcd kubectl

gen: deps
	npm run --silent gen

gen-check: deps
	node --import tsx scripts/gen.ts --check

lint: deps
	biome check .

typecheck: deps
	tsc -p tsconfig.json --noEmit

test-unit: deps
	node --import tsx --test --test-concurrency=2 $(UNIT_TESTS)

test-integration: deps tools
	node --import tsx --test --test-concurrency=2 $(E2E_TESTS) $(INTEGRATION_TESTS)

test-e2e: deps tools
	node --import tsx --test $(E2E_TESTS)

# One runner invocation for all suites, so its closing summary counts every test.
test: deps tools gen-check lint typecheck
	node --import tsx --test --test-concurrency=2 $(E2E_TESTS) $(UNIT_TESTS) $(INTEGRATION_TESTS)

run: deps tools
	scripts/run.sh

bench: deps tools
	npm run --silent build
	SWITCHBOARD_USE_DIST=1 node --expose-gc --import tsx test/bench/run.ts

soak: deps tools
	npm run --silent build
	SWITCHBOARD_USE_DIST=1 node --import tsx test/bench/soak.ts

clean:
	rm -rf dist .run
