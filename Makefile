# gatelog: build, test, demo, benchmarks.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
FUZZTIME ?= 20s

.PHONY: build test vet fuzz bench demo screenshot clean

build: ## build ./bin/gatelog with version, commit and date stamped
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/gatelog ./cmd/gatelog

test: vet ## the test suite: every package with the race detector, then the 2 GB archive test without it
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'TestSymantecHugeArchiveInBoundedMemory' -v ./test/e2e/

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

fuzz: ## run every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run XXX -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench: ## go benchmarks, then the end-to-end Forcepoint benchmark against curl
	$(GO) test -run XXX -bench . -benchmem ./internal/...
	bench/forcepoint.sh

demo:
	$(GO) run ./cmd/gatelog demo

screenshot: ## docs/status-page.png: the status page of a live demo, in headless Chromium (about 2 minutes)
	GATELOG_SCREENSHOT=$(CURDIR)/docs/status-page.png $(GO) test -count=1 -run TestStatusPage ./test/e2e/

clean:
	rm -rf bin gatelog-demo
