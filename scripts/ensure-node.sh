#!/usr/bin/env bash
# Source this file: it puts the Node.js that package.json's `engines.node` asks for (the one place the
# minimum is said) first on PATH. This machine's own Node may be older (20 is past end of life), so when
# the Node on PATH is too old we install the npm registry's `node` package (a plain Linux binary) into
# .squad/toolchain, once. `bin/squad` uses that Node by itself when the shell's is older.
_squad_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_squad_toolchain="$_squad_root/.squad/toolchain"
_squad_min="$(sed -n 's/.*"node": *">=\([0-9][0-9]*\).*/\1/p' "$_squad_root/package.json" | head -n 1)"
_squad_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$_squad_toolchain/node_modules/.bin/node" ]; then
  export PATH="$_squad_toolchain/node_modules/.bin:$PATH"
fi
if [ "$(_squad_node_major)" -lt "$_squad_min" ]; then
  echo "› Node $(node --version 2>/dev/null || echo 'missing') is too old; installing Node $_squad_min into .squad/toolchain (once)…" >&2
  mkdir -p "$_squad_toolchain"
  npm install --silent --no-save --no-audit --no-fund --prefix "$_squad_toolchain" "node@$_squad_min" >&2 \
    || { echo "✗ could not install Node $_squad_min from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  export PATH="$_squad_toolchain/node_modules/.bin:$PATH"
fi
unset -f _squad_node_major
unset _squad_min
