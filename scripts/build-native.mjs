#!/usr/bin/env node
// Builds pkg/index.native.js: the React Native (Hermes) entry of the package, the one the
// `react-native` export condition selects. Hermes has no WebAssembly, so the wasm-bindgen
// module (src/) is translated to JavaScript with Binaryen's wasm2js:
//
//   0. the module and its glue as scripts/build.sh had wasm-pack build them for every entry:
//      without reference types and multi-value (wasm2js translates neither; with them
//      wasm-bindgen adds an externref table and wasm2js refuses "modules with multiple
//      tables"), with `strip` on (std's precompiled features would otherwise land in the
//      `target_features` section and wasm-bindgen would look for the externref table anyway);
//   1. wasm-opt: lower the post-MVP features wasm2js cannot translate (sign-extension,
//      non-trapping float-to-int, bulk memory), then -Oz;
//   2. wasm2js -Oz → an ES module importing the glue's functions and exporting the module's;
//      the glue's cached byte view is refreshed when the memory's buffer changes (see below);
//   3. esbuild bundles that with js/native.mjs into one CommonJS file (target es2020), with
//      js/native-globals.mjs injected (TextEncoder/TextDecoder/AbortController stand-ins where
//      the host has none);
//   4. TypeScript lowers the rest to ES5 (classes, async functions, let/const, optional
//      chaining, spread), which Hermes parses (its CLI has no class support) and Metro takes;
//   5. esbuild minifies (target es5).
// Prints raw and gzip -9 sizes. Intermediate files go to target/native/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));
const BIN = join(ROOT, 'node_modules', '.bin');
const OUT = process.env.NATIVE_OUT || join(ROOT, 'pkg', 'index.native.js');
const TMP = join(ROOT, 'target', 'native');
const WBG = join(TMP, 'wbg');

function die(msg) {
  console.error(`build-native: ${msg}`);
  process.exit(1);
}
mkdirSync(WBG, { recursive: true });

// ---- 0. the module and its glue, as scripts/build.sh built them ----------------------------
// (reference types and multi-value off, `strip` on). Copied: the glue is patched below, for
// this build only.
const BUILT = join(ROOT, 'target', 'wasm-pack', 'bundler');
for (const f of ['chat_token_manager_bg.wasm', 'chat_token_manager_bg.js']) {
  try {
    copyFileSync(join(BUILT, f), join(WBG, f));
  } catch {
    die(`${join(BUILT, f)} is missing: run scripts/build.sh (which runs this script too)`);
  }
}

// ---- 1. lower the features wasm2js cannot translate ----------------------------------------
// Read with every feature rustc may emit enabled; optimise first, lower last, so nothing
// re-introduces a lowered instruction.
const FEATURES = [
  '--enable-mutable-globals',
  '--enable-sign-ext',
  '--enable-nontrapping-float-to-int',
  '--enable-bulk-memory',
  '--enable-bulk-memory-opt',
  '--enable-multivalue',
  '--enable-reference-types',
  '--enable-call-indirect-overlong',
];
const lowered = join(TMP, 'lowered.wasm');
execFileSync(join(BIN, 'wasm-opt'), [
  join(WBG, 'chat_token_manager_bg.wasm'), ...FEATURES, '-Oz',
  '--signext-lowering', '--llvm-nontrapping-fptoint-lowering', '--llvm-memory-copy-fill-lowering',
  '-o', lowered,
], { stdio: 'inherit' });

// ---- 2. wasm2js -------------------------------------------------------------------------
const translated = join(WBG, 'wasm2js.mjs');
execFileSync(join(BIN, 'wasm2js'), [lowered, ...FEATURES, '-Oz', '-o', translated], { stdio: 'inherit' });
const js = readFileSync(translated, 'utf8');
if (!js.includes("from './chat_token_manager_bg.js'")) die('unexpected wasm2js output: it does not import the glue');
if (/\bWebAssembly\b/.test(js)) die('wasm2js output mentions WebAssembly');
// The glue refreshes its cached Uint8Array view of the memory only when the old buffer is
// detached (`byteLength === 0`), which a WebAssembly memory's is after it grows; wasm2js's
// memory swaps in a new buffer and leaves the old one attached, so the view would go stale
// (garbled strings after the memory grew). The view is refreshed when the buffer changes.
const GLUE = join(WBG, 'chat_token_manager_bg.js');
const glue = readFileSync(GLUE, 'utf8');
const STALE = 'cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0';
if (!glue.includes(STALE)) die("the glue's memory-view check changed: review the wasm2js fix in scripts/build-native.mjs");
writeFileSync(GLUE, glue.replace(STALE, 'cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.buffer !== wasm.memory.buffer'));

// ---- 3. bundle with the entry ------------------------------------------------------------
const esbuild = require('esbuild');
const bundled = esbuild.buildSync({
  entryPoints: [join(ROOT, 'js', 'native.mjs')],
  inject: [join(ROOT, 'js', 'native-globals.mjs')],
  bundle: true,
  write: false,
  format: 'cjs',
  platform: 'neutral',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
}).outputFiles[0].text;
writeFileSync(join(TMP, 'bundle.cjs'), bundled);

// ---- 4. ES5 ---------------------------------------------------------------------------------
const ts = require('typescript');
const es5 = ts.transpileModule(bundled, {
  fileName: 'index.native.js',
  reportDiagnostics: true,
  compilerOptions: {
    allowJs: true,
    target: ts.ScriptTarget.ES5,
    module: ts.ModuleKind.CommonJS,
    downlevelIteration: true,
    importHelpers: false,
    removeComments: true,
  },
});
const diags = (es5.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
if (diags.length) die(`ES5 lowering: ${diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
writeFileSync(join(TMP, 'es5.cjs'), es5.outputText);

// ---- 5. minify ------------------------------------------------------------------------------
// Target es5 also guards step 4: esbuild cannot lower let/const or classes, so it fails if any
// are left (Hermes 0.12 parses let/const but scopes them like var: a closure in a loop would
// see the last value).
const min = esbuild.transformSync(es5.outputText, {
  minify: true,
  target: 'es5',
  format: 'cjs',
  legalComments: 'none',
}).code;
// The export names, spelled out the way cjs-module-lexer (Node's `import` of CommonJS, Jest in
// ESM mode) detects them; the minified body hides them. Found by evaluating the file.
const probe = { exports: {} };
new Function('module', 'exports', min)(probe, probe.exports);
const names = Object.keys(probe.exports);
if (!names.includes('TokenManager')) die(`the built entry exports no TokenManager (exports: ${names.join(', ')})`);
const banner = '/* chat-token-manager — React Native (Hermes) build: the wasm-bindgen module translated to JavaScript by wasm2js. */\n';
writeFileSync(OUT, `${banner}${min}0&&(module.exports={${names.join(",")}});\n`);

const bytes = readFileSync(OUT);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`pkg/index.native.js: ${kb(bytes.length)} raw, ${kb(gzipSync(bytes, { level: 9 }).length)} gzip -9` +
  ` (wasm ${kb(readFileSync(lowered).length)} → wasm2js ${kb(Buffer.byteLength(js))} unminified)`);
