// Browser stand-in for `node:assert/strict` (and `node:assert`, which the tests do not use):
// strict semantics (Object.is equality, strict deep equality), Node-like AssertionError.

export class AssertionError extends Error {
  constructor({ message, actual, expected, operator, generatedMessage = false }) {
    super(message);
    this.name = 'AssertionError';
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
    this.generatedMessage = generatedMessage;
  }
}

export function inspect(v, depth = 0) {
  if (typeof v === 'string') return `'${v.replace(/'/g, "\\'")}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  if (typeof v === 'function') return `[Function: ${v.name || '(anonymous)'}]`;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (v instanceof RegExp) return String(v);
  if (depth > 2) return Array.isArray(v) ? '[Array]' : '[Object]';
  if (Array.isArray(v)) return `[ ${v.map((x) => inspect(x, depth + 1)).join(', ')} ]`;
  const keys = Object.keys(v);
  const tag = v.constructor && v.constructor !== Object ? `${v.constructor.name} ` : '';
  if (keys.length === 0) return `${tag}{}`;
  return `${tag}{ ${keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${inspect(v[k], depth + 1)}`).join(', ')} }`;
}

function fail_(message, generated, props) {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message: message ?? generated, generatedMessage: message === undefined, ...props });
}

export function ok(value, message) {
  if (arguments.length === 0) fail_(undefined, 'No value argument passed to `assert.ok()`', { actual: undefined, expected: true, operator: '==' });
  if (!value) fail_(message, `The expression evaluated to a falsy value: ${inspect(value)}`, { actual: value, expected: true, operator: '==' });
}

export function equal(actual, expected, message) {
  if (!Object.is(actual, expected)) {
    fail_(message, `Expected values to be strictly equal:\n\n${inspect(actual)} !== ${inspect(expected)}\n`, { actual, expected, operator: 'strictEqual' });
  }
}

export function notEqual(actual, expected, message) {
  if (Object.is(actual, expected)) {
    fail_(message, `Expected "actual" to be strictly unequal to: ${inspect(expected)}`, { actual, expected, operator: 'notStrictEqual' });
  }
}

function deepStrict(a, b, seen = new Map()) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepStrict(v, b.get(k), seen)) return false;
    return true;
  }
  if (a instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  const ka = Reflect.ownKeys(a).filter((k) => Object.prototype.propertyIsEnumerable.call(a, k));
  const kb = Reflect.ownKeys(b).filter((k) => Object.prototype.propertyIsEnumerable.call(b, k));
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.propertyIsEnumerable.call(b, k) || !deepStrict(a[k], b[k], seen)) return false;
  }
  if (a instanceof Error && (a.message !== b.message || a.name !== b.name)) return false;
  return true;
}

export function deepEqual(actual, expected, message) {
  if (!deepStrict(actual, expected)) {
    fail_(message, `Expected values to be strictly deep-equal:\n${inspect(actual)}\n\nshould equal\n\n${inspect(expected)}`, { actual, expected, operator: 'deepStrictEqual' });
  }
}

export function notDeepEqual(actual, expected, message) {
  if (deepStrict(actual, expected)) {
    fail_(message, `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`, { actual, expected, operator: 'notDeepStrictEqual' });
  }
}

export function match(string, regexp, message) {
  if (typeof string !== 'string' || !regexp.test(string)) {
    fail_(message, `The input did not match the regular expression ${regexp}. Input:\n\n${inspect(string)}\n`, { actual: string, expected: regexp, operator: 'match' });
  }
}

export function doesNotMatch(string, regexp, message) {
  if (typeof string !== 'string' || regexp.test(string)) {
    fail_(message, `The input was expected to not match the regular expression ${regexp}. Input:\n\n${inspect(string)}\n`, { actual: string, expected: regexp, operator: 'doesNotMatch' });
  }
}

export function fail(message = 'Failed') {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message, operator: 'fail' });
}

function checkExpected(err, expected, message, op) {
  if (expected === undefined) return;
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && err instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      fail_(message, `The error is expected to be an instance of "${expected.name}". Received ${inspect(err)}`, { actual: err, expected, operator: op });
    }
    if (expected.call({}, err) === true) return;
    fail_(message, `The validation function is expected to return "true". Received false`, { actual: err, expected, operator: op });
  }
  if (expected instanceof RegExp) {
    if (expected.test(String(err))) return;
    fail_(message, `The input did not match the regular expression ${expected}. Input:\n\n${inspect(String(err))}\n`, { actual: err, expected, operator: op });
  }
  if (typeof expected === 'object' && expected !== null) {
    for (const k of Object.keys(expected)) {
      const want = expected[k];
      const got = err?.[k];
      const good = want instanceof RegExp && typeof got === 'string' ? want.test(got) : deepStrict(got, want);
      if (!good) fail_(message, `Expected values to be strictly deep-equal at "${k}": ${inspect(got)} !== ${inspect(want)}`, { actual: err, expected, operator: op });
    }
  }
}

export function throws(fn, expected, message) {
  if (typeof expected === 'string') [expected, message] = [undefined, expected];
  try {
    fn();
  } catch (err) {
    checkExpected(err, expected, message, 'throws');
    return;
  }
  fail_(message, `Missing expected exception${message ? `: ${message}` : '.'}`, { operator: 'throws' });
}

export function doesNotThrow(fn, expected, message) {
  if (typeof expected === 'string') [expected, message] = [undefined, expected];
  try {
    fn();
  } catch (err) {
    fail_(undefined, `Got unwanted exception${message ? `: ${message}` : '.'}\nActual message: "${err?.message}"`, { actual: err, operator: 'doesNotThrow' });
  }
}

export async function rejects(promiseOrFn, expected, message) {
  if (typeof expected === 'string') [expected, message] = [undefined, expected];
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    checkExpected(err, expected, message, 'rejects');
    return;
  }
  fail_(message, `Missing expected rejection${message ? `: ${message}` : '.'}`, { operator: 'rejects' });
}

export async function doesNotReject(promiseOrFn, expected, message) {
  if (typeof expected === 'string') [expected, message] = [undefined, expected];
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    fail_(undefined, `Got unwanted rejection${message ? `: ${message}` : '.'}\nActual message: "${err?.message}"`, { actual: err, operator: 'doesNotReject' });
  }
}

export function ifError(value) {
  if (value !== null && value !== undefined) {
    if (value instanceof Error) throw value;
    fail_(undefined, `ifError got unwanted exception: ${inspect(value)}`, { actual: value, expected: null, operator: 'ifError' });
  }
}

export {
  equal as strictEqual,
  notEqual as notStrictEqual,
  deepEqual as deepStrictEqual,
  notDeepEqual as notDeepStrictEqual,
};

function assert(value, message) {
  if (!value) ok(value, message);
}
Object.assign(assert, {
  AssertionError, ok, equal, notEqual, strictEqual: equal, notStrictEqual: notEqual, deepEqual, notDeepEqual,
  deepStrictEqual: deepEqual, notDeepStrictEqual: notDeepEqual, match, doesNotMatch, fail, throws, doesNotThrow,
  rejects, doesNotReject, ifError,
});
assert.strict = assert;
export { assert as strict };
export default assert;
