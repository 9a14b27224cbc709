# chopin-go. `make run` starts the bench server, `make test` runs every check.
SHELL := /bin/bash
GO ?= go
FUZZTIME ?= 60s
ADDR ?= 127.0.0.1:8080
ARGS ?=

.PHONY: all build run test vet fmt-check fuzz bench bench-micro bench-parse soak clean

all: build

build:
	$(GO) build ./...

run:
	$(GO) build -o bin/bench-server ./cmd/bench-server
	./bin/bench-server -addr $(ADDR) $(ARGS)

# test: vet, formatting, every test (fuzz targets run over their seed corpus
# as ordinary tests) under the race detector, then the zero-allocation tests,
# which the race detector's own allocations would spoil (//go:build !race).
# The codec runs once more with -tags purego: the Go scans other
# architectures use instead of http1's SSE2 one.
test: vet fmt-check
	$(GO) test -race -count=1 ./...
	$(GO) test -race -count=1 ./engine -engine.goaccept
	$(GO) test -count=1 -tags purego ./http1 ./fuzz
	$(GO) test -count=1 -run 'Allocs' ./...

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

# bench: the benchmark suite (bench/cmd/suite): the bench server against
# net/http, fasthttp, gnet with a minimal parser and the no-parse ceiling
# under wrk, idle memory per connection, a CPU profile and the tuning knobs;
# writes docs/PERFORMANCE.md and docs/performance.svg. Run as root (it
# installs wrk, creates a cgroup and sets sysctls, restoring them after).
BENCH_TIME ?= 5s
ROUNDS ?= 3
BENCH_ARGS ?=
bench:
	cd bench && $(GO) build -o ../bin/bench/suite ./cmd/suite
	bin/bench/suite -root . -time $(BENCH_TIME) -rounds $(ROUNDS) $(BENCH_ARGS)

# bench-micro: parser, engine path, date cache and router micro-benchmarks
# with -count, compared with the previous run by benchstat (COUNT, BENCHTIME).
bench-micro:
	bench/micro/run.sh

# soak: mixed well-behaved and abusive clients against the bench server for
# SOAK, failing if memory, descriptors, threads or goroutines grow past the
# bounds stated in cmd/bench-server/soak_test.go.
SOAK ?= 5m
soak:
	SOAK=$(SOAK) $(GO) test -run '^TestSoak$$' -count=1 -v -timeout 60m ./cmd/bench-server

# bench-parse: the parser beside fasthttp's and net/http's (bench/ module).
bench-parse:
	bench/parse/run.sh

clean:
	rm -rf bin
