#!/usr/bin/env bash
# Coverage-guided fuzzing of the core's untrusted-input parsers and state machine
# (cargo-fuzz + libFuzzer; needs the nightly toolchain). Targets: crates/core/fuzz/fuzz_targets/.
#
#   bash scripts/fuzz.sh smoke          every target for FUZZ_SMOKE_SECS (default 5) seconds, from
#                                       FUZZ_SEED (default 1) so the test command is repeatable
#   bash scripts/fuzz.sh long [N]       every target until it has run N inputs (default
#                                       10,000,000 per target), one target at a time
#   bash scripts/fuzz.sh smoke|long TARGET...   only these targets
#
# Seeds (committed) are read from crates/core/fuzz/corpus/<target>/; new inputs go to
# crates/core/fuzz/target/corpus/<target>/ and crashes to crates/core/fuzz/artifacts/<target>/
# (both ignored by git). Exits non-zero if any target crashes. Without nightly, smoke mode
# prints "fuzz: skipped (no nightly toolchain)" and succeeds; long mode fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../crates/core"

mode=${1:-smoke}
shift || true
case "$mode" in
  smoke) runs=0; secs=${FUZZ_SMOKE_SECS:-5} ;;
  long)
    runs=10000000
    if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
    secs=0 ;;
  *) echo "usage: bash scripts/fuzz.sh smoke|long [N] [TARGET...]" >&2; exit 2 ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(token_response jwt retry_after stored machine)

if ! cargo +nightly --version >/dev/null 2>&1; then
  if [ "$mode" = smoke ]; then echo "fuzz: skipped (no nightly toolchain)"; exit 0; fi
  echo "fuzz: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Release code with debug assertions and overflow checks; no sanitizer (the core is safe Rust).
if ! cargo +nightly fuzz build --release --debug-assertions --sanitizer none >"$log" 2>&1; then
  cat "$log" >&2
  echo "fuzz: build failed" >&2
  exit 1
fi
bin=fuzz/target/$(rustc +nightly -vV | sed -n 's/^host: //p')/release

failed=0
rows=()
total_execs=0 total_crashes=0 total_ms=0
for t in "${targets[@]}"; do
  [ -x "$bin/$t" ] || { echo "fuzz: no such target: $t" >&2; exit 2; }
  mkdir -p "fuzz/target/corpus/$t" "fuzz/artifacts/$t" "fuzz/corpus/$t"
  limit=(-runs="$runs")
  [ "$mode" = smoke ] && limit=(-max_total_time="$secs" -seed="${FUZZ_SEED:-1}")
  start=$(date +%s%N)
  rc=0
  # The first corpus directory receives new inputs; the seed directory is only read.
  "$bin/$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$t/" "fuzz/target/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -1)
  crashes=0
  if [ "$rc" -ne 0 ]; then
    crashes=1
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo "fuzz: $t CRASHED (exit $rc); input: crates/core/${artifact:-fuzz/artifacts/$t/}" >&2
    grep -E "panicked at|ERROR: libFuzzer" -A1 "$log" | head -6 | cut -c1-400 | sed 's/^/    /' >&2 || true
    echo "    reproduce: (cd crates/core && cargo +nightly fuzz run -a -s none $t ${artifact:-ARTIFACT})" >&2
  fi
  rows+=("$(printf '%-15s %13s %10s %6s %8s %7d.%d' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$crashes" $((ms / 1000)) $((ms % 1000 / 100)))")
  total_execs=$((total_execs + ${execs:-0})); total_crashes=$((total_crashes + crashes)); total_ms=$((total_ms + ms))
done

printf '%-15s %13s %10s %6s %8s %9s\n' target executions exec/s cov crashes seconds
printf '%s\n' "${rows[@]}"
printf '%-15s %13s %10s %6s %8s %7d.%d\n' total "$total_execs" "" "" "$total_crashes" $((total_ms / 1000)) $((total_ms % 1000 / 100))
exit "$failed"
