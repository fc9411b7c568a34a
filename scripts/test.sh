#!/usr/bin/env bash
# All tests, every layer, from a fresh machine: installs what is missing, builds pkg/, then
#   1. the core's native tests (cargo test -p chat-token-core)
#   2. the wasm-bindgen tests under Node
#   3. the same wasm-bindgen tests in headless Chromium
#   4. the JavaScript tests against the built package: in Node (node --test) and, the same
#      files, in headless Chromium against the browser build
#   5. the browser platform scenarios in headless Chromium (cross-tab, wake-up, offline, storage)
#   6. a fuzz smoke run of every cargo-fuzz target (seconds; skipped without nightly)
#   7. a strict TypeScript check of a consumer of the generated types
# Fails if any layer fails or runs 0 tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"

total=0
layers=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Sums "N passed" over the summary lines of cargo/wasm-bindgen-test or node --test output.
count() {
  local n
  awk '/^test result: /{for(i=1;i<NF;i++) if($(i+1) ~ /^passed/) s+=$i} /^ℹ pass [0-9]+/{s+=$3} END{print s+0}' "$log"
}
layer() {
  local name=$1; shift
  echo "=== $name: $*"
  if ! "$@" 2>&1 | tee "$log"; then echo "FAILED: $name" >&2; exit 1; fi
  local n; n=$(count)
  if [ "$n" -eq 0 ]; then echo "FAILED: $name ran 0 tests" >&2; exit 1; fi
  layers+=("$name: $n passed"); total=$((total + n))
}

layer "core (native)" cargo test -q -p chat-token-core
bash scripts/build.sh
layer "wasm (node)" wasm-pack test --node
layer "wasm (chromium)" env WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome
layer "js (node, built package)" node --test --test-reporter=spec --test-timeout=60000 --test-force-exit tests/js/
layer "size budget" node --test --test-reporter=spec tests/budget/
layer "js (chromium, browser build)" node tests/browser/suite/run.mjs
layer "browser platform (chromium)" node --test --test-reporter=spec --test-timeout=120000 --test-force-exit tests/browser/platform.test.mjs
echo "=== fuzz smoke: every fuzz target for a few seconds (bash scripts/fuzz.sh smoke)"
FUZZ_SMOKE_SECS=${FUZZ_SMOKE_SECS:-3} bash scripts/fuzz.sh smoke
layers+=("fuzz smoke: 0 crashes")
echo "=== types: tsc --strict on tests/types/consumer.ts"
tsc -p tests/types
layers+=("types: tsc --strict ok")

echo
printf '  %s\n' "${layers[@]}"
echo "total: $total passed, 0 failed"
