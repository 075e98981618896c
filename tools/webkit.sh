#!/usr/bin/env bash
# Runs Kizuna's WebKit suite (tests/webkit/*.test.mjs): the shipped build in
# WebKitGTK's MiniBrowser (Safari's engine) over classic WebDriver, with the
# local collector. Each test file starts its own Xvfb (display number from
# its PID), WebKitWebDriver (a free port) and collector, and stops them.
#
#   tools/webkit.sh                                  the whole suite
#   tools/webkit.sh --test-name-pattern=bfcache      node --test options pass through
#
# Needs: the build (js/pkg/, dist/kizuna/: tools/build.sh), Xvfb,
# WebKitWebDriver and MiniBrowser (tools/setup.sh --browser installs them),
# npm's selenium-webdriver. WEBKIT_DRIVER, WEBKIT_MINIBROWSER and XVFB
# override where they are. Ends with node's test summary (ℹ pass N / ℹ fail N).
set -uo pipefail
cd "$(dirname "$0")/.."

minibrowser=${WEBKIT_MINIBROWSER:-/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser}
missing=()
[ -x "${WEBKIT_DRIVER:-/usr/bin/WebKitWebDriver}" ] || missing+=("WebKitWebDriver (Debian: webkit2gtk-driver)")
[ -x "$minibrowser" ] || missing+=("$minibrowser")
command -v "${XVFB:-Xvfb}" >/dev/null || missing+=("Xvfb (Debian: xvfb)")
[ -d node_modules/selenium-webdriver ] || missing+=("npm selenium-webdriver (npm ci)")
if [ ${#missing[@]} -gt 0 ]; then
  printf '[webkit] missing: %s\n[webkit] run tools/setup.sh --browser\n' "$(IFS=,; echo "${missing[*]}")" >&2
  exit 1
fi
for f in js/pkg/kizuna_bg.wasm dist/kizuna/kizuna.js dist/kizuna/kizuna.wasm dist/kizuna/slots.js; do
  [ -f "$f" ] || { echo "[webkit] $f is missing: run tools/build.sh first" >&2; exit 1; }
done

exec node --test --test-reporter=spec --test-concurrency=1 "$@" tests/webkit/*.test.mjs
