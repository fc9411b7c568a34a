// Size budget of the shipped package (bytes are deterministic, so this is a test; timings are
// in the bench). The payload is what the default entry loads: pkg/index.mjs (the minified entry
// and wasm-bindgen glue) plus the wasm, gzip -9. The ceiling only goes down: lower it as the payload is cut. It is now
// the measured figure of the wasm-bindgen TokenManager; the current figure is in README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// Raised once, 21.6 → 21.7 KB (and the CommonJS ceiling 21.9 → 22.0 KB), for correctness
// fixes from review (no request after a same-tick logout; a stale storage read dropped; boot
// after a failed first load; dispose before load; Headers/pairs in endpoint.headers): +91 B.
// Then 21.7 → 18.1 KB: the host decodes what the platform decodes (numbers, JWT exp,
// HTTP-dates, stored entries), the wasm takes validated options, log codes and response
// fields by index, and the host was cut by 0.6 KB.
// Then 18.1 → 16.0 KB, the performance issue's target: terser after esbuild; tokens as handles
// (no token text, no UTF-8 codec and no input buffer in the wasm); loops instead of iterator
// chains in the core's wasm paths; atob for JWT payloads.
// Issue 13 withdrew the 16 KB target with the design card: every entry is the wasm-bindgen
// TokenManager now, and the ceilings are its measured figures.
// Then 52,000 → 51,100 B (CommonJS 51,900 → 50,950 B): one non-generic body for promise
// reactions (platform::on_settled) and event listeners, and Object.fromEntries for headers.
// Then raised 51,100 → 52,000 B (CommonJS 50,950 → 51,850 B) for the refresh grant
// (refreshEndpoint, issue 16): +1,094 B. Then 52,000 → 52,100 B (CommonJS 51,850 → 51,950 B):
// a stored or shared token the chat login refuses is replaced by a fetch (+61 B); and back to
// 52,000 B (CommonJS 51,850 B) when the cycle's refused-grant flag became derived state (−69 B).
const CEILING_GZIP_BYTES = 52_000;
const CJS_CEILING_GZIP_BYTES = 51_850;
const pkg = new URL('../../pkg/', import.meta.url);
const gz = (f) => gzipSync(readFileSync(new URL(f, pkg)), { level: 9 }).length;

test(`default entry (index.mjs + wasm), gzip -9, stays under ${(CEILING_GZIP_BYTES / 1024).toFixed(1)} KB`, () => {
  const total = gz('index.mjs') + gz('chat_token_manager.wasm');
  assert.ok(total <= CEILING_GZIP_BYTES, `${total} bytes gzip > ceiling ${CEILING_GZIP_BYTES}`);
});

test(`the Node CommonJS entry (index.cjs + wasm) stays under ${(CJS_CEILING_GZIP_BYTES / 1024).toFixed(1)} KB`, () => {
  const total = gz('index.cjs') + gz('chat_token_manager.wasm');
  assert.ok(total <= CJS_CEILING_GZIP_BYTES, `${total} bytes gzip > ceiling ${CJS_CEILING_GZIP_BYTES}`);
});

test('the CommonJS entry works without TextEncoder/TextDecoder globals (as in Jest\'s jsdom environment)', async () => {
  const { TextEncoder: TE, TextDecoder: TD } = globalThis;
  delete globalThis.TextEncoder;
  delete globalThis.TextDecoder;
  try {
    const require = createRequire(import.meta.url);
    const file = fileURLToPath(new URL('index.cjs', pkg));
    delete require.cache[file]; // a fresh instance of the entry, evaluated without the globals
    const { TokenManager } = require(file);
    const token = 'tök€n-😀-\u{10ffff}-' + 'x'.repeat(100);
    const m = new TokenManager({ fetchToken: async () => ({ authToken: token, expiresIn: 3600 }), crossTab: false });
    try {
      assert.equal(await m.getToken(), token);
    } finally {
      m.dispose();
    }
  } finally {
    globalThis.TextEncoder = TE;
    globalThis.TextDecoder = TD;
  }
});
