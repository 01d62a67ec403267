# gatelog: build, test, demo, benchmarks.
GO      ?= go
# The version stamp: one definition, scripts/ldflags.sh, which deploy/Dockerfile
# uses too. VERSION, COMMIT and DATE override what it reads from git and the clock
# (make build VERSION=v1.2.0).
LDFLAGS := $(shell VERSION='$(VERSION)' COMMIT='$(COMMIT)' DATE='$(DATE)' sh scripts/ldflags.sh)
FUZZTIME ?= 20s

.PHONY: build test test-deps vet fuzz bench demo screenshot clean

build: ## build ./bin/gatelog with version, commit and date stamped
	@test -n "$(LDFLAGS)" || { echo "scripts/ldflags.sh failed"; exit 1; }
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/gatelog ./cmd/gatelog

# Both passes run even when the first fails, so that one run reports every failure.
test: test-deps vet ## the test suite: every package with the race detector, then the 2 GB archive test without it
	status=0; \
	$(GO) test -race -count=1 -timeout 30m ./... || status=1; \
	$(GO) test -count=1 -timeout 20m -run 'TestSymantecHugeArchiveInBoundedMemory' -v ./test/e2e/ || status=1; \
	exit $$status

test-deps: ## check the tools the tests need (rsyslog, PostgreSQL, chromium, ...); as root, install the missing ones
	@bash scripts/test-deps.sh

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
