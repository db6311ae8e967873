# Kikundi's developer commands; `make` alone lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Go installed from the official tarball lives in /usr/local/go and is often not on PATH.
ifeq ($(shell command -v go 2>/dev/null),)
ifneq ($(wildcard /usr/local/go/bin/go),)
export PATH := /usr/local/go/bin:$(PATH)
endif
endif

SERVICES := bash internal/devenv/services.sh
# Debian puts the real pgbench in /usr/lib/postgresql/VERSION/bin; appended, so a pgbench
# already on PATH wins.
PG_BIN := $(lastword $(sort $(wildcard /usr/lib/postgresql/*/bin)))

.PHONY: help services run test bench-ledger bench-e2e bench-reconcile bench-ussd bench-sms build vet fmt clean go-check

help:
	@echo 'make run           set up Postgres and Redis (install, start, role, database), then kikundi dev (ARGS=--fresh resets it)'
	@echo 'make test          the same set-up, then every test (go test ./...)'
	@echo 'make services      only the Postgres and Redis set-up (internal/devenv/services.sh)'
	@echo 'make bench-ledger  the set-up plus pgbench, then the ledger benchmark (cmd/ledger-bench)'
	@echo 'make bench-e2e     contributions end to end through the Daraja simulator (cmd/e2e-bench)'
	@echo 'make bench-reconcile  load and match a 1,000,000-line M-Pesa statement (mpesa/reconcile)'
	@echo 'make bench-sms     reminders for 100,000 members queued, then sent to the sandbox (cmd/sms-bench)'
	@echo 'make bench-ussd    USSD hops (adapter, Redis session, menus reading Postgres) against a bare Fiber endpoint (cmd/ussd-bench)'
	@echo 'make build         build bin/kikundi'
	@echo 'make vet           go vet ./...'
	@echo 'make fmt           list Go files that gofmt would change; fails if there are any'
	@echo 'make clean         remove bin/ and coverage files'

go-check:
	@command -v go >/dev/null 2>&1 || { echo 'go: not found; install Go (the version in go.mod) into /usr/local/go or put go on PATH' >&2; exit 1; }

services:
	@$(SERVICES)

# The binary runs in make's place (exec), so Ctrl-C reaches it directly and a clean stop
# exits 0.
run: go-check services build
	exec bin/kikundi dev $(ARGS)

test: go-check services
	go test -count=1 -timeout 30m ./...

bench-ledger: go-check
	@$(SERVICES) --bench
	PATH="$$PATH$(if $(PG_BIN),:$(PG_BIN))" go run ./cmd/ledger-bench

# 4,000 contributions at 330 a second: the CONTRACT line's throughput and its latency
# come from one run at the target rate (unpaced, `-rate 0`, measures the ceiling).
bench-e2e: go-check services
	go run ./cmd/e2e-bench -n 4000 -rate 330

bench-reconcile: go-check services
	go test -run='^$$' -bench=ReconcileMillion -benchtime=1x ./mpesa/reconcile/

bench-sms: go-check services
	go run ./cmd/sms-bench

bench-ussd: go-check services
	go run ./cmd/ussd-bench

build: go-check
	go build -o bin/kikundi ./cmd/kikundi

vet: go-check
	go vet ./...

fmt: go-check
	@files=$$(gofmt -l .); \
	if [ -n "$$files" ]; then echo "gofmt would change these files (run gofmt -w on them):"; echo "$$files"; exit 1; fi

clean:
	rm -rf bin/ coverage.out coverage.html cover.out *.coverprofile
