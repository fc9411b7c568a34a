// Page side of the browser suite: imports one test file (its `node:*` imports and the package
// are redirected by the page's import map), runs what it registered and sends
// each result to the Node runner through the functions it exposed (`__suiteResult`, `__suiteDone`).
import { runRegistered, reportUncaught, serializeError } from './shims/node-test.mjs';

const fileErrors = [];
function uncaught(err) {
  if (!reportUncaught(err)) fileErrors.push(serializeError(err));
}
addEventListener('error', (e) => uncaught(e.error ?? new Error(e.message)));
addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  uncaught(e.reason);
});

export async function runFile(fileUrl, { timeoutMs, skips }) {
  let count = 0;
  try {
    await import(fileUrl);
    count = await runRegistered({ timeoutMs, skips, onResult: (r) => globalThis.__suiteResult(r) });
  } catch (err) {
    fileErrors.push(serializeError(err));
  }
  await new Promise((r) => setTimeout(r, 0));
  await globalThis.__suiteDone({ count, fileErrors });
}
