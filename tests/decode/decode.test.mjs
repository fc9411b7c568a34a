// The host's own decoders (js/decode.mjs) against the core's (crates/core/src/parse.rs), run
// side by side: the core answers through `cargo run --example decoders`, built and run once.
// Inputs: every case the core's own tests use for these decoders, plus seeded random ones
// (mutated HTTP-dates, numeric strings, JWTs). A mismatch means a response the host would
// decode differently from the core: another expiry, another retry delay, another error.
//
// Known, accepted differences (not compared): a JWT payload that is not strict JSON, repeats a
// top-level `exp` or escapes a key (the core's scanner is lenient there, JSON.parse is not); a
// JWT `exp` literal beyond ±308 in exponent or 308 digits (`0e400`, `1000e-310`: JSON.parse
// reads the true value, the core over/underflows; both reject such a token, with other
// messages). Decimals are compared within 1e-12 (exactly for integer
// strings up to 2^53).
//
// DECODE_SEED=<n> picks another seed; the seed is printed with the counts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decimal, httpDate, jwtExp, retryAfter, trim } from '../../js/decode.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = Number(process.env.DECODE_SEED ?? 20261121) >>> 0;
const T0 = 1_700_000_000_000;
const MAX_SAFE = 2 ** 53;

// ----- seeded generation ------------------------------------------------------------------------

