// Runs the JavaScript test files tests/js/*.test.mjs, unmodified, in headless Chromium against the
// browser entry of the package (pkg/index.mjs).
//
//   node tests/browser/suite/run.mjs [name-filter …]
//
// Each file gets a fresh browser context and page whose import map redirects the test files'
// imports: node:test / node:assert/strict / node:timers/promises / node:perf_hooks → small shims
// (./shims/) and `chat-token-manager` → /pkg/index.mjs. The token server
// (tests/js/helpers/token-server.mjs) loads as is and answers `fetch` in the page.
// Prints one line per test and ends with `ℹ pass N` / `ℹ fail M` (parsed by scripts/test.sh);
// exits 1 on any failure or if no test ran. Env: SUITE_TIMEOUT_MS (whole run, default 300000),
// SUITE_TEST_TIMEOUT_MS (per test, default 60000), SUITE_VERBOSE=1 (forward the page console).
import { readdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { startStaticServer, CHROMIUM } from '../lib/server.mjs';

const ROOT = new URL('../../../', import.meta.url);
const TEST_DIR = new URL('tests/js/', ROOT);
const RUN_TIMEOUT_MS = Number(process.env.SUITE_TIMEOUT_MS ?? 300_000);
const TEST_TIMEOUT_MS = Number(process.env.SUITE_TEST_TIMEOUT_MS ?? 60_000);
const VERBOSE = process.env.SUITE_VERBOSE === '1';

// Tests that cannot mean anything in a browser: { 'file.test.mjs': { 'test name': 'reason' } }.
// Each is reported as skipped with its reason. Keep this empty unless truly necessary.
const SKIPS = {};

const IMPORT_MAP = {
  imports: {
    'node:test': '/tests/browser/suite/shims/node-test.mjs',
    'node:assert/strict': '/tests/browser/suite/shims/node-assert.mjs',
    'node:assert': '/tests/browser/suite/shims/node-assert.mjs',
    'node:timers/promises': '/tests/browser/suite/shims/node-timers-promises.mjs',
    'node:perf_hooks': '/tests/browser/suite/shims/node-perf-hooks.mjs',
    'chat-token-manager': '/pkg/index.mjs',
  },
};

function pageHtml(file) {
  const cfg = { timeoutMs: TEST_TIMEOUT_MS, skips: SKIPS[file] ?? {} };
  const json = (v) => JSON.stringify(v).replace(/</g, '\\u003c');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${file}</title><link rel="icon" href="data:,">
<script type="importmap">${json(IMPORT_MAP)}</script>
<script type="module">
import { runFile } from '/tests/browser/suite/harness.mjs';
runFile(${json(`/tests/js/${file}`)}, ${json(cfg)});
</script></head><body></body></html>`;
}

function formatError(err) {
  if (!err) return '';
  const lines = [`${err.name === 'Error' ? 'Error' : err.name}: ${err.message}`];
  if (err.code && err.code !== 'ERR_ASSERTION') lines[0] += ` (code ${err.code})`;
  const frames = String(err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l) && !l.includes('/tests/browser/suite/'))
    .slice(0, 4)
    .map((l) => l.trim());
  return [...lines.join('\n').split('\n'), ...frames].map((l) => `    ${l}`).join('\n');
}

const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
const failures = [];
function print(file, r) {
  const ms = `(${r.durationMs.toFixed(1)}ms)`;
  if (r.status === 'pass') {
    counts.pass += 1;
    console.log(`✔ ${r.name} ${ms}`);
  } else if (r.status === 'skip') {
    counts.skip += 1;
    console.log(`﹣ ${r.name} # SKIP${r.reason ? ` ${r.reason}` : ''}`);
  } else if (r.status === 'todo') {
    counts.todo += 1;
    console.log(`﹣ ${r.name} # TODO`);
  } else {
    counts.fail += 1;
    failures.push({ file, ...r });
    console.log(`✖ ${r.name} ${ms}\n${formatError(r.error)}`);
  }
  for (const d of r.diagnostics ?? []) console.log(`  ℹ ${d}`);
}

