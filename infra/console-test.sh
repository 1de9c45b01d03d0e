#!/usr/bin/env bash
# The officers' console (console/, issue #18): its API types against docs/openapi.yaml, its build,
# its size budget, and its browser tests in headless Chromium against a local stack of its own
# (moto and the stack on free ports, both stopped however the run ends).
# CONSOLE_SCREENSHOTS=<dir> also saves a screenshot of every page there (make console-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/lib.sh

# Debian's chromium: Playwright's own browser builds cannot be downloaded here.
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
bash infra/console-build.sh

echo "== console: API types match docs/openapi.yaml"
(cd console && npm run --silent check:api)

echo "== console: size budget"
(cd console && node scripts/budget.mjs)

cargo build --quiet -p local-stack --bin local-stack
mkdir -p .local
CONSOLE_MOTO_PORT=$(free_port)
CONSOLE_STACK_PORT=$(free_port)
cleanup() { stop_local_stack; stop_moto; }
trap cleanup EXIT
start_moto "$CONSOLE_MOTO_PORT" .local/moto-console.log
export_emulator_env "$CONSOLE_MOTO_PORT"
CONSOLE_DIR=console/dist TABLE_NAME=adminduk-console BUCKET_NAME=adminduk-console-documents \
  start_local_stack "$CONSOLE_STACK_PORT" .local/stack-console.log

echo "== console: browser tests (chromium, stack on 127.0.0.1:$CONSOLE_STACK_PORT)"
start=$(date +%s)
(cd console && CONSOLE_URL="http://127.0.0.1:$CONSOLE_STACK_PORT/console/" npx playwright test)
echo "console browser tests took $(( $(date +%s) - start )) s"
