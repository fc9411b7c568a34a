#!/usr/bin/env bash
# The native bridge (crates/ffi, uniffi), proved from Python:
#   1. builds the chat-token-ffi cdylib and its uniffi-bindgen (dev profile: the fastest
#      build + test overall; CARGO_TARGET_DIR=target/ffi so the wasm builds keep their lock)
#   2. generates the Python bindings in library mode into target/ffi/bindings/
#   3. runs the crate's doc test and tests/ffi/test_bridge.py (Python 3 stdlib unittest)
#   4. tests/ffi/defaults.test.mjs: the defaults are the same through every host (the core's
#      Config::default(), printed by crates/ffi/examples/core_defaults.rs; the JavaScript
#      manager in pkg/, built first if missing; the Python binding's ManagerOptions())
#   5. unless FFI_UBRN=0: generates the React Native (JSI) TypeScript + C++ with
#      uniffi-bindgen-react-native and type-checks the TypeScript with the repo's tsc, then
#      runs the same generated API (its N-API flavour) in Node: tests/ffi/ts_bindings.test.mjs
#      (the ubrn CLI is Rust: ~8 min to build once on a fresh machine, then cached)
# Ends with one line `test result: ok. N passed; 0 failed` (what scripts/test.sh counts).
# Idempotent and incremental: cargo rebuilds only what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/ffi}"
out="$CARGO_TARGET_DIR/bindings"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

command -v python3 >/dev/null || { echo "ffi.sh: python3 (3.8+) is required" >&2; exit 1; }

echo "=== ffi: cargo build -p chat-token-ffi (lib + uniffi-bindgen + the core_defaults example)"
cargo build -q -p chat-token-ffi --features bindgen --lib --bin uniffi-bindgen --example core_defaults
case "$(uname -s)" in
  Darwin) lib="$CARGO_TARGET_DIR/debug/libchat_token_ffi.dylib" ;;
  *) lib="$CARGO_TARGET_DIR/debug/libchat_token_ffi.so" ;;
esac

echo "=== ffi: uniffi-bindgen generate --library (python) -> $out"
mkdir -p "$out"
"$CARGO_TARGET_DIR/debug/uniffi-bindgen" generate --library "$lib" --language python --out-dir "$out" >/dev/null
# The generated module loads the library from its own directory.
cp -f "$lib" "$out/"

passed=0
failed=0

# Runs node --test on one file and adds its counts (Node's own summary lines are left out:
# this script prints the one total below).
node_tests() {
  local what=$1; shift
  node --test --test-reporter=spec --test-timeout=60000 "$@" >"$log" 2>&1 || true
  grep -v '^ℹ ' "$log" || true
  local p f
  p=$(awk '/^ℹ pass [0-9]+/{print $3}' "$log" | tail -1)
  f=$(awk '/^ℹ fail [0-9]+/{print $3}' "$log" | tail -1)
  echo "$what: ${p:-0} passed; ${f:-?} failed"
  passed=$((passed + ${p:-0}))
  if [ "${f:-1}" != 0 ] || [ "${p:-0}" = 0 ]; then failed=$((failed + ${f:-1})); fi
}

echo "=== ffi: cargo test --lib and --doc -p chat-token-ffi"
if cargo test -q --lib -p chat-token-ffi --features bindgen >"$log" 2>&1 && cargo test -q --doc -p chat-token-ffi --features bindgen >>"$log" 2>&1; then
  n=$(awk '/^test result: /{for(i=1;i<NF;i++) if($(i+1) ~ /^passed/) s+=$i} END{print s+0}' "$log")
  echo "unit and doc tests: $n passed"
  passed=$((passed + n))
else
  cat "$log"; failed=$((failed + 1))
fi

echo "=== ffi: python3 -m unittest tests/ffi/test_bridge.py"
if CHAT_TOKEN_FFI_BINDINGS="$out" python3 -m unittest -v tests/ffi/test_bridge.py >"$log" 2>&1; then ok=1; else ok=0; fi
cat "$log"
ran=$(awk '/^Ran [0-9]+ test/{print $2}' "$log" | tail -1)
ran=${ran:-0}
bad=$(awk -F'[=,)]' '/^FAILED \(/{for(i=1;i<=NF;i++) if($i ~ /failures|errors/) s+=$(i+1)} END{print s+0}' "$log")
if [ "$ok" = 1 ] && [ "$ran" -gt 0 ]; then
  passed=$((passed + ran))
else
  failed=$((failed + (bad > 0 ? bad : 1)))
  passed=$((passed + ran - bad))
fi

echo "=== ffi: node --test tests/ffi/defaults.test.mjs (the same defaults through Rust, JavaScript and Python)"
[ -s pkg/index.cjs ] && [ -s pkg/chat_token_manager.wasm ] || bash scripts/build.sh
CHAT_TOKEN_FFI_BINDINGS="$out" CHAT_TOKEN_CORE_DEFAULTS="$CARGO_TARGET_DIR/debug/examples/core_defaults" \
  node_tests "defaults through every host" tests/ffi/defaults.test.mjs

if [ "${FFI_UBRN:-1}" != 0 ]; then
  echo "=== ffi: uniffi-bindgen-react-native: generate TypeScript + C++, tsc --strict"
  if bash crates/ffi/react-native/check.sh "$lib"; then
    passed=$((passed + 1)); echo "react-native bindings: type-check ok"
    echo "=== ffi: node --test tests/ffi/ts_bindings.test.mjs (the generated TypeScript API, N-API flavour)"
    node_tests "typescript bindings" tests/ffi/ts_bindings.test.mjs
  else
    failed=$((failed + 1)); echo "FAILED: react-native bindings type-check" >&2
  fi
fi

if [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then
  echo "test result: ok. $passed passed; 0 failed"
else
  echo "test result: FAILED. $passed passed; $failed failed"
  exit 1
fi
