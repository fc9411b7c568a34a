#!/usr/bin/env bash
# The React Native layer: pkg/index.native.js (the wasm-bindgen module through wasm2js, no WebAssembly)
#   1. the SDK's scenarios under the real `hermes` binary (tests/hermes/run.mjs);
#   2. the whole JS suite (tests/js/) in Node with `chat-token-manager` resolved to that same
#      file, so the translated core meets every expectation the WebAssembly one does.
# Installs the Hermes CLI from tests/hermes/package-lock.json when missing or when the lock
# changed, and (re)builds pkg/index.native.js when it is missing or older than its inputs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -f tests/hermes/node_modules/hermes-engine-cli/package.json ] || [ ! -f tests/hermes/node_modules/metro/package.json ] || [ tests/hermes/package-lock.json -nt tests/hermes/node_modules/.package-lock.json ]; then
  echo "[hermes] installing hermes-engine-cli, metro (npm ci --prefix tests/hermes)"
  npm ci --prefix tests/hermes --no-audit --no-fund --loglevel=error
fi
stale=0
if [ ! -f pkg/index.native.js ]; then
  stale=1
else
  for f in src/*.rs crates/core/src/*.rs Cargo.toml Cargo.lock js/native*.mjs scripts/build.sh scripts/build-native.mjs; do
    if [ -e "$f" ] && [ "$f" -nt pkg/index.native.js ]; then stale=1; fi
  done
fi
if [ "$stale" = 1 ]; then bash scripts/build.sh; fi

echo "=== hermes: scenarios under the Hermes binary (tests/hermes/run.mjs)"
node --test --test-reporter=spec --test-timeout=120000 --test-force-exit tests/hermes/run.mjs
echo "=== hermes: tests/js/ against pkg/index.native.js (wasm2js) in Node"
node --import ./tests/hermes/node-suite/register.mjs --test --test-reporter=spec --test-timeout=60000 --test-force-exit tests/js/
