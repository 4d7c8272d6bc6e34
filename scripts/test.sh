#!/usr/bin/env bash
# The project's one test command (README and .ci/run call it): lint, type-check, then the whole
# suite on PGlite and on PostgreSQL, ending with the plain line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
[ -d node_modules ] || npm ci --no-audit --no-fund

status=0
echo "› lint (biome)";      npx biome check . || status=1
echo "› type-check (tsc: server, contract, web)";  npm run --silent typecheck || status=1

mkdir -p artifacts
rm -f artifacts/test-results.json
echo "› tests (vitest: unit, pglite, postgres)"
npx vitest run --reporter=default --reporter=json --outputFile.json=artifacts/test-results.json "$@" || status=1

node scripts/test-summary.ts artifacts/test-results.json || status=1
exit $status
