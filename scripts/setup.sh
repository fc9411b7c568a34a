#!/usr/bin/env bash
# Installs everything the project needs on a machine that has Rust, Node 20 and npm.
# Idempotent: each step is skipped when its tool is already there at the right version.
# Sourced by scripts/run.sh and scripts/test.sh; run it alone with `bash scripts/setup.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WASM_PACK_VERSION=0.15.1
# The CLI must match the `wasm-bindgen = "=X.Y.Z"` pin (Cargo.lock holds the same version).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)

say() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian's Chromium + ChromeDriver for the browser tests, and redis-server for the demo backend's
# Redis tests (tests/www/redis.test.mjs starts its own; the package's service is not used), in
# the background while cargo builds.
apt_log=$(mktemp)
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v redis-server >/dev/null; then
  say "installing chromium, chromium-driver and redis-server (apt, in the background)"
  ( as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver redis-server ) >"$apt_log" 2>&1 &
  apt_pid=$!
else
  apt_pid=
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION (a few minutes)"
  cargo install -q wasm-pack --version "$WASM_PACK_VERSION" --force
fi
# wasm-bindgen-cli and wasm-pack run the wasm-bindgen tests (tests/web.rs); the shipped module
# uses neither. Node tools: binaryen (wasm-opt), esbuild (bundles and minifies the JS host),
# typescript, playwright-core.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/esbuild ] || [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing node tools (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ -n "$apt_pid" ]; then
  if ! wait "$apt_pid"; then cat "$apt_log" >&2; say "apt-get failed"; exit 1; fi
fi
rm -f "$apt_log"
say "ready: $(wasm-bindgen --version), $(wasm-pack --version), $(node_modules/.bin/wasm-opt --version), esbuild $(node_modules/.bin/esbuild --version), $(chromium --version 2>/dev/null | head -1), $(redis-server --version | awk '{print $1, $2, $3}')"
