#!/usr/bin/env bash
# `make run`: moto on 127.0.0.1:${MOTO_PORT:-5000}, then the local stack on 127.0.0.1:3000.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/lib.sh

MOTO_PORT=${MOTO_PORT:-5000}
LISTEN=${LOCAL_LISTEN:-127.0.0.1:3000}
require_free_port "$MOTO_PORT" "the AWS emulator (MOTO_PORT)"
require_free_port "${LISTEN##*:}" "the local API (LOCAL_LISTEN)"

echo "building the local stack (first build compiles the AWS SDK: a few minutes)..."
cargo build --quiet -p local-stack --bin local-stack
# The officers' console at /console/ (built again when a source is newer than console/dist).
bash infra/console-build.sh

mkdir -p .local
trap stop_moto EXIT
trap 'exit 130' INT TERM
start_moto "$MOTO_PORT" .local/moto.log
export_emulator_env "$MOTO_PORT"
export LOCAL_LISTEN="$LISTEN"
echo "emulator (moto) on 127.0.0.1:$MOTO_PORT, log in .local/moto.log"
"${CARGO_TARGET_DIR:-target}"/debug/local-stack
