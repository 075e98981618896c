#!/usr/bin/env bash
# Builds Kizuna and serves the demo page with its local collector at
# http://127.0.0.1:${PORT:-8080}/ (every batch it receives goes to an NDJSON
# file whose path it prints).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh
exec node www/collector.mjs --port "${PORT:-8080}"
