#!/usr/bin/env bash
# Builds the shipped files and runs the benchmark in headless Chromium.
#   tools/bench.sh            human-readable medians
#   RUNS=15 tools/bench.sh    more page loads
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --browser
tools/build.sh
node tools/bench.mjs "$@"
