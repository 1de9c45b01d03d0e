#!/usr/bin/env bash
# Signs a WhatsApp fixture with the local app secret and POSTs it to the local webhook.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-text.json}
file=$name
[ -f "$file" ] || file="tests/fixtures/whatsapp/$name"
[ -f "$file" ] || { echo "no fixture $name" >&2; exit 1; }
secret=${WHATSAPP_APP_SECRET:-local-app-secret}
url=${WEBHOOK_URL:-http://127.0.0.1:3000/webhook}
sig=$(openssl dgst -sha256 -hmac "$secret" -hex < "$file" | sed 's/^.*= //')
curl -sS -i -X POST "$url" -H 'content-type: application/json' \
  -H "x-hub-signature-256: sha256=$sig" --data-binary @"$file"
echo
