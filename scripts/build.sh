#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, wasm-opt -Oz) and prints its size.
# Incremental: cargo and wasm-pack only redo what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"   # wasm-pack picks up binaryen's wasm-opt from here
wasm-pack --quiet build --release --target nodejs --out-dir pkg 2>&1 | grep -v 'failed to get wasm-pack version' || true
test -f pkg/chat_token_manager_bg.wasm
# The package's entry: the generated glue plus js/index.cjs (Symbol.dispose → dispose()).
cp js/index.cjs pkg/index.cjs
node -e '
  const fs = require("fs"); const p = "pkg/package.json"; const j = JSON.parse(fs.readFileSync(p));
  j.main = "index.cjs"; j.files = [...new Set([...(j.files || []), "index.cjs"])];
  fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n");'
# The browser build (ES module glue + js/web.mjs) for the Chromium tests, outside the shipped package.
wasm-pack --quiet build --release --target web --out-dir target/pkg-web 2>&1 | grep -v 'failed to get wasm-pack version' || true
cp js/web.mjs target/pkg-web/web.mjs
node scripts/size.mjs
