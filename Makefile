# The two commands: `make run` (the whole system locally) and `make test` (every check).
# Both install what they need into ./.venv first.

SHELL := /bin/bash
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha256sum infra/requirements.txt | cut -c1-12)
# checkov conflicts with aws-sam-cli's pins, so it has a venv of its own (never put on PATH).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell sha256sum infra/requirements-checkov.txt | cut -c1-12)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test venv venv-checkov send chat build validate fmt clippy clean-venv

run: venv
	@bash infra/run-local.sh

test: venv venv-checkov
	@bash infra/test.sh

venv: $(STAMP)

$(STAMP): infra/requirements.txt
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@echo "installing pinned tools into $(VENV) (moto, cfn-lint, cargo-lambda, aws-sam-cli)..."
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv-checkov: $(CHECKOV_STAMP)

$(CHECKOV_STAMP): infra/requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || python3 -m venv $(CHECKOV_VENV)
	@echo "installing pinned checkov into $(CHECKOV_VENV)..."
	@$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-checkov.txt
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

# Sends a signed fixture (FIXTURE=text.json) to the running local stack.
send:
	@bash infra/send-fixture.sh $(or $(FIXTURE),text.json)

# Talk to the running local stack as a resident (run `make run` in another terminal first).
chat:
	@cargo run --quiet -p local-stack --bin chat

# Release build of the three functions with SAM (see docs/deploy-notes.md for the architecture).
build: venv
	sam build --parameter-overrides Architecture=$(or $(ARCH),x86_64)

validate: venv
	cfn-lint template.yaml
	AWS_DEFAULT_REGION=ap-southeast-3 sam validate --lint

clean-venv:
	rm -rf $(VENV) $(CHECKOV_VENV)

# Load and fault-injection benchmark of the local stack (issue #6; docs/performance.md).
.PHONY: bench
bench: venv
	@bash infra/bench.sh

# Cold starts of the release binaries against a loopback Lambda Runtime API, beside a hello-world
# built with the same profile, and their zip sizes (issue #6; docs/bench/cold-start.md).
# RUNS=20 starts per binary; ARGS for more options (ARGS=--help lists them).
.PHONY: cold-start
cold-start: venv
	cargo build --release -p webhook -p status -p documents -p hello-lambda
	cargo build --quiet -p cold-start
	@bash -c 'set -euo pipefail; source infra/lib.sh; P=$$(free_port); LOG=$$(mktemp); \
	  trap "stop_moto; rm -f $$LOG" EXIT; start_moto $$P $$LOG; export_emulator_env $$P; \
	  target/debug/cold-start --runs $(or $(RUNS),20) $(ARGS)'

# Fuzzing (issue #6; docs/bench/fuzzing.md): each cargo-fuzz target for FUZZ_SECONDS (default 60),
# one after the other, on fuzz/corpus-local/<target> (gitignored; grown by every run), into which
# the seeds kept in git are copied first: fuzz/corpus/<target>, and for the envelope the webhook
# fixtures of tests/fixtures/whatsapp. Needs the nightly toolchain and
# `cargo install cargo-fuzz --locked`. Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= webhook_envelope webhook_signature conversation
.PHONY: fuzz
fuzz:
	@cargo +nightly fuzz --version >/dev/null 2>&1 || { echo "needs nightly and cargo-fuzz (cargo install cargo-fuzz --locked)"; exit 1; }
	@set -e; for t in $(FUZZ_TARGETS); do \
	  dir=fuzz/corpus-local/$$t; mkdir -p $$dir; cp fuzz/corpus/$$t/* $$dir/; \
	  if [ $$t = webhook_envelope ]; then cp tests/fixtures/whatsapp/*.json $$dir/; fi; \
	  echo "== $$t ($(FUZZ_SECONDS) s, corpus $$dir: $$(ls $$dir | wc -l) files)"; \
	  nice -n 19 cargo +nightly fuzz run $$t $$dir -- -max_total_time=$(FUZZ_SECONDS) -timeout=60; \
	done

# Every province, regency/city and kecamatan of Indonesia (issue #20): fetches the idn-area-data
# package with npm (no install, no scripts run) and regenerates functions/domain/data/regions.tsv.
# Bump IDN_AREA_DATA_VERSION and functions/domain/data/REGIONS-SOURCE.md together.
IDN_AREA_DATA_VERSION ?= 4.0.1
.PHONY: regions
regions:
	@bash -c 'set -euo pipefail; T=$$(mktemp -d); trap "rm -rf $$T" EXIT; \
	  (cd $$T && npm pack --silent idn-area-data@$(IDN_AREA_DATA_VERSION) >/dev/null && tar xzf idn-area-data-*.tgz); \
	  python3 infra/regions/refresh.py $$T/package $(IDN_AREA_DATA_VERSION)'

# Indonesia's public holidays and cuti bersama for this year and the next (issue #20), from the
# pinned holidays package in a venv of its own; YEARS="2026 2028" for another range.
HOLIDAYS_VENV := .venv-holidays
.PHONY: holidays
holidays:
	@test -x $(HOLIDAYS_VENV)/bin/python || python3 -m venv $(HOLIDAYS_VENV)
	@$(HOLIDAYS_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/holidays/requirements.txt
	@$(HOLIDAYS_VENV)/bin/python infra/holidays/refresh.py $(YEARS)

# The officers' console (console/, issue #18; docs/console.md). `make run` builds it and serves it
# at http://127.0.0.1:3000/console/; `make test` runs these checks too.
.PHONY: console console-test console-screenshots deploy-console
console:
	@bash infra/console-build.sh

# API types vs docs/openapi.yaml, size budget, browser tests in Debian's chromium (installed when
# missing) against a local stack on free ports.
console-test: venv
	@bash infra/console-test.sh

# The same tests, saving a screenshot of every page into docs/console/.
console-screenshots: venv
	@CONSOLE_SCREENSHOTS=$(CURDIR)/docs/console bash infra/console-test.sh

# Uploads the console to the deployed stack's bucket with config.json from its outputs, and
# invalidates CloudFront (STACK=<stack name>, default adminduk-wa-dev; docs/deploy-notes.md).
deploy-console: venv
	@bash infra/deploy-console.sh $(or $(STACK),adminduk-wa-dev)
