// Size budget of the shipped package (bytes are deterministic, so this is a test; timings are
// in the bench). The payload is what the default entry loads: pkg/index.mjs (the minified host)
// plus the wasm, gzip -9. The ceiling only goes down: lower it as the payload is cut. The
// performance issue's target is 16 KB; the current figure is in README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const CEILING_GZIP_BYTES = 22.8 * 1024;
const pkg = new URL('../../pkg/', import.meta.url);
const gz = (f) => gzipSync(readFileSync(new URL(f, pkg)), { level: 9 }).length;

test(`default entry (index.mjs + wasm), gzip -9, stays under ${CEILING_GZIP_BYTES / 1024} KB`, () => {
  const total = gz('index.mjs') + gz('chat_token_manager.wasm');
  assert.ok(total <= CEILING_GZIP_BYTES, `${total} bytes gzip > ceiling ${CEILING_GZIP_BYTES}`);
});

test('the Node CommonJS entry (index.cjs + wasm) stays under the same ceiling', () => {
  const total = gz('index.cjs') + gz('chat_token_manager.wasm');
  assert.ok(total <= CEILING_GZIP_BYTES, `${total} bytes gzip > ceiling ${CEILING_GZIP_BYTES}`);
});

test('the wasm imports nothing and exports no wasm-bindgen glue', () => {
  const module = new WebAssembly.Module(readFileSync(new URL('chat_token_manager.wasm', pkg)));
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const exports = WebAssembly.Module.exports(module);
  assert.ok(exports.some((e) => e.name === 'memory' && e.kind === 'memory'));
  assert.ok(exports.filter((e) => e.kind === 'function').length >= 20);
  assert.ok(!exports.some((e) => e.name.startsWith('__wbindgen')), 'no wasm-bindgen exports');
});
