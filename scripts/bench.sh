#!/usr/bin/env bash
# The benchmark: installs what is missing, builds, and prints one table (see bench/run.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node --expose-gc bench/run.mjs