async function runFileInPage(browser, base, file, deadline) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    let resolveDone;
    const done = new Promise((r) => (resolveDone = r));
    const pageErrors = [];
    await page.exposeFunction('__suiteResult', (r) => print(file, r));
    await page.exposeFunction('__suiteDone', (d) => resolveDone(d));
    page.on('pageerror', (err) => pageErrors.push(err));
    page.on('crash', () => resolveDone({ crashed: true }));
    page.on('response', (res) => {
      if (res.status() >= 400 && res.url().startsWith(base)) console.log(`  [page] ${res.status()} ${res.url()}`);
    });
    page.on('console', (msg) => {
      if (VERBOSE || msg.type() === 'error') console.log(`  [page ${msg.type()}] ${msg.text()}`);
    });
    await page.goto(`${base}/__suite/page?file=${encodeURIComponent(file)}`);
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r({ timedOut: true }), Math.max(0, deadline - Date.now()))));
    const d = await Promise.race([done, timeout]);
    clearTimeout(timer);
    const fileFail = (message) => {
      print(file, { name: `${file}: ${message}`, status: 'fail', durationMs: 0, error: { name: 'Error', message } });
    };
    if (d.timedOut) fileFail(`the whole run exceeded ${RUN_TIMEOUT_MS} ms; the rest of this file did not run`);
    else if (d.crashed) fileFail('the page crashed');
    else {
      for (const e of d.fileErrors) {
        print(file, { name: `${file}: error outside any test`, status: 'fail', durationMs: 0, error: e });
      }
      if (d.count === 0 && d.fileErrors.length === 0) fileFail('registered no tests');
    }
    for (const e of pageErrors) if (VERBOSE) console.log(`  [pageerror] ${e.message}`);
    return !d.timedOut;
  } finally {
    await context.close().catch(() => {});
  }
}

async function main() {
  const started = performance.now();
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  const hardStop = setTimeout(() => {
    console.error(`browser suite: still running ${RUN_TIMEOUT_MS + 30_000} ms after start; giving up`);
    process.exit(2);
  }, RUN_TIMEOUT_MS + 30_000);
  hardStop.unref();

  const filters = process.argv.slice(2);
  const files = (await readdir(TEST_DIR))
    .filter((f) => f.endsWith('.test.mjs'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();

  const server = await startStaticServer({
    routes: {
      '/__suite/page': (req, res) => {
        const file = new URL(req.url, 'http://x').searchParams.get('file') ?? '';
        if (!files.includes(file)) return res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(pageHtml(file));
      },
    },
  });
  let browser;
  try {
    browser = await chromium.launch(CHROMIUM);
    for (const file of files) {
      console.log(`# ${file}`);
      if (!(await runFileInPage(browser, server.url, file, deadline))) break;
    }
  } catch (err) {
    counts.fail += 1;
    console.log(`✖ browser suite aborted\n${formatError(err)}`);
  } finally {
    await browser?.close().catch(() => {});
    await server.close();
  }

  if (failures.length) {
    console.log('\n✖ failing tests:');
    for (const f of failures) console.log(`  ${f.file}: ${f.name}`);
  }
  console.log('');
  console.log(`ℹ tests ${counts.pass + counts.fail + counts.skip + counts.todo}`);
  console.log(`ℹ skipped ${counts.skip}`);
  console.log(`ℹ todo ${counts.todo}`);
  console.log(`ℹ duration_ms ${(performance.now() - started).toFixed(0)}`);
  console.log(`ℹ pass ${counts.pass}`);
  console.log(`ℹ fail ${counts.fail}`);
  clearTimeout(hardStop);
  process.exitCode = counts.fail > 0 || counts.pass === 0 ? 1 : 0;
}

await main();
