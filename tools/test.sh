#!/usr/bin/env bash
# Runs every test of Kizuna, installing what is missing first:
#   1. host: cargo test (the pure core, encoders against golden fixtures),
#      then cargo fmt --check and clippy (warnings fail)
#   2. build: the optimized wasm that ships (tools/build.sh)
#   3. browser: wasm-bindgen-test in headless Chromium (the engines compiled
#      to wasm, the edge's describer, both modules' exports)
#   4. node: the collector's tests and the Playwright end-to-end tests in
#      Chromium, then the same suites in Firefox ESR, then the WebKit suite
#      (tests/webkit, WebKitGTK over WebDriver: tools/webkit.sh)
#   5. shifted clock: the host and node unit tests again, a year ahead and
#      in another time zone (libfaketime), so no test depends on the date
#   6. size: the shipped files against the budget
# Ends with one line "N passed, N failed" summed over every runner.
#
#   tools/test.sh             every test (what CI runs)
#   tools/test.sh --shifted   every test a year ahead and in
#                             Pacific/Kiritimati (UTC+14); SHIFT=+30d
#                             SHIFT_TZ=… choose another offset and zone
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --browser || exit 1

SHIFT=${SHIFT:-+365d}
SHIFT_TZ=${SHIFT_TZ:-Pacific/Kiritimati}
# The tests (never the builds: rustc stalls under libfaketime) run under
# $shifted: the clock moved, in another zone, monotonic time and file
# times left real (timers keep their pace; cargo sees no stale files).
shifted="env NO_FAKE_STAT=1 DONT_FAKE_MONOTONIC=1 TZ=$SHIFT_TZ faketime -f $SHIFT"
T=""
if [ "${1:-}" = "--shifted" ]; then
  echo "[test] every test with the clock at $SHIFT and TZ=$SHIFT_TZ"
  T=$shifted
fi

logs=$(mktemp -d)
failures=0
started=$SECONDS
stage() { printf '\n\033[1m== %s\033[0m (at %d s)\n' "$*" $((SECONDS - started)); }
# run NAME MINUTES CMD...: tee output to $logs/NAME, count a failed stage.
# A stage that hangs (a browser that stops answering its driver) is killed
# after MINUTES, so one hang costs minutes, never the whole CI run.
run() {
  local name=$1 minutes=$2; shift 2
  local t0=$SECONDS
  timeout --kill-after=30 "$((minutes * 60))" "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 124 ] && echo "[test] stage '$name' timed out after $minutes min"
  [ "$rc" -eq 0 ] || { failures=$((failures + 1)); echo "[test] stage '$name' failed (exit $rc)"; }
  echo "[test] stage '$name': $((SECONDS - t0)) s"
}
# node's test runner waits for ever by default: each test gets 3 minutes.
TEST_TIMEOUT=--test-timeout=180000
NODE_TEST="node --test --test-reporter=spec --test-concurrency=1 $TEST_TIMEOUT"

stage "host tests (cargo test)"
cargo test --quiet --no-run 2>/dev/null
run host 20 $T cargo test --quiet --lib --tests

stage "lint (cargo fmt --check, clippy on the host and the three wasm builds)"
run lint 10 sh -c 'cargo fmt --check && cargo clippy --quiet --all-targets --features std,tracker,personalize -- -D warnings &&
  for f in tracker personalize "personalize engage"; do
    cargo clippy --quiet --release --target wasm32-unknown-unknown --no-default-features --features "$f" --lib -- -D warnings || exit 1
  done'

stage "build (release, wasm-opt)"
run build 30 tools/build.sh

stage "browser tests (wasm-bindgen-test, headless Chromium)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER=/usr/bin/chromedriver \
WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test --quiet --no-run --features std,tracker,personalize --target wasm32-unknown-unknown --test web 2>/dev/null
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER=/usr/bin/chromedriver \
WASM_BINDGEN_TEST_TIMEOUT=120 \
  run browser 15 $T cargo test --features std,tracker,personalize --target wasm32-unknown-unknown --test web

stage "node tests (collector, Playwright end to end in Chromium)"
run node 25 $T $NODE_TEST tests/*.test.mjs tests/e2e/*.test.mjs

stage "end to end in Firefox ESR (the same Playwright suites over WebDriver BiDi)"
run firefox 25 env KIZUNA_BROWSER=firefox $T $NODE_TEST tests/e2e/*.test.mjs

stage "end to end in WebKit (WebKitGTK's MiniBrowser over WebDriver, under Xvfb)"
run webkit 10 $T tools/webkit.sh $TEST_TIMEOUT

if [ -z "$T" ]; then
  stage "shifted clock ($SHIFT, TZ=$SHIFT_TZ): host and node unit tests again"
  # Not release.test.mjs: it packs the release (rustc -V, which stalls under
  # libfaketime) and builds apps with Vite; it ran in the node stage above.
  # In reverse order: no file may depend on another having run first.
  unit=$(ls tests/*.test.mjs | grep -v '/release\.test\.mjs$' | sort -r | tr '\n' ' ')
  run shifted 15 $shifted sh -c \
    "cargo test --quiet --lib --tests; c=\$?; $NODE_TEST $unit; exit \$((c | \$?))"
fi

stage "size"
run size 2 node tools/size.mjs --check

# One closing line over every runner: cargo's "N passed; M failed" and
# node's "ℹ pass N" / "ℹ fail N".
passed=0; failed=0
for f in "$logs"/host.log "$logs"/browser.log "$logs"/shifted.log; do
  [ -f "$f" ] || continue
  while read -r p fl; do passed=$((passed + p)); failed=$((failed + fl)); done < <(
    grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$f" | awk '{print $4, $6}')
done
np=$(cat "$logs"/node.log "$logs"/firefox.log "$logs"/webkit.log "$logs"/shifted.log 2>/dev/null | grep -Eo 'ℹ pass [0-9]+' | awk '{s+=$3} END {print s+0}')
nf=$(cat "$logs"/node.log "$logs"/firefox.log "$logs"/webkit.log "$logs"/shifted.log 2>/dev/null | grep -Eo 'ℹ fail [0-9]+' | awk '{s+=$3} END {print s+0}')
passed=$((passed + np)); failed=$((failed + nf))
[ "$failures" -eq 0 ] || echo "[test] $failures stage(s) failed; logs in $logs"
echo "$passed passed, $failed failed in $(( (SECONDS - started) / 60 )) min"
[ "$failures" -eq 0 ] && [ "$failed" -eq 0 ]
