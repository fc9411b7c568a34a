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
cargo build --quiet --release --target wasm32-unknown-unknown -p chat-token-manager
mkdir -p pkg
# Stale outputs of the old wasm-bindgen build.
rm -f pkg/chat_token_manager.js pkg/chat_token_manager.d.ts pkg/chat_token_manager_bg.wasm pkg/chat_token_manager_bg.wasm.d.ts pkg/.gitignore
# MVP plus the post-MVP features rustc emits by default that wasm2js can lower; no reference
# types and no multi-value in the output (the interface is i32/f64 only).
"$BIN/wasm-opt" -Oz --converge --strip-debug --strip-producers --strip-target-features \
  --mvp-features --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals \
  --remove-exports=__data_end --remove-exports=__heap_base \
  target/wasm32-unknown-unknown/release/chat_token_manager.wasm -o pkg/chat_token_manager.wasm
# Zero the text in the wasm's data section that only Rust's panic and formatting paths refer
# to: panic messages ("index out of bounds: …"), source locations (`src/lib.rs`,
# `/rustc/<hash>/library/…`, and the 16-byte `Location`s naming them), the allocation-failure
# message and core::fmt's two-digit table.
# The module's panic handler traps without reading any of it (src/lib.rs: no message, no
# formatting) and wasm-opt has already removed the formatting code, but a data segment is kept
# whole. Zeroed (same length, same offsets) the bytes cost almost nothing gzipped (~0.45 KB
# saved). Nothing else reads them: the core formats no numbers (stored::decimal is hand-written).
node --input-type=module - <<'STRIP'
import { readFileSync, writeFileSync } from 'node:fs';

const file = 'pkg/chat_token_manager.wasm';
const wasm = readFileSync(file);

// The data section (id 11): [start, end) of its payload, and its active segments
// { addr (memory address), at (file offset), len }.
function dataSection(b) {
  let i = 8;
  const leb = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const x = b[i++];
      v += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if (x < 0x80) return v;
    }
  };
  while (i < b.length) {
    const id = b[i++];
    const size = leb();
    if (id !== 11) {
      i += size;
      continue;
    }
    const start = i;
    const segments = [];
    for (let n = leb(); n > 0; n--) {
      const flags = leb();
      let addr = -1;
      if (flags === 0 && b[i] === 0x41) {
        i++;
        addr = leb(); // i32.const: small non-negative addresses read the same as unsigned LEB
        if (b[i++] !== 0x0b) throw new Error(`${file}: unexpected data segment offset`);
      } else throw new Error(`${file}: unexpected data segment (flags ${flags})`);
      const len = leb();
      segments.push({ addr, at: i, len });
      i += len;
    }
    return { start, end: start + size, segments };
  }
  throw new Error(`${file}: no data section`);
}

const PATHS = [/\/rustc\/[0-9a-f]{40}\/library\/[a-z_\/]+\.rs/g, /crates\/[a-z_]+\/src\/[a-z_\/]+\.rs/g, /src\/[a-z_\/]+\.rs/g];
const TEXT = [
  /(?:slice index starts at | but ends at |index out of bounds: the len is | but the index is |range start index |range end index |" out of range for slice of length |memory allocation of | bytes failed|capacity overflow)/g,
  /(?:0[0-9]|[1-9][0-9]){100}/g, // "000102…99"
];
const LUT = Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0')).join('');

const { start, end, segments } = dataSection(wasm);
const text = wasm.toString('latin1', start, end);
const paths = [];
for (const rule of [...PATHS, ...TEXT]) {
  for (const m of text.matchAll(rule)) {
    if (rule === TEXT[1] && m[0] !== LUT) continue;
    const at = start + m.index;
    if (wasm[at] === 0) continue;
    wasm.fill(0, at, at + m[0].length);
    if (PATHS.includes(rule)) paths.push({ at, len: m[0].length });
  }
}
// The panic `Location`s ({ file: &str, line: u32, col: u32 }: 16 bytes) naming those files.
const seg = (at) => segments.find((s) => at >= s.at && at < s.at + s.len);
for (const p of paths) {
  const s = seg(p.at);
  if (!s) continue;
  const addr = s.addr + (p.at - s.at);
  for (const t of segments) {
    for (let q = t.at + ((4 - (t.addr % 4)) % 4); q + 16 <= t.at + t.len; q += 4) {
      if (wasm.readUInt32LE(q) === addr && wasm.readUInt32LE(q + 4) === p.len) wasm.fill(0, q, q + 16);
    }
  }
}
writeFileSync(file, wasm);
STRIP
ESBUILD=(--bundle --minify --mangle-props=^_ --target=es2020 --legal-comments=none --log-level=warning)
# The browser entry leaves the UTF-8 fallback codecs out (CTM_UTF8_LAZY, see js/host.mjs): it
# imports pkg/utf8.mjs only in an engine without TextEncoder/TextDecoder.
"$BIN/esbuild" js/index.mjs "${ESBUILD[@]}" --format=esm --platform=neutral --external:node:* \
  --define:CTM_UTF8_LAZY=true --external:./utf8.mjs --outfile=pkg/index.mjs
"$BIN/esbuild" js/utf8.mjs --minify --target=es2020 --legal-comments=none --log-level=warning --format=esm --outfile=pkg/utf8.mjs
# esbuild drops comments: put back the ones that keep bundlers away from the Node-only fallback.
node -e '
  const fs = require("fs"); const f = "pkg/index.mjs"; const s = fs.readFileSync(f, "utf8");
  const t = s.replace(/import\("node:fs\/promises"\)/, "import(/* webpackIgnore: true */ /* @vite-ignore */ \"node:fs/promises\")");
  if (t === s) { console.error("build: the node:fs/promises import was not found in pkg/index.mjs"); process.exit(1); }
  fs.writeFileSync(f, t);'
"$BIN/esbuild" js/node.mjs "${ESBUILD[@]}" --format=cjs --platform=node --outfile=pkg/index.cjs
cp js/index.node.mjs js/index.d.ts pkg/
# The same types as .d.cts for `require` (TypeScript reads a .d.ts in a "type": "module"
# package as ESM, and a CommonJS consumer under node16 resolution then fails with TS1479).
cp js/index.d.ts pkg/index.d.cts
for f in react.mjs react.cjs react.d.ts; do
  if [ -f "js/$f" ]; then cp "js/$f" pkg/; fi
done
if [ -f js/react.d.ts ]; then cp js/react.d.ts pkg/react.d.cts; fi
cp js/package.json pkg/package.json
cp README.md pkg/README.md
node scripts/size.mjs
