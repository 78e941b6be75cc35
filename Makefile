# The commands people type. `make help` lists them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

MOTO_PORT ?= 4566
CCWB_LOCAL_PORT ?= 8787
STATE_DIR ?= .ccwb-local
VENV := .venv
PYTHON ?= python3
MOTO := $(VENV)/bin/moto_server
ENDPOINT := http://127.0.0.1:$(CCWB_LOCAL_PORT)
MOTO_URL := http://127.0.0.1:$(MOTO_PORT)

# Local AWS: moto accepts any credentials; never let a developer's real ones near it.
LOCAL_AWS_ENV := AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	AWS_SESSION_TOKEN= AWS_PROFILE= AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
	AWS_EC2_METADATA_DISABLED=true

.PHONY: help run stop build prerequisites test lint fmt bench clean build-lambdas synth deploy destroy

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(MOTO): tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $(MOTO)

build: ## Build every binary (debug)
	cargo build --workspace --bins

run: $(MOTO) build ## Start moto and ccwb-local (with the dev issuer) in the background
	@mkdir -p $(STATE_DIR)
	@if curl -fs -o /dev/null $(MOTO_URL)/moto-api/; then \
		echo "moto already answers on $(MOTO_URL)"; \
	else \
		nohup tools/moto-server -H 127.0.0.1 -p $(MOTO_PORT) > $(STATE_DIR)/moto.log 2>&1 & echo $$! > $(STATE_DIR)/moto.pid; \
		for i in $$(seq 1 100); do curl -fs -o /dev/null $(MOTO_URL)/moto-api/ && break; sleep 0.2; done; \
		curl -fs -o /dev/null $(MOTO_URL)/moto-api/ || { echo "moto did not start: see $(STATE_DIR)/moto.log"; exit 1; }; \
		echo "moto started on $(MOTO_URL)"; \
	fi
	@if [ -f $(STATE_DIR)/ccwb-local.pid ] && kill -0 $$(cat $(STATE_DIR)/ccwb-local.pid) 2>/dev/null; then \
		kill $$(cat $(STATE_DIR)/ccwb-local.pid); sleep 0.5; \
	fi
	@$(LOCAL_AWS_ENV) nohup target/debug/ccwb-local serve --dev-issuer --stacks \
		--port $(CCWB_LOCAL_PORT) --aws-endpoint $(MOTO_URL) --state-dir $(STATE_DIR) \
		> $(STATE_DIR)/ccwb-local.log 2>&1 & echo $$! > $(STATE_DIR)/ccwb-local.pid
	@for i in $$(seq 1 150); do curl -fs -o /dev/null $(ENDPOINT)/healthz && break; \
		kill -0 $$(cat $(STATE_DIR)/ccwb-local.pid) 2>/dev/null || break; sleep 0.2; done
	@curl -fs -o /dev/null $(ENDPOINT)/healthz || { echo "ccwb-local did not start:"; tail -n 20 $(STATE_DIR)/ccwb-local.log; exit 1; }
	@echo
	@echo "ccwb local stack is up: API $(ENDPOINT), AWS (moto) $(MOTO_URL). Logs in $(STATE_DIR)/."
	@echo
	@echo "Get a token (add --groups ccwb-admins for an administrator):"
	@echo "  export CCWB_ENDPOINT=$(ENDPOINT)"
	@echo "  export CCWB_TOKEN=\$$(target/debug/ccwb-local token --email you@example.com --groups ccwb-admins)"
	@echo "Then:"
	@echo "  curl -H \"Authorization: Bearer \$$CCWB_TOKEN\" $(ENDPOINT)/me"
	@echo "  target/debug/ccwb whoami"
	@echo
	@echo "Dashboard: tools/demo-telemetry.sh sends sample usage and prints the /dashboard address."
	@echo "Developer machines: see the README's credential-process section."
	@echo
	@echo "Stop everything with: make stop"

stop: ## Stop what `make run` started
	@for name in ccwb-local moto; do \
		pid_file=$(STATE_DIR)/$$name.pid; \
		if [ -f $$pid_file ]; then \
			kill $$(cat $$pid_file) 2>/dev/null && echo "stopped $$name" || echo "$$name was not running"; \
			rm -f $$pid_file; \
		fi; \
	done

lint: ## cargo fmt --check and clippy with warnings as errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

prerequisites: ## Check (and install what it can of) what `make test` needs beyond Rust
	@tools/prerequisites.sh

test: prerequisites $(MOTO) lint ## Every check and test (what CI runs): Rust, end to end, CDK offline
	VENV=$(abspath $(VENV)) cdk/check.sh
	cargo build --workspace --bins
	cargo test --workspace

# Deployment: Lambda builds and the CDK app in cdk/ (see the README's "Deploying to AWS").
LAMBDA_PACKAGES := ccwb-check ccwb-admin ccwb-unblock ccwb-ingest ccwb-status ccwb-sweeper ccwb-distribution ccwb-widgets ccwb-meter
CDK = cd cdk && CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true node_modules/.bin/cdk
CDK_CONTEXT = $(if $(ISSUER),-c issuer=$(ISSUER)) $(if $(AUDIENCE),-c audience=$(AUDIENCE)) $(if $(STACK),-c stackName=$(STACK))
CDK_DEPS := cdk/node_modules/.ccwb-package-lock.json

$(CDK_DEPS): cdk/package-lock.json
	cd cdk && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.ccwb-package-lock.json

$(VENV)/bin/cargo-lambda: $(MOTO) tools/requirements-deploy.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements-deploy.txt
	touch $@

build-lambdas: $(VENV)/bin/cargo-lambda ## Size-optimised release builds of the Lambdas into target/lambda/ (arm64 if its Rust target is installed, else x86_64)
	@if rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then arch=--arm64; else arch=--x86-64; fi; \
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo lambda build --profile lambda $$arch $(addprefix -p ,$(LAMBDA_PACKAGES)); \
	echo "built $${arch#--} Lambda binaries in target/lambda/"

synth: $(CDK_DEPS) ## Synthesise the stacks from target/lambda/ into cdk/cdk.out (ISSUER=, AUDIENCE=, STACK=)
	$(CDK) synth --strict --no-notices --quiet $(CDK_CONTEXT)

deploy: build-lambdas $(CDK_DEPS) ## Deploy both stacks with your AWS credentials (ISSUER=, AUDIENCE=, STACK=)
	$(CDK) deploy --all --no-notices $(CDK_CONTEXT)

destroy: $(CDK_DEPS) ## Delete the stacks (asks first; protected tables and buckets stay)
	$(CDK) destroy --all --no-notices $(CDK_CONTEXT)

bench: $(MOTO) ## Benchmarks (release build), printed as numbers
	cargo build --release -p ccwb-local -p ccwb-check -p ccwb-meter -p ccwb -p credential-process -p ccwb-e2e --bins
	target/release/ccwb-bench

clean: stop ## Remove build output and local state
	cargo clean
	rm -rf $(STATE_DIR)
