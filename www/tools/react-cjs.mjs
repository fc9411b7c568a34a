// Writes js/react.cjs (CommonJS, for Jest and require()) from js/react.mjs, so the two never
// drift: `node www/tools/react-cjs.mjs`. tests/www/react.test.mjs fails when the committed file
// is not what this prints (`--check`).
import { readFile, writeFile } from 'node:fs/promises';
import { transform } from 'esbuild';

const root = new URL('../../', import.meta.url);
const source = await readFile(new URL('js/react.mjs', root), 'utf8');

/** The CommonJS text for js/react.mjs. */
export async function reactCjs() {
  const { code } = await transform(source, { format: 'cjs', target: 'es2020', platform: 'neutral' });
  return `// Generated from react.mjs by \`node www/tools/react-cjs.mjs\`; edit react.mjs instead.\n${code}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await reactCjs();
  const target = new URL('js/react.cjs', root);
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) { console.error('js/react.cjs is stale: run node www/tools/react-cjs.mjs'); process.exit(1); }
  } else {
    await writeFile(target, text);
  }
}
