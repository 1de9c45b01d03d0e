#!/usr/bin/env bash
# Installs the console's pinned dependencies (npm ci, when package-lock.json changed) and builds
# console/dist when a source is newer than it. Used by make run, make test and the deploy.
set -euo pipefail
cd "$(dirname "$0")/../console"
command -v npm >/dev/null || { echo "error: the console needs Node.js 20+ and npm (apt-get install nodejs npm)" >&2; exit 1; }
stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "installing the console's pinned dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
if [ "${CONSOLE_FORCE_BUILD:-}" = 1 ] || [ ! -f dist/index.html ] || \
   [ -n "$(find src public index.html vite.config.ts tsconfig.json package-lock.json -newer dist/index.html -print -quit)" ]; then
  echo "building the console (console/dist)..."
  npm run --silent build
fi
