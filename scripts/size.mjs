// Prints the shipped payload of pkg/: raw and gzip -9 per file (wasm and every JS entry), and
// the total of the default entry (index.mjs + the wasm), which is what a browser app loads.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = new URL('../pkg/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.wasm') || /\.[cm]?js$/.test(f)).sort();
const size = (f) => {
  const bytes = readFileSync(join(dir, f));
  return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const rows = files.map(size);
const entry = ['index.mjs', 'chat_token_manager.wasm'].filter((f) => files.includes(f)).map(size);
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
console.log('package size (pkg/)');
for (const r of rows) console.log(`  ${r.file.padEnd(28)} raw ${kb(r.raw)}   gzip -9 ${kb(r.gzip)}`);
const total = entry.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
console.log(`  ${'default entry (index.mjs + wasm)'.padEnd(28)} raw ${kb(total.raw)}   gzip -9 ${kb(total.gzip)}  (${total.gzip} bytes)`);
const node = ['index.cjs', 'chat_token_manager.wasm'].filter((f) => files.includes(f)).map(size);
const nodeTotal = node.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
console.log(`  ${'Node entry (index.cjs + wasm)'.padEnd(28)} raw ${kb(nodeTotal.raw)}   gzip -9 ${kb(nodeTotal.gzip)}  (${nodeTotal.gzip} bytes)`);
