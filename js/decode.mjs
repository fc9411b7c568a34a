// The formats the host decodes with the platform's own parsers (JSON.parse, Number, Date.UTC)
// before the core sees a response: numeric strings, a JWT's `exp`, HTTP-dates and Retry-After.
// Each accepts exactly what the core's Rust decoder of the same name accepts
// (crates/core/src/parse.rs; tests/decode/decode.test.mjs compares them on the core's test cases
// and on seeded inputs).
// The decisions (which field wins, ranges, clock skew, clamping) stay in the core.

const WS = '[\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
const TRIM = new RegExp('^' + WS + '|' + WS + '$', 'g');

/** `str::trim`: strips Unicode `White_Space` (JavaScript's `trim` differs at U+0085, U+FEFF). */
export const trim = (s) => s.replace(TRIM, '');

/**
 * `parse_number`: a plain decimal (`"3600"`, `" 1.5e3 "`), else NaN. Computed as the core does,
 * mantissa times 10^exp, so the ends of the range agree: `0e400`, `0.1e309` are NaN, `1e-309` is 0.
 */
export function decimal(s) {
  const [, m, e = 0] = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?$/.exec(trim(s)) || [];
  const v = m * (e < 0 ? 1 / 10 ** -e : 10 ** e);
  return v - v === 0 ? v : NaN;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The bytes of unpadded base64 `b64` (standard alphabet) as a Latin-1 string, one char per byte;
 * throws when a dangling sixth bit group cannot encode a byte. `atob` where the engine has it
 * (the browser and Node builds define CTM_ATOB and drop the rest); Hermes has none.
 */
function latin1(b64) {
  if (typeof CTM_ATOB !== 'undefined' || typeof atob === 'function') return atob(b64);
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const c of b64) {
    acc = ((acc << 6) | B64.indexOf(c)) & 0xfff;
    bits += 6;
    if (bits >= 8) out += String.fromCharCode((acc >> (bits -= 8)) & 255);
  }
  if (bits >= 6) throw out;
  return out;
}

/**
 * `jwt_exp`: the `exp` claim of a JWT (three dot-separated parts, the middle one base64url
 * JSON) as a number; undefined when `token` is not a JWT or has no `exp`; null when `exp` is
 * not a finite number (the core rejects the response).
 */
export function jwtExp(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const b64 = parts[1].replace(/=+$/, '');
  let claims;
  try {
    // Either alphabet (as the core); anything else (`atob` would skip whitespace) is no JWT.
    if (/[^\w+/-]/.test(b64)) return undefined;
    // The payload's bytes one char each (Latin-1): no UTF-8 decoding, so no engine's decoder
    // (or its absence: Hermes) changes what is read. Bytes above 0x7F only occur inside JSON
    // strings, where any char is allowed; outside them, as for the core, they make it no JSON.
    claims = JSON.parse(latin1(b64.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return undefined;
  }
  // Only an object has an `exp` (a string's, a number's, an array's is undefined).
  const exp = claims?.exp;
  return exp === undefined ? exp : typeof exp === 'number' && exp - exp === 0 ? exp : null;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const DAYS = 'Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(' ');
const DATE_FORMATS = [
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  /^(...), (\d\d) (...) (\d{4}) (\d\d:\d\d:\d\d) GMT$/,
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  /^([A-Z][a-z]+), (\d\d)-(...)-(\d\d)[^](\d\d:\d\d:\d\d) GMT$/,
  // asctime: Sun Nov  6 08:49:37 1994
  /^(...) (...) ( \d|\d\d) (\d\d:\d\d:\d\d) (\d{4})$/,
];

/**
 * `parse_http_date`: an HTTP-date in any of RFC 9110's three formats, in epoch ms, with a
 * weekday that matches the date and a year from 1970 to 9999; undefined for anything else.
 */
export function httpDate(value) {
  const s = trim(value);
  if (/[^\x00-\x7f]/.test(s)) return undefined;
  for (let f = 0; f < 3; f++) {
    const m = DATE_FORMATS[f].exec(s);
    if (!m) continue;
    // [weekday, day, month, year, hh:mm:ss] whatever the format's order.
    const [, wd, day, mon, year, time] = f < 2 ? m : [, m[1], m[3], m[2], m[5], m[4]];
    let y = +year;
    if (f === 1) y += y < 70 ? 2000 : 1900;
    // An unknown month is January here, and fails the check below.
    const t = Date.UTC(y, MONTHS.indexOf(mon) / 3, +day, ...time.split(':'));
    // The date written back as an IMF-fixdate (`toUTCString`'s format) must read as given: a
    // real day of that month, a time of day, the date's own weekday.
    const imf = wd.slice(0, 3) + ', ' + day.trim().padStart(2, '0') + ' ' + mon + ' ' + y + ' ' + time + ' GMT';
    return y < 1970 || y > 9999 || (f === 1 && !DAYS.includes(wd)) || new Date(t).toUTCString() !== imf ? undefined : t;
  }
  return undefined;
}

/**
 * `parse_retry_after`: a `Retry-After` value received at `now` as a delay in ms (delta-seconds,
 * or an HTTP-date, a past one being 0); -1 when it is neither.
 */
export function retryAfter(value, now) {
  const v = trim(value);
  if (/^\d+$/.test(v)) return +v * 1000;
  const t = httpDate(v);
  return t === undefined ? -1 : Math.max(t - now, 0);
}
