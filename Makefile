# Chores. `make run` and `make test` are the two a newcomer needs (see README.md).
GO        ?= go
BIN       := bin/vindel
FUZZTIME  ?= 20000x
BENCHTIME ?= 1s
# The end-to-end benchmark: pairs of runs, messages per run.
E2E_PAIRS    ?= 5
E2E_MESSAGES ?= 300000
# Packages whose tests start real servers share the machine's cores; one package at a time
# keeps those tests' timeouts honest on a 2-core CI machine.
TESTFLAGS ?= -race -count=1 -p 2 -timeout 20m

.PHONY: all build run test test-deps unit fuzz fuzz-short bench lint fmt clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/vindel

## run: build, start the hub on its embedded defaults, register the sample devices and replay
## real vendor payloads through the embedded broker in a loop.
run: build
	./deploy/dev/run.sh

## test: install what the tests need (Mosquitto, Chromium) when missing, then the whole suite
## with the race detector, then a short run of every fuzz target.
test: test-deps unit fuzz-short

test-deps:
	./deploy/dev/install-test-deps.sh

unit:
	$(GO) vet ./...
	$(GO) test $(TESTFLAGS) ./...

fuzz-short:
	FUZZTIME=$(FUZZTIME) ./deploy/dev/fuzz.sh

## fuzz: every fuzz target for longer (FUZZTIME=10m make fuzz for a soak).
fuzz:
	FUZZTIME=$${FUZZTIME:-2m} ./deploy/dev/fuzz.sh

## bench: benchmarks with their reference runs beside them (bare Pebble, plain file writes),
## then the end-to-end one as interleaved pairs of a bare Mosquitto subscriber and the hub,
## long enough to reach a steady rate; see ARCHITECTURE.md for how to read the ratios.
bench: test-deps
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) \
		$$($(GO) list ./... | grep -v '/internal/hub$$')
	./deploy/dev/e2e-pairs.sh $(E2E_PAIRS) $(E2E_MESSAGES)

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	@git ls-files '*.go' | xargs awk '{ gsub(/\t/, "    "); if (length($$0) > 120) { print FILENAME ":" FNR ": over 120 columns"; bad=1 } } END { exit bad }'
	@if command -v golangci-lint >/dev/null; then golangci-lint run; else echo "golangci-lint not installed: vet, gofmt and width checked"; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin data
