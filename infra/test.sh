#!/usr/bin/env bash
# `make test`: formatting, lints, template checks and every test, against an emulator on a free
# port that is stopped however the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/lib.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cfn-lint template.yaml"
cfn-lint template.yaml

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

mkdir -p .local
MOTO_PORT=$(free_port)
trap stop_moto EXIT
start_moto "$MOTO_PORT" .local/moto-test.log
export_emulator_env "$MOTO_PORT"
echo "== cargo test (emulator on 127.0.0.1:$MOTO_PORT)"
cargo test --workspace
