// Browser stand-in for `node:timers/promises`.
function abortError(signal) {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function delay(schedule, cancel, ms, value, { signal } = {}) {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel(id);
      reject(abortError(signal));
    };
    const id = schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function setTimeout(ms = 1, value, options) {
  return delay(globalThis.setTimeout, globalThis.clearTimeout, ms, value, options);
}

export function setImmediate(value, options) {
  return delay((fn) => globalThis.setTimeout(fn, 0), globalThis.clearTimeout, 0, value, options);
}

export const scheduler = {
  wait: (ms, options) => setTimeout(ms, undefined, options),
  yield: () => setImmediate(),
};

export default { setTimeout, setImmediate, scheduler };