/** mulberry32: a small, seedable PRNG (the same cases on every run). */
function prng(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const int = (n) => Math.floor(rnd() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rnd() < p;

// Unicode White_Space (what `str::trim` strips), then look-alikes that are not (U+FEFF, U+200B,
// U+180E, U+2060) and a few ordinary characters, astral ones included.
const WS = ['\t', '\n', '\v', '\f', '\r', ' ', '\u0085', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];
const NOT_WS = ['\ufeff', '\u200b', '\u180e', '\u2060', '\u001c', '\u0000', 'a', 'é', '€', '😀', '\u{10ffff}'];
const ANY = [...WS, ...NOT_WS, '0', '9', ':', ',', '-', '.', '+', 'e', 'G', 'M', 'x', '٣', '０'];

/** `s` with random whitespace (or look-alikes) around it. */
function pad(s) {
  const side = () => Array.from({ length: int(3) }, () => (chance(0.8) ? pick(WS) : pick(NOT_WS))).join('');
  return chance(0.5) ? side() + s + side() : s;
}

/** `s` with 0–2 characters replaced, deleted or inserted (code point wise). */
function mutate(s) {
  const cs = [...s];
  for (let k = int(3); k > 0; k--) {
    const at = int(cs.length + 1);
    const c = chance(0.5) ? pick(ANY) : String.fromCodePoint(0x20 + int(0x5f));
    const op = int(3);
    if (op === 0 && at < cs.length) cs[at] = c;
    else if (op === 1) cs.splice(at, 1);
    else cs.splice(at, 0, c);
  }
  return cs.join('');
}

// ----- HTTP-dates -------------------------------------------------------------------------------

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n) => String(n).padStart(2, '0');
const p4 = (n) => String(n).padStart(4, '0');

/** A date in RFC 9110's three formats (as tests/http_date.rs writes them). */
function formats(w, d, m, y, hh, mm, ss) {
  const [wd, mo, t] = [DAYS[w], MONTHS[m], `${p2(hh)}:${p2(mm)}:${p2(ss)}`];
  return [
    `${wd.slice(0, 3)}, ${p2(d)} ${mo} ${p4(y)} ${t} GMT`,
    `${wd}, ${p2(d)}-${mo}-${p2(y % 100)} ${t} GMT`,
    `${wd.slice(0, 3)} ${mo} ${String(d).padStart(2)} ${t} ${p4(y)}`,
  ];
}

/** The right weekday (0 = Monday) of a real date, else a random one. */
function weekday(d, m, y) {
  const t = new Date(0);
  t.setUTCFullYear(y, m, d);
  return t.getUTCMonth() === m ? (t.getUTCDay() + 6) % 7 : int(7);
}

function randomDate() {
  const y = chance(0.4) ? pick([0, 1969, 1970, 1971, 1999, 2000, 2069, 2070, 2100, 2400, 9999]) : 1970 + int(200);
  const leapDay = chance(0.1);
  const m = leapDay ? 1 : int(12);
  const d = leapDay ? 29 : chance(0.15) ? pick([0, 31, 32]) : 1 + int(30);
  const edge = chance(0.2);
  const [hh, mm, ss] = [edge && chance(0.4) ? 24 : int(24), edge && chance(0.4) ? 60 : int(60), edge && chance(0.3) ? 60 : int(60)];
  const w = chance(0.8) ? weekday(d, m, y) : int(7);
  let s = formats(w, d, m, y, hh, mm, ss)[int(3)];
  const tweak = int(10);
  if (tweak === 0) s = mutate(s);
  else if (tweak === 1) s = s.replace(MONTHS[m], MONTHS[m].toLowerCase());
  else if (tweak === 2) s = s.replace(' ', '  ');
  else if (tweak === 3) s = s.replace(/ (?=\d)/, '');
  else if (tweak === 4) s = s.replace(/.$/, (c) => pick(['é', '\u3000', c.toLowerCase(), '']));
  return pad(s);
}

/** Every date the core's tests name (crates/core/tests/http_date.rs). */
const CORE_DATES = [
  'Sun, 06 Nov 1994 08:49:37 GMT',
  'Sunday, 06-Nov-94 08:49:37 GMT',
  'Sun Nov  6 08:49:37 1994',
  '  Sun, 06 Nov 1994 08:49:37 GMT \t',
  'Mon, 06 Nov 1994 08:49:37 GMT',
  'Sun, 31 Nov 1994 08:49:37 GMT',
  'Sun, 06 Nov 1994 24:49:37 GMT',
  'Thu, 01 Jan 1970 00:00:00 UTC',
  '',
  '1994',
  'Thu, 01 Jan 1970 00:00:00 GMT',
  'Fri, 31 Dec 9999 23:59:59 GMT',
];

/** The boundaries, each in all three formats, with the right and a wrong weekday. */
function edgeDates() {
  const out = [];
  const days = [
    [1, 0, 1970], [31, 11, 1969], [31, 11, 9999], [1, 0, 0], [29, 1, 2000], [29, 1, 2100], [29, 1, 2024], [29, 1, 2023],
    [28, 1, 2023], [0, 2, 2024], [31, 3, 2024], [32, 0, 2024], [30, 3, 2024], [1, 0, 2069], [1, 0, 2070], [31, 11, 2069],
  ];
  for (const [d, m, y] of days) {
    for (const [hh, mm, ss] of [[0, 0, 0], [23, 59, 59], [24, 0, 0], [0, 60, 0], [0, 0, 60]]) {
      const w = weekday(d, m, y);
      out.push(...formats(w, d, m, y, hh, mm, ss), ...formats((w + 1) % 7, d, m, y, hh, mm, ss));
    }
  }
  for (const s of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994']) {
    out.push(s.toLowerCase(), s.toUpperCase(), s.replace('Nov', 'nov'), s.replace(' ', '  '), s + ' ', s + 'x', 'x' + s, s.replace(/ /g, '\t'));
    out.push(...['\u0085', '\ufeff', '\u3000', '\u00a0', '\u200b', '\u2028', '\n'].map((c) => c + s + c));
    out.push(s.replace('6', '٦'), s.replace('Sun', 'Sön'), s.replace(':', '\u0085'));
  }
  // Every character of a valid date in each format replaced (or dropped) in turn.
  for (const s of formats(6, 6, 10, 1994, 8, 49, 37)) {
    for (let i = 0; i < s.length; i++) {
      for (const c of ['', ' ', '0', '9', 'x', 'N', ':', '-', ',', '\t', 'é', '\u3000', '\u0085', '😀']) out.push(s.slice(0, i) + c + s.slice(i + 1));
    }
  }
  // RFC 850 with a wrong full weekday, a short one, and any character where the core reads none.
  out.push('Sun, 06-Nov-94 08:49:37 GMT', 'Sundays, 06-Nov-94 08:49:37 GMT', 'Sunday, 06-Nov-94T08:49:37 GMT', 'Sunday, 06-Nov-94\n08:49:37 GMT', 'Sunday, 06-Nov-9408:49:37 GMT');
  out.push('Sun Nov 06 08:49:37 1994', 'Sun Nov 6 08:49:37 1994', 'Sun Nov  6 08:49:37 94', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 94 08:49:37 GMT');
  return out;
}

// ----- numbers ----------------------------------------------------------------------------------

/** Every numeric string the core's tests parse (src/parse.rs, tests/machine.rs, tests/properties.rs). */
const CORE_NUMBERS = ['3600', ' 1.5e3 ', 'abc', '1000', '0.000', '4000000000.999', '123.045'];

const NUMBER_EDGES = [
  '', ' ', '.', '+', '-', 'e5', '.e5', '1.e5', '5.', '.5', '+.5', '-.5', '1e', '1e+', '1e-', '1.5.5', '1e5.5', '1e5e5',
  '0', '-0', '+0', '00012', '-0.0', '0e0', 'Infinity', '-Infinity', '+Infinity', 'infinity', 'NaN', '0x10', '0X1f', '0b1',
  '0o7', '1_000', '1,5', '1 2', '١٢', '１２', '12\u0085', '\ufeff12', '12\ufeff', '\u00a012\u3000', '\u200b12',
  '9007199254740991', '9007199254740992', '9007199254740993', '18446744073709551616', '1' + '0'.repeat(400),
  '1' + '0'.repeat(400) + 'e-400', '0.' + '0'.repeat(290) + '1', '1e308', '1.7e308', '1.8e308', '10e308', '0.1e308',
  '0e400', '-0e400', '0.1e309', '1e309', '1e400', '-1e400', '1e-300', '1e-308', '1e-309', '1e-320', '1e-400',
  '1000e-310', '5e-324', '1e99999999999', '1e-99999999999', '0e-99999999999', '3600.', '1E3', '1e+3', '1e-3',
  '--1', '+-1', '-+1', '1-', '1+', ' - 1', '٣٦٠٠',
];

function randomNumber() {
  const digits = (n) => Array.from({ length: n }, () => int(10)).join('');
  const sign = pick(['', '', '', '+', '-', '++', '+-']);
  const whole = pick(['', '0', '7', '3600', '00012', digits(1 + int(6)), digits(1 + int(20))]);
  const frac = chance(0.4) ? '.' + pick(['', '5', '000', digits(1 + int(8)), digits(1 + int(25))]) : '';
  const exp = chance(0.3) ? pick(['e', 'E']) + pick(['', '', '+', '-']) + pick(['', '0', '3', '22', String(int(40)), String(280 + int(25))]) : '';
  let s = sign + whole + frac + exp;
  if (chance(0.1)) s = mutate(s);
  return pad(s);
}

// ----- JWTs -------------------------------------------------------------------------------------

const utf8 = (s) => new TextEncoder().encode(s);
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding (the shape JWTs use). */
function b64(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = bytes.slice(i, i + 3);
    const n = ((chunk[0] << 16) | ((chunk[1] ?? 0) << 8) | (chunk[2] ?? 0)) >>> 0;
    for (let k = 0; k <= chunk.length; k++) out += B64URL[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** The core's test helper `jwt()` (tests/machine.rs). */
const coreJwt = (payload) => `${b64(utf8('{"alg":"HS256"}'))}.${b64(utf8(payload))}.sig`;

/** Every JWT payload the core's tests use (tests/machine.rs). */
const CORE_JWT_PAYLOADS = [`{"sub":"u","exp":${(T0 + 3_600_000) / 1000}}`, '{"sub":"u"}', '{"exp":1000}', '{"exp":"soon"}'];

const EXP_VALUES = [
  '1700003600', '0', '-5', '1000', '1.7e9', '1E3', '1.5e-3', '2.5', '9007199254740991', '9007199254740993', '1e20',
  '-0', '"1700000000"', '"soon"', '""', 'null', 'true', 'false', '1e400', '-1e400', '[]', '{}', '[1700000000]',
  '{"exp":1}', '0.0001', '123456789.123456789', '17e8', '1700000000.000',
];

/** A JSON payload with an `exp` (or none), shuffled among other claims, nested look-alikes and whitespace. */
function randomClaims() {
  const sp = () => pick(['', '', ' ', '\n', '\t', ' \r\n ']);
  const others = [
    '"sub":"user-1"', '"iat":1700000000', '"name":"Zoë 😀 \\u00e9 \\" }"', '"nested":{"exp":1}', '"list":[{"exp":2},"]",null]',
    '"aud":["a","b"]', '"ëxp":5', '"EXP":6', '"exp_":7', '"flag":true', '"n":-1.5e-3', '"empty":{}',
  ];
  const fields = others.filter(() => chance(0.3));
  if (chance(0.85)) fields.splice(int(fields.length + 1), 0, `"exp"${sp()}:${sp()}${chance(0.7) ? pick(EXP_VALUES) : String(T0 / 1000 + int(1e8))}`);
  return `${sp()}{${sp()}${fields.join(`${sp()},${sp()}`)}${sp()}}${sp()}`;
}

const NON_OBJECTS = ['[1]', '[{"exp":5}]', '"exp"', '5', 'null', 'true', '[]', '""', '{"exp":5', '{"exp":5}}', '{"exp":5,}', ''];

/** A JWT with the payload in various base64 shapes, or broken in one of the ways tokens break. */
function randomJwt() {
  const bytes = utf8(chance(0.9) ? randomClaims() : pick(NON_OBJECTS));
  let body = b64(bytes);
  const shape = int(10);
  if (shape === 0) body += '='.repeat((4 - (body.length % 4)) % 4); // padded
  else if (shape === 1) body = body.replace(/-/g, '+').replace(/_/g, '/'); // standard alphabet
  else if (shape === 2) body += '='.repeat(1 + int(3)); // too much padding: both strip it all
  else if (shape === 3) body += pick(B64URL); // a dangling character, or one more byte
  else if (shape === 4) body = body.slice(0, -1); // a lost character
  else if (shape === 5) body = mutate(body);
  const header = chance(0.9) ? b64(utf8('{"alg":"HS256","typ":"JWT"}')) : pick(['', 'x', 'e30', '%%']);
  const sig = pick(['sig', '', 'c2lnbmF0dXJl', 'a.b']);
  return pick([`${header}.${body}.${sig}`, `${header}.${body}.${sig}`, `${header}.${body}.${sig}`, `${header}.${body}`, `.${body}.`, `${body}`]);
}

/** Payload bytes (not text): a BOM, invalid UTF-8 inside a string, overlong forms, surrogates. */
const BYTE_PAYLOADS = [
  [0xef, 0xbb, 0xbf, ...utf8('{"exp":1700003600}')],
  [...utf8(' '), 0xef, 0xbb, 0xbf, ...utf8('{"exp":1700003600}')],
  [...utf8('{"exp":1700003600}'), 0xef, 0xbb, 0xbf],
  [...utf8('{"sub":"'), 0xff, ...utf8('","exp":1700003600}')],
  [...utf8('{"sub":"'), 0xc0, 0xaf, ...utf8('","exp":1700003600}')],
  [...utf8('{"sub":"'), 0xed, 0xa0, 0x80, ...utf8('","exp":1700003600}')],
  [...utf8('{"exp":"'), 0xff, ...utf8('"}')],
  [...utf8('{"exp":1700003600,"x":'), 0xff, ...utf8('}')],
  [...utf8('{"ex'), 0xff, ...utf8('":1700003600}')],
];

/**
 * What a reference decoder makes of a token's payload: 'not-jwt' (not three parts or not
 * base64), 'json' (strict UTF-8 JSON: compared), 'other' (bytes a strict JSON parser rejects:
 * the known difference, not compared).
 */
function payloadKind(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return 'not-jwt';
  const body = parts[1].replace(/=+$/, '');
  if (!/^[A-Za-z0-9_+/-]*$/.test(body) || body.length % 4 === 1) return 'not-jwt';
  const bytes = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    JSON.parse(text);
    return /"exp"\s*:[^]*"exp"\s*:/.test(text.replace(/\{[^{}]*\}|\[[^[\]]*\]/g, '')) ? 'other' : 'json';
  } catch {
    return 'other';
  }
}

// ----- the cases, and the core's answers (one cargo run) ----------------------------------------

const cases = { trim: [], number: [], jwt_exp: [], http_date: [], retry_after: [] };
const add = (fn, input, extra = {}) => cases[fn].push({ input, ...extra });

// trim: every BMP character (and a few astral ones) alone, around text, doubled; random mixes.
for (let c = 0; c <= 0xffff; c++) {
  if (c >= 0xd800 && c < 0xe000) continue;
  const s = String.fromCharCode(c);
  add('trim', c % 2 ? `${s}x${s}` : `${s}${s}`);
}
for (const s of ['', ' ', '   ', 'a', ' a b ', '\u{1f600}', '\u{10ffff} \u{10000}', ...WS.map((w) => w + 'tok' + w), ...NOT_WS.map((w) => w + 'tok' + w)]) add('trim', s);
for (let i = 0; i < 1500; i++) add('trim', Array.from({ length: int(9) }, () => (chance(0.6) ? pick(WS) : pick(ANY))).join(''));

for (const s of [...CORE_NUMBERS, ...NUMBER_EDGES]) add('number', s);
for (const s of NUMBER_EDGES.slice(0, 30)) add('number', pad(s));
for (let n = 0; n < 200; n++) add('number', `${int(4e9)}.${p2(int(1000)).padStart(3, '0')}`); // tests/properties.rs' shape
for (let i = 0; i < 2500; i++) add('number', randomNumber());

for (const p of CORE_JWT_PAYLOADS) add('jwt_exp', coreJwt(p));
for (const t of ['cometchat-opaque_token', 'a', '', 'a.b', 'a.b.c.d', '..', '...', 'x.e30.y', 'x.e30', 'x.bnVsbA.y']) add('jwt_exp', t);
for (const v of EXP_VALUES) add('jwt_exp', coreJwt(`{"exp":${v}}`));
for (let i = 0; i < 2500; i++) add('jwt_exp', randomJwt());
const byteJwts = BYTE_PAYLOADS.map((b) => `x.${b64(b)}.y`);
for (const t of byteJwts) add('jwt_exp', t, { bytes: true });

const dates = [...CORE_DATES, ...edgeDates()];
for (let i = 0; i < 3000; i++) dates.push(randomDate());
for (const s of dates) add('http_date', s);

const NOWS = [0, 1, T0, 784_111_777_000, 784_111_777_001, 784_111_776_999, MAX_SAFE - 1];
for (const s of ['120', '0', '00', ' 120 ', '+120', '-1', '1.5', '1e3', '', ' ', '٣', '１', '18446744073709551', '18446744073709552', '18446744073709551615', '18446744073709551616', '99999999999999999999999', '9'.repeat(400), '9007199254740991']) {
  for (const now of [0, T0]) add('retry_after', s, { now });
}
for (let secs = 0; secs < 1_000_000; secs += 1 + int(20_000)) add('retry_after', String(secs), { now: 0 }); // tests/properties.rs
for (const s of dates.slice(0, 400)) add('retry_after', s, { now: pick(NOWS) });
for (let i = 0; i < 1500; i++) {
  const delta = chance(0.5) ? pad(String(int(10 ** int(22)))) : randomDate();
  add('retry_after', delta, { now: chance(0.5) ? pick(NOWS) : int(253402300800000) });
}

const lines = [];
for (const [fn, list] of Object.entries(cases)) {
  for (const c of list) lines.push(`${fn}\t${JSON.stringify(c.input)}${c.now === undefined ? '' : `\t${c.now}`}`);
}
const run = spawnSync('cargo', ['run', '-q', '-p', 'chat-token-core', '--example', 'decoders'], {
  cwd: ROOT,
  input: lines.join('\n') + '\n',
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (run.error || run.status !== 0) throw new Error(`cargo run --example decoders failed: ${run.error ?? run.stderr}`);
const answers = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
assert.equal(answers.length, lines.length, 'one answer per case');
{
  let i = 0;
  for (const list of Object.values(cases)) for (const c of list) c.core = answers[i++];
}

let compared = 0;
const skipped = { jwt: 0 };
after(() => {
  console.log(`decode.test.mjs: ${compared} cases compared with the core (seed ${SEED}; ${skipped.jwt} non-strict-JSON JWT payloads left out)`);
});

/** Runs `check` on every case of `fn`, collects the mismatches and fails with the first few. */
function compare(t, fn, check) {
  const bad = [];
  let n = 0;
  for (const c of cases[fn]) {
    assert.ok(!c.core?.bad, `the oracle could not read ${JSON.stringify(c.input)}: ${c.core?.bad}`);
    const r = check(c);
    if (r === 'skip') continue;
    n++;
    if (r) bad.push(`${JSON.stringify(c.input.length > 80 ? c.input.slice(0, 60) + '…' + c.input.slice(-10) : c.input)}${c.now === undefined ? '' : ` at now=${c.now}`}: ${r}`);
  }
  compared += n;
  t.diagnostic(`${n} ${fn} cases compared with the core`);
  assert.ok(n > 0);
  assert.deepEqual(bad.slice(0, 12), [], `${bad.length} of ${n} ${fn} inputs decode differently from the core`);
}

const show = (v) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v));

/** Same value: exactly when `exact`, else within 1e-12 relative. */
function close(js, core, exact) {
  if (exact) return js === core;
  if (js === core) return true;
  return Number.isFinite(js) && Math.abs(js - core) <= 1e-12 * Math.max(Math.abs(js), Math.abs(core));
}

// ----- the tests --------------------------------------------------------------------------------

test('a token of whitespace only is blank exactly when the core says so (Unicode White_Space, not U+FEFF or U+200B)', (t) => {
  compare(t, 'trim', ({ input, core }) => {
    const got = trim(input);
    if (got !== core.value) return `trim gives ${JSON.stringify(got)}, the core ${JSON.stringify(core.value)}`;
    if ((got === '') !== core.blank) return `blank: host ${got === ''}, core ${core.blank}`;
    return '';
  });
});

test('a numeric string expiresIn/expiresAt ("3600", " 1.5e3 ") decodes to the core\'s number, and what the core rejects the host rejects', (t) => {
  compare(t, 'number', ({ input, core }) => {
    const got = decimal(input);
    if (core === null) return Number.isNaN(got) ? '' : `host ${show(got)}, core rejects it`;
    if (Number.isNaN(got)) return `host rejects it, core ${show(core.value)}`;
    const exact = /^[+-]?\d+$/.test(trim(input)) && Math.abs(core.value) <= MAX_SAFE;
    return close(got, core.value, exact) ? '' : `host ${show(got)}, core ${show(core.value)}`;
  });
});

/** The host's answer in the core's terms: null (no exp), {err} or {value}. */
function jwtAnswer(token) {
  const exp = jwtExp(token);
  return exp === undefined ? null : exp === null ? 'err' : exp;
}

function checkJwt({ input, core }) {
  const got = jwtAnswer(input);
  const want = core === null ? null : core.ok ? core.value : 'err';
  if (typeof got === 'number' && typeof want === 'number') {
    const exact = Number.isInteger(want) && Math.abs(want) <= MAX_SAFE && /"exp"\s*:\s*-?\d+\s*[,}]/.test(jwtPayloadText(input));
    return close(got, want, exact) ? '' : `exp: host ${show(got)}, core ${show(want)}`;
  }
  return got === want ? '' : `host ${show(got)}, core ${show(want)}`;
}

const jwtPayloadText = (token) => Buffer.from(token.split('.')[1].replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString();

test("a JWT's exp claim gives the core's expiry, the core's rejection of a non-numeric exp, and the core's opaque-token fallback", (t) => {
  compare(t, 'jwt_exp', (c) => {
    if (!c.bytes && payloadKind(c.input) === 'other') {
      skipped.jwt++;
      return 'skip';
    }
    // Payloads with raw bytes (invalid UTF-8, a BOM) included: the host reads bytes, not text.
    return checkJwt(c);
  });
});

test("a JWT's exp claim without atob (Hermes: the hand-written base64 decoder) gives the core's answers too", (t) => {
  const { atob } = globalThis;
  delete globalThis.atob;
  try {
    compare(t, 'jwt_exp', (c) => (!c.bytes && payloadKind(c.input) === 'other' ? 'skip' : checkJwt(c)));
  } finally {
    globalThis.atob = atob;
  }
});

test('a Date header in any of the three HTTP-date formats gives the core\'s instant, and what the core rejects the host ignores', (t) => {
  compare(t, 'http_date', ({ input, core }) => {
    const got = httpDate(input);
    const want = core === null ? undefined : core.value;
    return got === want ? '' : `host ${show(got)}, core ${show(want)}`;
  });
});

test('a Retry-After of delta-seconds or an HTTP-date in any of the three formats gives the same delay as the core', (t) => {
  compare(t, 'retry_after', ({ input, now, core }) => {
    const got = retryAfter(input, now);
    if (core === null) return got === -1 ? '' : `host waits ${show(got)} ms, core ignores the header`;
    if (core.value === 'max') return got >= 2 ** 64 ? '' : `host waits ${show(got)} ms, core saturates (u64::MAX)`;
    return close(got, core.value, core.value <= MAX_SAFE) ? '' : `host waits ${show(got)} ms, core ${show(core.value)} ms`;
  });
});
