#!/usr/bin/env bash
# Runs every test of Kizuna, installing what is missing first:
#   1. host: cargo test (the pure core, encoders against golden fixtures)
#   2. build: the optimized wasm that ships (tools/build.sh)
#   3. browser: wasm-bindgen-test in headless Chromium (the engines compiled
#      to wasm, the edge's describer, both modules' exports)
#   4. node: the collector's tests and the Playwright end-to-end tests
#   5. size: the shipped files against the budget
# Ends with one line "N passed, N failed" summed over every runner.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --browser || exit 1

logs=$(mktemp -d)
failures=0
stage() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { # run NAME CMD...: tee output to $logs/NAME, count a failed stage
  local name=$1; shift
  "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || { failures=$((failures + 1)); echo "[test] stage '$name' failed (exit $rc)"; }
}

stage "host tests (cargo test)"
run host cargo test --quiet

stage "build (release, wasm-opt)"
run build tools/build.sh

stage "browser tests (wasm-bindgen-test, headless Chromium)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER=/usr/bin/chromedriver \
WASM_BINDGEN_TEST_TIMEOUT=120 \
  run browser cargo test --features std,tracker,personalize --target wasm32-unknown-unknown --test web

stage "node tests (collector, Playwright end to end)"
run node node --test --test-reporter=spec --test-concurrency=1 tests/*.test.mjs tests/e2e/*.test.mjs

stage "size"
run size node tools/size.mjs --check

# One closing line over every runner: cargo's "N passed; M failed" and
# node's "ℹ pass N" / "ℹ fail N".
passed=0; failed=0
for f in "$logs"/host.log "$logs"/browser.log; do
  while read -r p fl; do passed=$((passed + p)); failed=$((failed + fl)); done < <(
    grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$f" | awk '{print $4, $6}')
done
np=$(grep -Eo 'ℹ pass [0-9]+' "$logs/node.log" | awk '{s+=$3} END {print s+0}')
nf=$(grep -Eo 'ℹ fail [0-9]+' "$logs/node.log" | awk '{s+=$3} END {print s+0}')
passed=$((passed + np)); failed=$((failed + nf))
[ "$failures" -eq 0 ] || echo "[test] $failures stage(s) failed; logs in $logs"
echo "$passed passed, $failed failed"
[ "$failures" -eq 0 ] && [ "$failed" -eq 0 ]
