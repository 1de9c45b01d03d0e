#!/usr/bin/env bash
# The officer API against its contract (issue #17): schemathesis drives the built local stack
# (every phase: examples, coverage, fuzzing, stateful; every check) from docs/openapi.yaml, as a
# regency-wide supervisor, after seeding two submitted requests, a validated scan and a failed
# inbound message so that the routes reach real records (infra/schemathesis.toml names them). Its own emulator and stack on
# free ports, both stopped however the run ends. Called by infra/test.sh; runs alone too
# (`bash infra/contract.sh`, after `make venv`); CONTRACT_ST_ARGS adds options
# to the schemathesis run (e.g. `--phases stateful --seed N`).
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/lib.sh

# The pinned tools (moto_server, schemathesis) of `make venv`, also when run alone.
export PATH="$PWD/.venv/bin:$PATH"
st=.venv/bin/schemathesis
test -x "$st" || { echo "error: $st is missing: run make venv" >&2; exit 1; }
bin=${CARGO_TARGET_DIR:-target}/debug
cargo build --quiet -p local-stack --bin local-stack --bin seed

dir=.local/contract
rm -rf "$dir" && mkdir -p "$dir"
cleanup() {
  stop_local_stack
  stop_moto
}
trap cleanup EXIT
trap 'exit 130' INT TERM
moto_port=$(free_port)
start_moto "$moto_port" "$dir/moto.log"
export_emulator_env "$moto_port"
api_port=$(free_port)
start_local_stack "$api_port" "$dir/stack.log"
base="http://127.0.0.1:$api_port"

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Requests as the webhook leaves them once residents submitted them (KK_NEW, kecamatan 170804).
# The second resident is the spec's example resident, whom export and erasure get (the examples
# phase sends the documented example): the first request stays for the rest of the run.
"$bin/seed" ABCD-EFGH 6281311112222 >/dev/null
"$bin/seed" WXYZ-HJKM 6281234567890 >/dev/null
token=$(curl -fsS "$base/_local/token?sub=contract-supervisor&groups=supervisor&kecamatan=*" | json_field token)

# A scan uploaded through a grant, as an officer's browser does, then validated by the documents
# function from the bucket's event: the download route then has a document to serve.
pdf="$dir/scan.pdf"
printf '%%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n' >"$pdf"
grant="$dir/grant.json"
curl -fsS -X POST "$base/requests/ABCD-EFGH/documents" -H "Authorization: Bearer $token" \
  -H 'content-type: application/json' \
  -d "{\"slot\": \"marriage_book\", \"content_type\": \"application/pdf\", \"content_length\": $(stat -c %s "$pdf")}" \
  >"$grant"
document=$(json_field document_id <"$grant")
mapfile -t put_args < <(python3 - "$grant" <<'PY'
import json, sys
upload = json.load(open(sys.argv[1]))["upload"]
print(upload["url"])
for name, value in upload["headers"].items():
    print("-H")
    print(f"{name}: {value}")
PY
)
curl -fsS -X PUT --data-binary @"$pdf" "${put_args[@]:1}" "${put_args[0]}" >/dev/null
for _ in $(seq 1 100); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    "$base/requests/ABCD-EFGH/documents/$document")
  [ "$code" = 200 ] && break
  sleep 0.2
done
[ "$code" = 200 ] || { echo "error: the seeded scan was not validated (download answered $code)" >&2; exit 1; }
export CONTRACT_DOCUMENT=$document

# A failed inbound message (a number change that names no new number: failed for good), signed
# with the local app secret as Meta signs: the failed-messages routes then have one to list and
# mark handled.
python3 - "$base/webhook" "${WHATSAPP_APP_SECRET:-local-app-secret}" <<'PY'
import hashlib, hmac, json, sys, time, urllib.request
url, secret = sys.argv[1], sys.argv[2].encode()
phone = "6281311112222"
message = {"from": phone, "id": "wamid.CONTRACT.failed.1", "timestamp": str(int(time.time())),
           "type": "system", "system": {"body": "User changed number", "type": "user_changed_number"}}
body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "310000000000001", "changes": [
    {"field": "messages", "value": {"messaging_product": "whatsapp",
     "metadata": {"display_phone_number": "6282100000001", "phone_number_id": "420000000000001"},
     "contacts": [{"profile": {"name": "Warga Kontrak"}, "wa_id": phone}], "messages": [message]}}]}]}).encode()
signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
request = urllib.request.Request(url, data=body, method="POST", headers={
    "content-type": "application/json", "x-hub-signature-256": signature})
urllib.request.urlopen(request).read()
PY
failed=$(curl -fsS -H "Authorization: Bearer $token" "$base/failed-messages" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["messages"][0]["id"])')
export CONTRACT_FAILED=$failed

# The documented example of POST /requests/{ticket}/actions claims ABCD-EFGH at version 2, where
# the seeding leaves it: the examples phase then makes one officer action succeed, whatever the
# random phases reach.
version=$(curl -fsS -H "Authorization: Bearer $token" "$base/requests/ABCD-EFGH" | json_field version)
[ "$version" = 2 ] || { echo "error: the seeded request is at version $version, the spec's example claims version 2" >&2; exit 1; }

# Every check but two: API Gateway (HTTP API) answers a method that no route has with 404
# `{"message":"Not Found"}` before any function runs, never 405 with an Allow header, and the local
# stack's gateway does the same.
echo "== schemathesis (docs/openapi.yaml against the local stack on $base)"
start=$(date +%s)
status=0
"$st" --config-file infra/schemathesis.toml run docs/openapi.yaml --url "$base" \
  -H "Authorization: Bearer $token" --checks all --no-color \
  --exclude-checks unsupported_method,allow_header_conformance \
  --report junit,har --report-dir "$dir" ${CONTRACT_ST_ARGS:-} || status=$?
# What the run reached: the status codes each documented operation answered.
if .venv/bin/python - docs/openapi.yaml "$dir"/har-*.json <<'PY'
import collections, json, re, sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
operations = [(method.upper(), path, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"))
              for path, item in spec["paths"].items() for method in item]
seen = collections.defaultdict(collections.Counter)
undocumented = 0
for entry in json.load(open(sys.argv[2]))["log"]["entries"]:
    method = entry["request"]["method"]
    path = re.sub(r"^https?://[^/]+", "", entry["request"]["url"]).split("?")[0]
    match = next((p for m, p, r in operations if m == method and r.match(path)), None)
    if match is None:
        undocumented += 1
        continue
    seen[(match, method)][entry["response"]["status"]] += 1
for (path, method), codes in sorted(seen.items()):
    print(f"  {method:5} {path:42} " + " ".join(f"{c}x{n}" for c, n in sorted(codes.items())))
print(f"  and {undocumented} requests with methods no route has (404 from the gateway)")
PY
then :; else echo "(no report to summarise)"; fi
echo "schemathesis: exit $status in $(($(date +%s) - start)) s (report in $dir)"
exit $status
