#!/usr/bin/env bash
# Proves the npm package in every bundler and runtime, installed from its packed tarball as a
# user would install it:
#   1. `npm pack` pkg/ into target/bundlers/ (builds pkg/ first if it is missing);
#   2. installs the test apps' tools from tests/bundlers/package-lock.json, only when the lock
#      changed since the last install: a clean install of exactly the locked tree (`npm ci` itself
#      refuses this lock: the registry mirror has no macOS/Windows builds of @next/swc and
#      @unrs/resolver, so the lock cannot list them; `npm install --no-save` installs the same
#      tree and never rewrites the lock);
#   3. installs the tarball into tests/bundlers/node_modules (`npm install --no-save <tgz>`);
#   4. runs tests/bundlers/bundlers.test.mjs, one test per target: Node ESM, Node CommonJS,
#      Vitest (node, jsdom), Jest (node, jsdom), Vite dev and build, webpack 5, Next.js (Turbopack,
#      webpack), and tsc --strict on a consumer with moduleResolution "bundler" and "node16".
# BUNDLERS_PKG=<dir> packs another package directory instead of pkg/.
# Extra arguments go to `node --test` (e.g. --test-name-pattern=webpack).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PKG_DIR=${BUNDLERS_PKG:-pkg}
APPS=tests/bundlers
OUT=target/bundlers
say() { printf '[bundlers] %s\n' "$*"; }
ms() { echo "$(( $(date +%s%N) / 1000000 ))"; }

# Chromium, and typescript + playwright-core in the root node_modules (idempotent, <1 s when done).
bash scripts/setup.sh
if [ "$PKG_DIR" = pkg ] && [ ! -f pkg/index.mjs ]; then
  say "pkg/ is missing: bash scripts/build.sh"
  bash scripts/build.sh
fi

mkdir -p "$OUT"
t0=$(ms)
rm -f "$OUT"/chat-token-manager-*.tgz
tgz=$(npm pack --silent --pack-destination "$OUT" "./$PKG_DIR" | tail -1)
tgz="$ROOT/$OUT/$tgz"
say "packed $(basename "$tgz") ($(du -k "$tgz" | cut -f1) KB): $(tar -tzf "$tgz" | sed 's#^package/##' | sort | tr '\n' ' ')"

t1=$(ms)
lock_hash=$(sha256sum "$APPS/package-lock.json" | cut -d' ' -f1)
stamp="$APPS/node_modules/.bundlers-lock-sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  say "installing the apps' tools from $APPS/package-lock.json"
  rm -rf "$APPS/node_modules"
  (cd "$APPS" && npm install --no-save --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$stamp"
fi
t2=$(ms)
# A fresh copy of the tarball every run (same name and version, new contents).
rm -rf "$APPS/node_modules/chat-token-manager"
(cd "$APPS" && npm install --no-save --no-audit --no-fund --loglevel=error "$tgz")
echo "$lock_hash" > "$stamp"
t3=$(ms)
say "times: pack $((t1 - t0)) ms, tools $((t2 - t1)) ms, tarball install $((t3 - t2)) ms"

node --test --test-reporter=spec --test-timeout=300000 --test-force-exit "$@" "$APPS/bundlers.test.mjs"
