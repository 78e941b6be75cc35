#!/usr/bin/env bash
# Everything `make test` checks of the CDK app, offline: dependencies (npm ci, only when
# package-lock.json changed), compile, tests, synth and cfn-lint. Prints each step's time.
#
# The synth uses placeholder Lambda code (-c placeholderCode=true), so it needs no Rust build
# and never depends on what happens to be in target/lambda; `make synth` uses the real binaries.
# Environment: VENV (default ../.venv) holds cfn-lint, installed from tools/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-../.venv}

# The CDK offline: no version check, no telemetry, no credential or metadata lookups.
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
export CDK_DEFAULT_ACCOUNT=111111111111 CDK_DEFAULT_REGION=us-east-1
# A deprecated CDK API is an error here, not a line scrolling by.
export JSII_DEPRECATED=fail

step() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  printf 'cdk: %s took %ss\n' "$name" $((SECONDS - start))
}

install() {
  # npm ci again only when the lock file differs from the one installed (a copy kept beside it).
  local installed=node_modules/.ccwb-package-lock.json
  if [[ -f $installed ]] && cmp -s package-lock.json "$installed"; then
    return
  fi
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$installed"
}

compile() {
  rm -rf dist
  node_modules/.bin/tsc -p .
}

unit_tests() {
  node --test --test-reporter=spec dist/test/all.js
}

synth() {
  rm -rf cdk.out
  # --strict: a warning annotation fails the synth, like an unacknowledged cdk-nag finding does.
  node_modules/.bin/cdk synth --strict --no-notices --quiet \
    -c issuer=https://issuer.example.com -c audience=ccwb-check -c placeholderCode=true \
    -c bedrockRegions=us-east-1,us-west-2
}

lint() {
  if [[ ! -x $VENV/bin/cfn-lint ]]; then
    echo "cdk: $VENV/bin/cfn-lint not found; install it with: $VENV/bin/pip install -r ../tools/requirements.txt" >&2
    return 1
  fi
  # W3005 (DependsOn also implied by a GetAtt) is how CDK writes every Lambda function.
  # Every stack's template: Auth, Analytics and Quota.
  "$VENV/bin/cfn-lint" --ignore-checks W3005 -- cdk.out/*.template.json
}

step 'npm ci' install
step tsc compile
step tests unit_tests
step synth synth
step cfn-lint lint
