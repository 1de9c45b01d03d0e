#!/usr/bin/env bash
# `make test`: formatting, lints, template checks and every test, against an emulator on a free
# port that is stopped however the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/lib.sh

# A clone has nothing beside it: no tracked file may reach for a sibling `shared` folder (its old
# fixtures and specification now live in tests/fixtures/ and docs/product.md). The patterns are
# spelled so that this check does not match itself, so no file is excluded.
echo "== the repository stands alone"
standalone_patterns=(-e '\.\./shared' -e 'shared/[f]ixtures' -e 'shared/[S]PEC')
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  found=$(git grep -n -E "${standalone_patterns[@]}") && rc=0 || rc=$?
else
  found=$(grep -rn -E --exclude-dir=.git --exclude-dir=target --exclude-dir=.venv \
    --exclude-dir=.venv-checkov --exclude-dir=.local "${standalone_patterns[@]}" .) && rc=0 || rc=$?
fi
case $rc in
  0) printf '%s\n' "$found" >&2
     echo "error: the lines above point outside the repository (a sibling shared folder that a clone does not have)" >&2
     exit 1 ;;
  1) ;;
  *) echo "error: searching the tracked files failed" >&2; exit 1 ;;
esac

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cfn-lint template.yaml"
cfn-lint template.yaml
# Another office is one parameter (issue #20): Kabupaten Bogor.
cfn-lint template.yaml --parameters OfficeRegionCode=3201

# Every finding is either fixed in template.yaml or skipped there with its reason (Metadata:
# checkov: skip: on the resource), so any new finding fails the run. --skip-download: no
# network call to the vendor's platform (checkov works fully offline with it).
echo "== checkov template.yaml"
.venv-checkov/bin/checkov --file template.yaml --framework cloudformation --quiet --compact \
  --skip-download

# Findings of the security review that neither tool checks (MFA, access-log paths, invoke
# permissions bound to their source, the bucket's read denial, safe deployments, alarms).
echo "== template security checks"
python infra/check-template.py template.yaml

# The failed-send metric filters match log messages of the functions by their exact text:
# rewording one of those log lines would silently blind WhatsAppSendFailuresAlarm.
echo "== alarm log markers"
markers=$( (grep -oE '\$\.message = "[^"]+"' template.yaml || true; grep -oE "FilterPattern: '\"[^\"]+\"'" template.yaml || true) \
  | sed -E 's/^[^"]*"([^"]+)".*$/\1/' | sort -u)
test -n "$markers" || { echo "error: no log-message metric filter found in template.yaml" >&2; exit 1; }
while IFS= read -r marker; do
  if ! grep -rqF "\"$marker\"" functions/; then
    echo "error: template.yaml filters logs on \"$marker\", which no log line in functions/ writes" >&2
    exit 1
  fi
done <<<"$markers"

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

# The officers' console (issue #18): API types, build, size budget and browser tests, with a
# moto and a local stack of their own (infra/console-test.sh).
echo "== console"
bash infra/console-test.sh

mkdir -p .local
MOTO_PORT=$(free_port)
trap stop_moto EXIT
start_moto "$MOTO_PORT" .local/moto-test.log
export_emulator_env "$MOTO_PORT"
echo "== cargo test (emulator on 127.0.0.1:$MOTO_PORT)"
status=0
cargo test --workspace --no-fail-fast 2>&1 | tee .local/test.log || status=$?
# Its tables hold the whole run: freed before the contract run starts an emulator of its own.
stop_moto

# The officer API against docs/openapi.yaml (schemathesis, every phase and check; issue #17).
echo "== contract (schemathesis against the local stack)"
contract=passed
bash infra/contract.sh 2>&1 | tee .local/contract.log || { status=1; contract=failed; }
# One closing line for the whole run (cargo prints one per test binary, the last often a
# doc-test run with nothing in it); the contract run counts as one test.
awk -v contract="$contract" '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { if (contract == "passed") p++; else f++; printf "%d passed, %d failed\n", p, f }' .local/test.log
exit $status
