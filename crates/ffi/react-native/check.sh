#!/usr/bin/env bash
# Generates the React Native (JSI) bindings of crates/ffi with uniffi-bindgen-react-native —
# the TypeScript API and the C++ that registers it with Hermes — and type-checks the
# TypeScript (plus consumer.ts, an app's use of it, with @ts-expect-error misuse cases) with
# the repo's tsc; then generates the N-API flavour of the same bindings and compiles it for
# Node (tests/ffi/ts_bindings.test.mjs runs it). Usage: check.sh <path to libchat_token_ffi.so>. Called by scripts/ffi.sh.
# Idempotent: npm ci only when node_modules is missing; the ubrn CLI (Rust, ~8 min on 2
# cores the first time) is built once per machine into ~/.cache/chat-token-manager/ffi-ubrn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
lib="${1:?usage: check.sh <libchat_token_ffi.so>}"
out="$root/target/ffi/rn"
cd "$here"
[ -d node_modules/uniffi-bindgen-react-native ] || npm ci --no-audit --no-fund --loglevel=error
# Built once per machine (like `cargo install`), outside the clone, so a fresh checkout reuses it.
ubrn_target="${UBRN_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-token-manager/ffi-ubrn}"
# The npm package ships no Cargo.lock: use the one this check was verified with.
[ -f node_modules/uniffi-bindgen-react-native/Cargo.lock ] || cp ubrn.Cargo.lock node_modules/uniffi-bindgen-react-native/Cargo.lock
CARGO_TARGET_DIR="$ubrn_target" cargo build -q \
  --manifest-path node_modules/uniffi-bindgen-react-native/crates/ubrn_cli/Cargo.toml
rm -rf "$out"
# ubrn reads the crate's metadata with `cargo metadata` from the working directory.
(cd "$root" && "$ubrn_target/debug/uniffi-bindgen-react-native" generate jsi bindings --library --no-format \
  --ts-dir "$out/ts" --cpp-dir "$out/cpp" "$lib")
# One module per uniffi crate: the bridge (chat_token_ffi) and the core's types it hands over
# (chat_token_core).
for module in chat_token_ffi chat_token_core; do
  for f in "ts/$module.ts" "ts/$module-ffi.ts" "cpp/$module.cpp" "cpp/$module.hpp"; do
    [ -s "$out/$f" ] || { echo "check.sh: ubrn did not generate $f" >&2; exit 1; }
  done
done
"$root/node_modules/.bin/tsc" -p tsconfig.json
tsc_ok="generated $(cat "$out"/ts/*.ts | wc -c) bytes of TypeScript and $(cat "$out"/cpp/*.cpp | wc -c) bytes of C++ in $out; tsc --strict: ok"

# The same generator's N-API flavour: the API layer React Native gets, over @ubjs/node
# (libffi) instead of JSI, so Node can run it against the library (tests/ffi/ts_bindings.test.mjs).
napi="$root/target/ffi/napi"
rm -rf "$napi"
(cd "$root" && "$ubrn_target/debug/uniffi-bindgen-react-native" generate napi bindings --no-format \
  --library "$(realpath "$lib")" --lib-absolute --ts-dir "$napi")
"$root/node_modules/.bin/tsc" -p tsconfig.napi.json
# Node's ESM loader needs file extensions on relative imports.
sed -i -E "s#from (['\"])\./([A-Za-z0-9_-]+)(['\"])#from \1./\2.js\3#" "$napi"/out/*.js
echo '{"type":"module"}' >"$napi/out/package.json"
# The runtime the generator was built with (the ubrn package bundles @ubjs/core 0.31.0-5;
# npm has only 0.31.0-3, which does not match the generated code).
mkdir -p "$napi/node_modules/@ubjs"
ln -sfn "$here/node_modules/uniffi-bindgen-react-native/typescript" "$napi/node_modules/@ubjs/core"
ln -sfn "$here/node_modules/@ubjs/node" "$napi/node_modules/@ubjs/node"
echo "$tsc_ok"
echo "N-API bindings compiled to $napi/out"
