// Zeroes the text in the wasm's data section that only Rust's panic and formatting paths
// refer to: panic messages ("index out of bounds: …"), source locations (`src/lib.rs`,
// `/rustc/<hash>/library/…`), the allocation-failure message and core::fmt's two-digit table.
// The module's panic handler traps without reading any of it (src/lib.rs: no message, no
// formatting), and wasm-opt has already removed the formatting code; but a data segment is
// kept whole, so the bytes stay. Zeroed (same length, same offsets) they cost almost nothing
// gzipped. Nothing else in the module reads them: the core formats no numbers (stored::decimal
// is hand-written) and has no strings like these.
//
//   node scripts/strip-panic-data.mjs <module.wasm>   (rewrites the file; prints what it zeroed)
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const wasm = readFileSync(file);

// The data section (id 11): [start, end) of its payload.
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
    if (id === 11) return [i, i + size];
    i += size;
  }
  throw new Error(`${file}: no data section`);
}

const RULES = [
  /\/rustc\/[0-9a-f]{40}\/library\/[a-z_\/]+\.rs/g,
  /crates\/[a-z_]+\/src\/[a-z_\/]+\.rs/g,
  /src\/[a-z_\/]+\.rs/g,
  /(?:slice index starts at | but ends at |index out of bounds: the len is | but the index is |range start index |range end index |" out of range for slice of length |memory allocation of | bytes failed|capacity overflow)/g,
  /(?:0[0-9]|[1-9][0-9]){100}/g, // "000102…99"
];

const [start, end] = dataSection(wasm);
const text = wasm.toString('latin1', start, end);
let zeroed = 0;
for (const rule of RULES) {
  for (const m of text.matchAll(rule)) {
    if (rule === RULES[4] && m[0] !== Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0')).join('')) continue;
    const at = start + m.index;
    if (wasm[at] === 0) continue;
    wasm.fill(0, at, at + m[0].length);
    zeroed += m[0].length;
  }
}
writeFileSync(file, wasm);
console.log(`strip-panic-data: zeroed ${zeroed} bytes of panic/format text in ${file}`);
