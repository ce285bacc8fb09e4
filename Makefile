# LineEscrow. `make run` starts the demo; `make test` runs every check CI runs.
# Both work on a fresh Debian machine with only Go installed: PostgreSQL (and,
# for the browser tests, Chromium) are installed with apt-get when missing.

SHELL := /bin/bash
GO    ?= go
BIN   := .bin/lineescrow

.PHONY: all build run test generate check-fmt check-vet check-static check-templ test-deps chromium go-test fuzz-short bench bench-go clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/lineescrow

## run: the demo on http://127.0.0.1:8080 with its own PostgreSQL in .devdb/
run: build
	DEMO=$${DEMO:-true} $(BIN) serve

## generate: regenerate templ code after editing views/*.templ
generate:
	$(GO) tool templ generate -path views

## test: formatting, vet, stale generated code, then all tests against a real PostgreSQL and Chromium
test: check-fmt check-vet check-static check-templ test-deps go-test fuzz-short

check-fmt:
	@out=$$(gofmt -l cmd app views models bankbridge migrations static | grep -v '_templ.go$$' || true); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

check-vet:
	$(GO) vet ./...

# staticcheck's findings and code no program or test reaches fail the build.
check-static:
	$(GO) tool staticcheck ./...
	@out=$$($(GO) tool deadcode -test ./...); \
	if [ -n "$$out" ]; then echo "unreachable code (remove it):"; echo "$$out"; exit 1; fi

# The committed *_templ.go files must be what templ generates from the .templ files.
check-templ:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; cp -r views "$$tmp/views"; \
	$(GO) tool templ generate -path "$$tmp/views" >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }; \
	if ! diff -r -q views "$$tmp/views" >/dev/null; then \
	  echo "generated templ code is stale: run 'make generate' and commit the result"; diff -r -q views "$$tmp/views"; exit 1; fi

## test-deps: the test PostgreSQL cluster (installed if missing) and Chromium
test-deps: build chromium
	$(BIN) devdb start -test

chromium:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "$$CHROME_PATH" ] || need="chromium"; \
	command -v espeak-ng >/dev/null 2>&1 || need="$$need espeak-ng"; \
	if [ -z "$$need" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's$$need for the browser tests and the phone simulator's voice"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
	elif [ "$${need#*chromium}" != "$$need" ]; then echo "Chromium is missing: install it (Debian: apt-get install chromium) or set CHROME_PATH"; exit 1; \
	else echo "espeak-ng is missing: the phone simulator speaks as text only (Debian: apt-get install espeak-ng)"; fi

go-test:
	$(GO) test -race -count=1 -timeout 20m ./...

# A short run of every fuzz target (their seeds also run in go-test).
# A count, not a duration: a duration races Go's fuzz coordinator at its deadline
# (golang/go#75804, unfixed in Go 1.26) and fails a run that found nothing.
FUZZTIME ?= 30000x
FUZZ_TARGETS := models:FuzzParseMoney models:FuzzFindReference bankbridge:FuzzVerify bankbridge:FuzzParseEvents app/web:FuzzDecodeRequest
fuzz-short:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t#*:}; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; done

## bench: the ledger beside pgbench on a durable PostgreSQL of its own (.devdb/bench), results in bench.json
bench: build
	$(BIN) bench $(BENCH_ARGS)

## bench-go: the Go benchmarks of the hot functions (money, webhooks, state machine, order page)
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./models ./bankbridge ./views

clean:
	rm -rf .bin
