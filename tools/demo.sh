#!/usr/bin/env bash
# Builds Kizuna and serves the demo page with its local collector at
# http://127.0.0.1:${PORT:-8080}/ (every batch it receives goes to an NDJSON
# file and a DuckDB file whose paths it prints). Open
# http://127.0.0.1:${PORT:-8080}/side-by-side.html for the shop beside its
# KPI dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh
echo "The shop beside its KPI dashboard: http://127.0.0.1:${PORT:-8080}/side-by-side.html"
exec node www/collector.mjs --port "${PORT:-8080}"
