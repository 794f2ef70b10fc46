# fileemu: the two commands a newcomer needs are `make run` and `make test`.
GO ?= go
ADDR ?= 127.0.0.1:8080
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
IMAGE ?= fileemu:dev
DOCKER ?= docker

.PHONY: run test build image bench fuzz fmt vet

## run: serve the emulator on $(ADDR) with in-memory state; ARGS adds flags (ARGS="--scenarios scenarios/ready")
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/fileemu serve --addr $(ADDR) $(ARGS)

## test: vet, then every test with the race detector
test: vet
	$(GO) test -race -count=1 ./...

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/fileemu ./cmd/fileemu

## image: the Docker image $(IMAGE) (FROM scratch: the static binary + scenarios/ready); needs a Docker engine (scripts/docker-engine.sh)
image:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/image/fileemu ./cmd/fileemu
	$(DOCKER) build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

## bench: the benchmarks, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

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
