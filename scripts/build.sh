#!/usr/bin/env bash
# Builds the npm package into pkg/ and prints its size:
#   - the core-only wasm (src/lib.rs over crates/core; cargo release, then wasm-opt -Oz);
#   - the hand-written JS host (js/host.mjs) bundled and minified by esbuild into each entry:
#     index.mjs (browsers, bundlers), index.cjs (Node CommonJS), index.node.mjs (Node ESM);
#   - index.d.ts, package.json, README.md, and js/react.* when present.
# Incremental: cargo only rebuilds what changed; the rest takes well under a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$PWD/node_modules/.bin"
cargo build --quiet --release --target wasm32-unknown-unknown -p chat-token-abi
mkdir -p pkg
# Stale outputs of the old wasm-bindgen build, and of the UTF-8 fallback codecs (gone: no text
# is encoded for the wasm).
rm -f pkg/utf8.mjs pkg/chat_token_manager.js pkg/chat_token_manager.d.ts pkg/chat_token_manager_bg.wasm pkg/chat_token_manager_bg.wasm.d.ts pkg/.gitignore
# MVP plus the post-MVP features rustc emits by default that wasm2js can lower; no reference
# types and no multi-value in the output (the interface is i32/f64 only).
# --low-memory-unused: rust-lld puts the 1 MiB stack first (growing down to 0) and the data
# after it, so nothing lives in the low 1 KiB; wasm-opt may then fold constant offsets into
# loads and stores. --reorder-functions-by-name: functions of one module or type end up next to
# each other, which gzip compresses better (~35 B).
"$BIN/wasm-opt" -Oz --converge --ignore-implicit-traps --zero-filled-memory --low-memory-unused --reorder-functions-by-name --strip-debug --strip-producers --strip-target-features \
  --mvp-features --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals \
  --remove-exports=__data_end --remove-exports=__heap_base \
  target/wasm32-unknown-unknown/release/chat_token_abi.wasm -o pkg/chat_token_manager.wasm
# Zero the text in the wasm's data section that only Rust's panic and formatting paths refer
# to: panic messages ("index out of bounds: …"), source locations (`src/lib.rs`,
# `/rustc/<hash>/library/…`, and the 16-byte `Location`s naming them), the allocation-failure
# message and core::fmt's two-digit table.
# The module's panic handler traps without reading any of it (src/lib.rs: no message, no
# formatting) and wasm-opt has already removed the formatting code, but a data segment is kept
# whole. Zeroed (same length, same offsets) the bytes cost almost nothing gzipped (~0.45 KB
# saved). Nothing else reads them: the core formats no numbers (stored::decimal is hand-written).
node scripts/strip-panic-data.mjs
ESBUILD=(--define:CTM_ATOB=true --bundle --minify --mangle-props=^_ --target=es2020 --legal-comments=none --log-level=warning)
"$BIN/esbuild" js/index.mjs "${ESBUILD[@]}" --format=esm --platform=neutral --external:node:* --outfile=pkg/index.mjs
# esbuild drops comments: put back the ones that keep bundlers away from the Node-only fallback.
node -e '
  const fs = require("fs"); const f = "pkg/index.mjs"; const s = fs.readFileSync(f, "utf8");
  const t = s.replace(/import\("node:fs\/promises"\)/, "import(/* webpackIgnore: true */ /* @vite-ignore */ \"node:fs/promises\")");
  if (t === s) { console.error("build: the node:fs/promises import was not found in pkg/index.mjs"); process.exit(1); }
  fs.writeFileSync(f, t);'
# The wasm-bindgen TokenManager (src/, over the same core): wasm-pack writes the module and its
# glue; the Node entries use it (the browser and React Native entries still use the numeric ABI
# and js/host.mjs until the port of issue 13 reaches them).
PATH="$BIN:$PATH" wasm-pack --quiet build --release --target web --out-dir target/wasm-pack/web --no-pack
test -s target/wasm-pack/web/chat_token_manager_bg.wasm
cp target/wasm-pack/web/chat_token_manager_bg.wasm pkg/
"$BIN/esbuild" js/node.mjs --inject:js/node-text.mjs --bundle --minify --target=es2022 --legal-comments=none --log-level=error --format=cjs --platform=node --outfile=pkg/index.cjs
# A second pass by terser over esbuild's output: its compressor (3 passes) and its mangler
# (names by frequency) take another ~0.3 KB gzip off each entry. esbuild keeps doing what
# terser does not: bundling, the defines and `--mangle-props=^_`. The two bundler comments
# are kept.
TERSER=(--compress passes=3 --mangle --comments '/webpackIgnore|vite-ignore/')
"$BIN/terser" pkg/index.mjs --module "${TERSER[@]}" -o pkg/index.mjs
"$BIN/terser" pkg/index.cjs --toplevel "${TERSER[@]}" -o pkg/index.cjs
cp js/index.node.mjs pkg/
# The React entry: react.mjs as written, and react.cjs (require, Jest) generated from it.
cp js/react.mjs js/react.d.ts pkg/
cp js/react.d.ts pkg/react.d.cts
"$BIN/esbuild" js/react.mjs --format=cjs --target=es2020 --platform=neutral --log-level=warning --outfile=pkg/react.cjs
cp js/package.json pkg/package.json
cp README.md pkg/README.md
# React Native (Hermes, no WebAssembly): the same wasm through wasm2js with the same host.
node scripts/build-native.mjs
# The package's types: generated by wasm-bindgen from the Rust source (src/lib.rs: the class,
# and the interfaces of its options and outputs), plus the declaration of the entries' init().
# The same types as .d.cts for `require` (TypeScript reads a .d.ts in a "type": "module"
# package as ESM, and a CommonJS consumer under node16 resolution then fails with TS1479).
{
  echo '// Types of chat-token-manager, generated by wasm-bindgen from src/lib.rs (and js/init.d.ts).'
  grep -v '^/\* @ts-self-types\|^/\* tslint:disable \*/$\|^/\* eslint-disable \*/$' target/native/wbg/chat_token_manager.d.ts
  cat js/init.d.ts
} > pkg/index.d.ts
cp pkg/index.d.ts pkg/index.d.cts
node scripts/size.mjs
