// Prints the shipped payload of pkg/ (wasm + JS glue), raw and gzip -9, per file and in total.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = new URL('../pkg/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.wasm') || /\.c?js$/.test(f));
const rows = files.map((f) => {
  const bytes = readFileSync(join(dir, f));
  return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
rows.push({ file: 'total', raw: rows.reduce((a, r) => a + r.raw, 0), gzip: rows.reduce((a, r) => a + r.gzip, 0) });
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
console.log('package size (pkg/)');
for (const r of rows) console.log(`  ${r.file.padEnd(28)} raw ${kb(r.raw)}   gzip -9 ${kb(r.gzip)}`);
