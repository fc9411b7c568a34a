// Bundles a test page (JSX source) with esbuild against the built package, as an app would:
// `chat-token-manager` resolves to www/node_modules/chat-token-manager → pkg/, React and the
// CometChat packages to www/node_modules. Writes `<out>/app.js` (+ `app.css` when the page
// imports CSS) and copies the wasm beside it (loaded relative to the bundle).
import { createRequire } from 'node:module';
import { copyFile, mkdir, readdir } from 'node:fs/promises';

const ROOT = new URL('../../../', import.meta.url);
const esbuild = createRequire(new URL('www/package.json', ROOT))('esbuild');

/**
 * @param {string} source the page's JSX
 * @param {URL} out the output directory
 * @param {object} [extra] more esbuild options (`external`, `loader`, …)
 */
export async function buildPage(source, out, extra = {}) {
  await mkdir(out, { recursive: true });
  await esbuild.build({
    stdin: { contents: source, loader: 'jsx', resolveDir: new URL('www/', ROOT).pathname, sourcefile: 'page.jsx' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    outfile: new URL('app.js', out).pathname,
    // pkg/react.mjs finds React (and nothing else) through nodePaths, as an installed package
    // finds the app's: its real path is pkg/, outside www/node_modules.
    nodePaths: [new URL('www/node_modules', ROOT).pathname],
    conditions: ['browser'],
    define: { 'process.env.NODE_ENV': '"development"' }, // StrictMode's double mount is development-only
    logLevel: 'error',
    ...extra,
  });
  for (const f of (await readdir(new URL('pkg/', ROOT))).filter((f) => f.endsWith('.wasm'))) {
    await copyFile(new URL(`pkg/${f}`, ROOT), new URL(f, out));
  }
}
