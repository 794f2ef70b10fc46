# fileemu: the two commands a newcomer needs are `make run` and `make test`.
GO ?= go
ADDR ?= 127.0.0.1:8080
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
IMAGE ?= fileemu:dev
DOCKER ?= docker

# Release stamps beside VERSION: `fileemu version` prints them (cmd/fileemu/version.go).
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS += -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: run test build image bench fuzz fmt vet load load-small load-storage

## run: serve the emulator on $(ADDR) with in-memory state; ARGS adds flags (ARGS="--scenarios scenarios/ready")
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/fileemu serve --addr $(ADDR) $(ARGS)

## test: vet, then every test with the race detector, the root module's and then the container
##       module's (testkit/container is its own Go module: ./... of the root does not reach it)
test: vet
	$(GO) test -race -count=1 -timeout 30m ./...
	cd testkit/container && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) test-python
	$(MAKE) test-js

## test-python: the Python client's tests (clients/python, pytest) against bin/fileemu built from this
##              checkout. PYTHON defaults to Debian's /usr/bin/python3, where apt puts python3-pytest and
##              python3-yaml (.ci/run installs them); the package itself needs only the standard library.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
.PHONY: test-python
test-python: build
	@$(PYTHON) -c 'import pytest, yaml' 2>/dev/null || { echo "test-python: $(PYTHON) needs pytest and PyYAML (apt-get install python3-pytest python3-yaml)" >&2; exit 1; }
	cd clients/python && FILEEMU_BIN=$(CURDIR)/bin/fileemu PYTHONPATH=$(CURDIR)/clients/python PYTHONDONTWRITEBYTECODE=1 \
		$(PYTHON) -m pytest -p fileemu.pytest_plugin -p no:cacheprovider -q tests

## test-js: the JavaScript client's tests (clients/js: node --test, the Playwright example in Debian's
##          chromium) against bin/fileemu built from this checkout; npm ci first when node_modules is missing
.PHONY: test-js
test-js: build
	test -d clients/js/node_modules || (cd clients/js && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	cd clients/js && FILEEMU_BIN=$(CURDIR)/bin/fileemu npm test

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/fileemu ./cmd/fileemu

## image: the Docker image $(IMAGE) (FROM scratch: the static binary + scenarios/ready); needs a Docker engine (scripts/docker-engine.sh)
image:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/image/fileemu ./cmd/fileemu
	mkdir -p bin/image/data
	$(DOCKER) build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

## bench: the benchmarks, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## load: the full load run (1,000 uploads: 100 sessions x 10, up to 4 MiB, every API and the S3 SDK); LOAD_ARGS adds flags
load:
	$(GO) run ./cmd/fileemu-load -sessions 100 -uploads 10 -max-size 4MiB -concurrency 8 -duration 15m $(LOAD_ARGS)

## load-storage: 3,000 uploads against --max-storage 256MiB: refused uploads in each API's own 507 form, RSS flat once full
load-storage:
	$(GO) run ./cmd/fileemu-load -sessions 300 -uploads 10 -max-size 4MiB -concurrency 8 -max-storage 256MiB -duration 15m $(LOAD_ARGS)

## load-small: a quick load (10 sessions x 10, up to 1 MiB) and the flaky-s3 scenario with retries
load-small:
	$(GO) run ./cmd/fileemu-load -sessions 10 -uploads 10 -max-size 1MiB $(LOAD_ARGS)
	$(GO) run ./cmd/fileemu-load -sessions 2 -uploads 50 -max-size 256KiB -scenario flaky-s3 $(LOAD_ARGS)

## fuzz: every fuzz target for FUZZTIME each, one after the other, then the list of targets run
##       (make fuzz FUZZTIME=10m; FUZZ=regexp picks targets by package/name; see scripts/fuzz.sh)
FUZZTIME ?= 30s
FUZZ ?= .
fuzz:
	FUZZTIME=$(FUZZTIME) FUZZ='$(FUZZ)' GO=$(GO) ./scripts/fuzz.sh

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## loadbench: issue 18's table: fileemu against a bare echo server (bench/echo) with wrk, back to back,
##            plus the Go benchmarks behind the heap, Weavy list and scenario-rule rows (installs wrk from Debian)
LOADBENCH_ARGS ?=
.PHONY: loadbench
loadbench:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/fileemu ./cmd/fileemu
	cd bench && $(GO) build -o ../bin/bench-echo ./echo && $(GO) build -o ../bin/loadbench ./loadbench
	bin/loadbench -fileemu bin/fileemu -echo bin/bench-echo -root . $(LOADBENCH_ARGS)

## release-tools: GoReleaser and actionlint at pinned versions, built from the Go module proxy into
##                bin/tools/NAME@VERSION/ once (CI keeps bin/tools between runs)
## release-check: actionlint on .github/workflows, goreleaser check, a snapshot release (every binary,
##                archive, checksum and both images, into dist/ and the local engine: nothing is
##                published) and what it made checked: platforms, static, stamped, image
##                architectures (scripts/release-check.sh; needs a Docker engine and jq)
GORELEASER_VERSION ?= v2.15.1
ACTIONLINT_VERSION ?= v1.7.12
GORELEASER := $(CURDIR)/bin/tools/goreleaser@$(GORELEASER_VERSION)/goreleaser
ACTIONLINT := $(CURDIR)/bin/tools/actionlint@$(ACTIONLINT_VERSION)/actionlint
.PHONY: release-tools release-check
release-tools: $(GORELEASER) $(ACTIONLINT)
$(GORELEASER):
	GOBIN=$(@D) GOFLAGS= $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)
$(ACTIONLINT):
	GOBIN=$(@D) GOFLAGS= $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
release-check: release-tools
	GORELEASER=$(GORELEASER) ACTIONLINT=$(ACTIONLINT) GO=$(GO) scripts/release-check.sh
