#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, wasm-opt -Oz) and prints its size.
# Incremental: cargo and wasm-pack only redo what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"   # wasm-pack picks up binaryen's wasm-opt from here
wasm-pack --quiet build --release --target nodejs --out-dir pkg 2>&1 | grep -v 'failed to get wasm-pack version' || true
test -f pkg/chat_token_manager_bg.wasm
node scripts/size.mjs
