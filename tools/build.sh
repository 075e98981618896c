#!/usr/bin/env bash
# Builds what ships, from one build of the wasm and its glue:
#   js/pkg/        the npm package's wasm and glue (js/ is the package)
#   dist/kizuna/   the script-tag files: snippet, loader, wasm, SRI hashes, tags
# Release build, wasm-opt -Oz.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

cargo build --release --target wasm32-unknown-unknown --quiet
rm -rf js/pkg
wasm-bindgen --target web --no-typescript --out-dir js/pkg --out-name kizuna \
  target/wasm32-unknown-unknown/release/kizuna.wasm
# Binaryen from npm: Debian's wasm-opt (108) breaks the externref table
# current wasm-bindgen emits.
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  js/pkg/kizuna_bg.wasm -o js/pkg/kizuna_bg.wasm
# The glue ships minified (it is generated code; nobody reads it in a page)
# and as one file: the small JavaScript snippets of the web edge
# (wasm-bindgen writes them to snippets/) are bundled into it.
node_modules/.bin/esbuild js/pkg/kizuna.js --bundle --minify --format=esm --log-level=warning \
  --outfile=js/pkg/kizuna.js --allow-overwrite
rm -rf js/pkg/snippets
echo "[build] js/pkg: $(wc -c < js/pkg/kizuna_bg.wasm) bytes wasm, $(wc -c < js/pkg/kizuna.js) bytes glue"
node tools/dist.mjs
