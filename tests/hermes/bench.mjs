// Measures the React Native build under the Hermes CLI (not a test; numbers for the README):
// load + construct time, and getToken() with a valid token next to the seeds' plain-JS
// pattern (cached token + in-flight promise) in the same process. Medians of 5 runs, from
// source and from hermesc -O bytecode.   node tests/hermes/bench.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const BIN = join(HERE, 'node_modules', 'hermes-engine-cli', { darwin: 'osx-bin', win32: 'win64-bin' }[process.platform] ?? 'linux64-bin');
const OUT = join(ROOT, 'target', 'hermes');
mkdirSync(OUT, { recursive: true });

const script = `var __now = (typeof HermesInternal === 'object' && Date.now);
var __t0 = __now();
globalThis.__chatTokenManager = (function () { var module = { exports: {} }; var exports = module.exports;
${readFileSync(join(ROOT, 'pkg', 'index.native.js'), 'utf8')}
;return module.exports; })();
var __t1 = __now();
var m = new __chatTokenManager.TokenManager({ fetchToken: function () { return { authToken: 'a.b.c', expiresIn: 3600 }; } });
var __t2 = __now();
m.start().then(function () {
  var N = 200000, i, p, cached = 'a.b.c', inflight = null;
  function plain() {
    if (cached) return Promise.resolve(cached);
    if (!inflight) inflight = Promise.resolve('a.b.c').then(function (v) { cached = v; inflight = null; return v; });
    return inflight;
  }
  for (i = 0; i < 20000; i++) { p = m.getToken(); p = plain(); }
  var s = __now(); for (i = 0; i < N; i++) p = m.getToken(); var e = __now();
  var s2 = __now(); for (i = 0; i < N; i++) p = plain(); var e2 = __now();
  print(JSON.stringify({ loadMs: __t1 - __t0, constructMs: __t2 - __t1, getTokenNs: (e - s) * 1e6 / N, plainNs: (e2 - s2) * 1e6 / N }));
  m.dispose();
});
`;
// The shim's AbortController only (real timers and clock).
const shim = readFileSync(join(HERE, 'shim.js'), 'utf8');
const abort = shim.slice(shim.indexOf('  function AbortSignal()'), shim.indexOf('  // React Native has had AbortController'));
const src = join(OUT, 'bench.js');
writeFileSync(src, `(function (global) {\n${abort}\n global.AbortController = AbortController; })(globalThis);\n${script}`);
const hbc = join(OUT, 'bench.hbc');
execFileSync(join(BIN, 'hermesc'), ['-O', '-emit-binary', '-out', hbc, src]);
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
// Cold start: a whole process that loads the package and constructs a manager, minus an empty one.
const coldSrc = join(OUT, 'bench-cold.js');
writeFileSync(coldSrc, script.slice(0, script.indexOf('m.start()')) + 'print(typeof m);\n');
const coldHbc = join(OUT, 'bench-cold.hbc');
execFileSync(join(BIN, 'hermesc'), ['-O', '-emit-binary', '-out', coldHbc, coldSrc]);
const empty = join(OUT, 'bench-empty.js');
writeFileSync(empty, 'print("object");\n');
const wall = (file) => {
  const xs = [];
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    execFileSync(join(BIN, 'hermes'), [file]);
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(xs);
};
const base = wall(empty);
console.log(`hermes cold start (load the package + new TokenManager, process wall time minus an empty script's): source ${(wall(coldSrc) - base).toFixed(1)} ms, bytecode ${(wall(coldHbc) - base).toFixed(1)} ms`);
for (const [label, file] of [['source', src], ['bytecode', hbc]]) {
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(JSON.parse(execFileSync(join(BIN, 'hermes'), ['-Xmicrotask-queue', file], { encoding: 'utf8' }).trim().split('\n').pop()));
  const r = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((x) => x[k]))]));
  console.log(`hermes ${label}: load ${r.loadMs} ms, new TokenManager ${r.constructMs} ms, getToken() ${r.getTokenNs.toFixed(0)} ns vs plain JS ${r.plainNs.toFixed(0)} ns (${(r.getTokenNs / r.plainNs).toFixed(2)}×)`);
}
