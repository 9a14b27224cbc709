# chopin-go. `make run` starts the bench server, `make test` runs every check.
SHELL := /bin/bash
GO ?= go
FUZZTIME ?= 60s
ADDR ?= 127.0.0.1:8080
ARGS ?=

.PHONY: all build run test vet fmt-check fuzz bench-micro clean

all: build

build:
	$(GO) build ./...

run:
	$(GO) build -o bin/bench-server ./cmd/bench-server
	./bin/bench-server -addr $(ADDR) $(ARGS)

# test: vet, formatting, then every test (fuzz targets run over their seed
# corpus as ordinary tests) under the race detector.
test: vet fmt-check
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# fuzz: run every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

clean:
	rm -rf bin
