// Bundles metro/app with Metro the way a React Native app's release build does:
//   node tests/hermes/metro/build.cjs <out.js> [exports|main-field]
// `exports`: package exports on with React Native's conditions (Metro ≥ 0.82 / RN ≥ 0.79);
// `main-field`: package exports off, resolved through the `react-native` main field (older RN).
// The resolver settings are those @react-native/metro-config sets; the package comes from pkg/.
const path = require('node:path');
const Metro = require('metro');

const ROOT = path.join(__dirname, '..', '..', '..');
const PKG = process.env.CTM_PKG_DIR || path.join(ROOT, 'pkg'); // another package dir, to try variants
const [out, mode = 'exports'] = process.argv.slice(2);

(async () => {
  const config = await Metro.loadConfig(
    { cwd: __dirname },
    {
      projectRoot: __dirname,
      watchFolders: [PKG, path.join(__dirname, '..', 'node_modules')],
      resolver: {
        extraNodeModules: { 'chat-token-manager': PKG },
        unstable_enablePackageExports: mode === 'exports',
        unstable_conditionNames: ['require', 'import', 'react-native'],
        resolverMainFields: ['react-native', 'browser', 'main'],
      },
      serializer: { getPolyfills: () => [] },
      cacheStores: [],
      reporter: { update() {} },
    },
  );
  await Metro.runBuild(config, { entry: path.join(__dirname, 'app', 'index.js'), platform: 'android', dev: false, minify: true, out });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
