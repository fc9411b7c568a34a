#!/usr/bin/env bash
# All tests, every layer, from a fresh machine: installs what is missing, builds pkg/, then
#   1. the core's native tests (cargo test -p chat-token-core)
#   2. the wasm-bindgen TokenManager's own tests (tests/web.rs, tests/cross_tab.rs) under Node
#      and in headless Chromium (wasm-pack test)
#   3. the JavaScript tests (tests/js) against the built package in Node, 4. the size budget,
#   5. the same tests/js files in headless Chromium against pkg/index.mjs
#   6. the browser platform scenarios in headless Chromium (cross-tab, wake-up, offline, storage)
#   7. React Native: the scenarios under the real Hermes binary, and tests/js against the
#      wasm2js build of the wasm-bindgen module (pkg/index.native.js)
#   8. the demo: backend security, the CometChat emulator with the real CometChat SDK, the React
#      entry, and the end-to-end run of the demo page in headless Chromium (tests/www)
#   9. the packed tarball in every bundler and runtime (Vite, webpack, Next.js, Node ESM/CJS,
#      Vitest, Jest, tsc) (tests/bundlers)
#  10. the native bridge (crates/ffi, uniffi): Python bindings + the React Native TypeScript
#  11. a fuzz smoke run of every cargo-fuzz target (seconds; skipped without nightly)
#  12. a strict TypeScript check of a consumer of the package's types
# Fails if any layer fails or runs 0 tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$SECONDS
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"

total=0
layers=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Sums "N passed" over the summary lines of cargo/wasm-bindgen-test or node --test output.
count() {
  awk '/^test result: /{for(i=1;i<NF;i++) if($(i+1) ~ /^passed/) s+=$i} /^ℹ pass [0-9]+/{s+=$3} END{print s+0}' "$log"
}
layer() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== $name: $*"
  if ! "$@" 2>&1 | tee "$log"; then echo "FAILED: $name" >&2; exit 1; fi
  local n; n=$(count)
  if [ "$n" -eq 0 ]; then echo "FAILED: $name ran 0 tests" >&2; exit 1; fi
  layers+=("$name: $n passed ($((SECONDS - t0)) s)"); total=$((total + n))
}

layer "core (native)" cargo test -q -p chat-token-core
bash scripts/build.sh
# The demo's dependencies (www/ links chat-token-manager from ../pkg, so after the build).
if [ ! -d www/node_modules ] || [ www/package-lock.json -nt www/node_modules/.package-lock.json ]; then
  npm ci --prefix www --no-audit --no-fund --loglevel=error
fi
layer "wasm TokenManager (node)" wasm-pack test --node
layer "wasm TokenManager (chromium)" env WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome
layer "js (node)" node --test --test-reporter=spec --test-timeout=60000 --test-force-exit tests/js/
layer "size budget" node --test --test-reporter=spec tests/budget/
layer "js (chromium, pkg/index.mjs)" node tests/browser/suite/run.mjs
layer "browser platform (chromium)" node --test --test-reporter=spec --test-timeout=120000 --test-force-exit tests/browser/platform.test.mjs
layer "react native (hermes + wasm2js build)" bash scripts/hermes.sh
layer "demo (backend, emulator + real CometChat SDK, React, e2e)" node --test --test-reporter=spec --test-timeout=180000 --test-force-exit --test-concurrency=1 tests/www/
layer "bundlers (packed tarball)" bash scripts/bundlers.sh
layer "native bridge (uniffi: python, react-native typescript)" bash scripts/ffi.sh
echo "=== fuzz smoke: every fuzz target for a few seconds (bash scripts/fuzz.sh smoke)"
FUZZ_SMOKE_SECS=${FUZZ_SMOKE_SECS:-3} bash scripts/fuzz.sh smoke
layers+=("fuzz smoke: 0 crashes")
echo "=== types: tsc --strict on tests/types/consumer.ts"
tsc -p tests/types
layers+=("types: tsc --strict ok")

echo
printf '  %s\n' "${layers[@]}"
echo "total: $total passed, 0 failed ($(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s)"
