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
