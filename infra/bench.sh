#!/usr/bin/env bash
# `make bench`: the load benchmark against the local stack (issue #6, docs/performance.md), on
# loopback only and bounded: a clean run, then the same crowd with faults injected. Each run
# starts a fresh moto on a free port (the emulator's transactions copy the table, so leftovers
# from one run would slow the next) and stops it however the run ends.
# BENCH_ARGS adds options (e.g. BENCH_ARGS="--residents 80 --concurrency 16").
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/lib.sh

mkdir -p .local
trap stop_moto EXIT
echo "== building load-bench (bench profile: release settings with thin LTO, see Cargo.toml)"
cargo build --profile bench --quiet -p load-bench

status=0
for mode in clean faults; do
  port=$(free_port)
  start_moto "$port" ".local/moto-bench-$mode.log"
  export_emulator_env "$port"
  flags=()
  [ "$mode" = faults ] && flags+=(--faults)
  echo "== load run: $mode"
  RUST_LOG=${RUST_LOG:-error} target/release/load-bench "${flags[@]}" ${BENCH_ARGS:-} \
    --report ".local/bench-$mode.md" || status=$?
  stop_moto
done
echo "reports: .local/bench-clean.md .local/bench-faults.md"
exit $status
