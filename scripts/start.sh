#!/usr/bin/env bash
# Quick start: installs what the server needs (Node 24 if this machine's Node is older, npm packages)
# and runs `squad serve` on the embedded defaults (PGlite in ./.squad/data, http://127.0.0.1:8000).
# Extra arguments go to `squad serve` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "› installing dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node packages/server/bin/squad.js serve "$@"
