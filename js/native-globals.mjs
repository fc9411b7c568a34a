// Injected by esbuild into the React Native entry (scripts/build-native.mjs): the platform
// classes the wasm-bindgen glue and the module use, from the host where it has them, else
// minimal stand-ins. Hermes has no TextEncoder/TextDecoder (the glue passes every string
// through them), and Hermes embedded without React Native's polyfills has no AbortController
// (a fetch's `signal` still reports `aborted` to `fetchToken`). Nothing global is replaced.
const G = globalThis;

/** UTF-8 → string (what the glue asks of `TextDecoder('utf-8').decode(bytes)`). */
function Utf8Decoder() {}
Utf8Decoder.prototype.decode = function (bytes) {
  if (!bytes) return '';
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i++];
    let c = b;
    if (b >= 0xf0) c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
    else if (b >= 0xe0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
    else if (b >= 0xc0) c = ((b & 31) << 6) | (bytes[i++] & 63);
    if (c > 0xffff) {
      c -= 0x10000;
      out += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
    } else out += String.fromCharCode(c);
  }
  return out;
};

/** string → UTF-8 (`new TextEncoder().encode(text)`). */
function Utf8Encoder() {}
Utf8Encoder.prototype.encode = function (text) {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
    } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
};

/** An AbortController's surface: `signal` (aborted, reason, onabort, listeners) and abort(). */
function AbortStandIn() {
  const listeners = [];
  const signal = {
    aborted: false,
    reason: undefined,
    onabort: null,
    addEventListener: (type, f) => {
      if (type === 'abort') listeners.push(f);
    },
    removeEventListener: (type, f) => {
      const i = listeners.indexOf(f);
      if (i >= 0) listeners.splice(i, 1);
    },
  };
  this.signal = signal;
  this.abort = (reason) => {
    if (signal.aborted) return;
    signal.aborted = true;
    signal.reason = reason;
    const event = { type: 'abort', target: signal };
    for (const f of [signal.onabort].concat(listeners.splice(0))) {
      try {
        if (typeof f === 'function') f.call(signal, event);
      } catch {}
    }
  };
}

const TextDecoderImpl = typeof G.TextDecoder === 'function' ? G.TextDecoder : Utf8Decoder;
const TextEncoderImpl = typeof G.TextEncoder === 'function' ? G.TextEncoder : Utf8Encoder;
const AbortControllerImpl = typeof G.AbortController === 'function' ? G.AbortController : AbortStandIn;
export { TextDecoderImpl as TextDecoder, TextEncoderImpl as TextEncoder, AbortControllerImpl as AbortController };
