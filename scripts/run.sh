#!/usr/bin/env bash
# The project's main job, from a fresh machine: the demo. Installs what is missing, builds pkg/,
# installs the demo's dependencies (only when www/package-lock.json changed), builds the React
# page with Vite into www/dist/, and starts the app backend with its embedded CometChat emulator
# (real CometChat instead when COMETCHAT_APP_ID, COMETCHAT_REGION and COMETCHAT_REST_API_KEY are
# set). It prints the URL and runs until Ctrl-C. PORT picks the port (default 5173; 0 = any free).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '[run] %s\n' "$*"; }

bash scripts/setup.sh
bash scripts/build.sh

# The demo's dependencies (React, Vite, the CometChat SDK, the server's); `chat-token-manager`
# itself is linked from ../pkg. Skipped when node_modules already matches the lock.
if [ ! -d www/node_modules ] || [ www/package-lock.json -nt www/node_modules/.package-lock.json ] \
  || ! node -e 'require.resolve("chat-token-manager/package.json", { paths: ["www"] })' 2>/dev/null; then
  say "installing the demo's dependencies (npm ci --prefix www)"
  npm ci --prefix www --no-audit --no-fund --loglevel=error
fi

say "building the page (vite build → www/dist/)"
(cd www && node_modules/.bin/vite build --logLevel warn)

say "starting the demo (Ctrl-C to stop)"
exec node www/server/main.mjs
