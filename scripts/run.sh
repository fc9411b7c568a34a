#!/usr/bin/env bash
# The project's main job, from a fresh machine: installs what is missing, builds pkg/, and runs
# the Node lifecycle example against a local token endpoint (initial fetch, login, dedupe,
# proactive refresh, 429 + Retry-After, logout). Exits by itself in about half a minute.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node examples/node/lifecycle.mjs
