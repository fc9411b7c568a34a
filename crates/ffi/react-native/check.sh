#!/usr/bin/env bash
# Generates the React Native (JSI) bindings of crates/ffi with uniffi-bindgen-react-native —
# the TypeScript API and the C++ that registers it with Hermes — and type-checks the
# TypeScript (plus consumer.ts, an app's use of it, with @ts-expect-error misuse cases) with
# the repo's tsc. Usage: check.sh <path to libchat_token_ffi.so>. Called by scripts/ffi.sh.
# Idempotent: npm ci only when node_modules is missing; the ubrn CLI (Rust, ~8 min on 2
# cores the first time) is built once into target/ffi-ubrn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
lib="${1:?usage: check.sh <libchat_token_ffi.so>}"
out="$root/target/ffi/rn"
cd "$here"
[ -d node_modules/uniffi-bindgen-react-native ] || npm ci --no-audit --no-fund --loglevel=error
ubrn_target="$root/target/ffi-ubrn"
CARGO_TARGET_DIR="$ubrn_target" cargo build -q \
  --manifest-path node_modules/uniffi-bindgen-react-native/crates/ubrn_cli/Cargo.toml
rm -rf "$out"
# ubrn reads the crate's metadata with `cargo metadata` from the working directory.
(cd "$root" && "$ubrn_target/debug/uniffi-bindgen-react-native" generate jsi bindings --library --no-format \
  --ts-dir "$out/ts" --cpp-dir "$out/cpp" "$lib")
for f in ts/chat_token_ffi.ts ts/chat_token_ffi-ffi.ts cpp/chat_token_ffi.cpp cpp/chat_token_ffi.hpp; do
  [ -s "$out/$f" ] || { echo "check.sh: ubrn did not generate $f" >&2; exit 1; }
done
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "generated $(wc -c <"$out/ts/chat_token_ffi.ts") bytes of TypeScript and $(wc -c <"$out/cpp/chat_token_ffi.cpp") bytes of C++ in $out; tsc --strict: ok"
