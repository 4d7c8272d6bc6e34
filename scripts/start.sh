#!/usr/bin/env bash
# Quick start: installs what the server needs (Node 24 if this machine's Node is older, npm packages,
# the web app's build) and runs `squad serve` on the embedded defaults (PGlite in ./.squad/data,
# http://127.0.0.1:8000). Each set-up step is shown as a stage with its time, like the server's own.
# Extra arguments go to `squad serve` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."

_ms() { date +%s%3N; }
# A stage line in the server's format: "  ✓ name   1234 ms  note".
_stage() { printf '  %s %-16s %6d ms%s\n' "$1" "$2" "$(($(_ms) - $3))" "${4:+  $4}" >&2; }

began=$(_ms)
echo "Setting up: Node, npm packages, the web app (the first start takes about half a minute)" >&2

t=$(_ms)
source scripts/ensure-node.sh
case "$(command -v node)" in
  "$PWD"/.squad/toolchain/*) where='from .squad/toolchain' ;;
  *) where="from $(command -v node)" ;;
esac
_stage ✓ node "$t" "$(node --version) $where"

t=$(_ms)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "  › npm ci…" >&2
  # The web build is the next stage, timed on its own.
  SQUAD_SKIP_WEB_BUILD=1 npm ci --no-audit --no-fund --loglevel=error
  _stage ✓ "npm ci" "$t" "node_modules installed"
else
  _stage ✓ "npm packages" "$t" "up to date"
fi

t=$(_ms)
if [ "${SQUAD_SKIP_WEB_BUILD:-}" = 1 ]; then
  _stage ✓ "web app" "$t" "skipped (SQUAD_SKIP_WEB_BUILD=1)"
else
  web=$(node --input-type=module -e "
    const web = await import('./packages/web/scripts/ensure-built.ts')
    if (web.isBuilt()) console.log('up to date')
    else {
      process.stderr.write('  › building the web app (vite build)…\n')
      console.log(web.ensureBuilt({ quiet: true }) ? 'built packages/web/dist' : 'failed')
    }")
  if [ "$web" = failed ]; then
    _stage ✗ "web app" "$t" "the build failed (above); the API still works. Retry: npm run build:web"
  else
    _stage ✓ "web app" "$t" "$web"
  fi
fi
printf '  set up in %s s\n\n' "$(awk -v ms="$(($(_ms) - began))" 'BEGIN { printf "%.2f", ms / 1000 }')" >&2

exec node packages/server/bin/squad.js serve "$@"
