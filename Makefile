# The two commands: `make run` (the whole system locally) and `make test` (every check).
# Both install what they need into ./.venv first.

SHELL := /bin/bash
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha256sum infra/requirements.txt | cut -c1-12)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test venv send chat build validate fmt clippy clean-venv

run: venv
	@bash infra/run-local.sh

test: venv
	@bash infra/test.sh

venv: $(STAMP)

$(STAMP): infra/requirements.txt
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@echo "installing pinned tools into $(VENV) (moto, cfn-lint, cargo-lambda, aws-sam-cli)..."
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

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
	rm -rf $(VENV)
