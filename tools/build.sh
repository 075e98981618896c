#!/usr/bin/env bash
# Builds what ships, from one build of each wasm module and its glue:
#   js/pkg/        the npm package's wasm and glue (js/ is the package):
#                  kizuna (the tracking engine) and personalize (the
#                  personalization engine, loaded only where a page personalizes)
#   dist/kizuna/   the script-tag files: snippet, loader, wasm, the
#                  personalization module, slots.js, SRI hashes, tags
# Release builds, wasm-opt -Oz.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

rm -rf js/pkg
mkdir -p js/pkg
# One crate, two modules: the features choose which exports each has.
# engage: the personalization engine with recommendations, journeys and
# surveys, loaded instead of it only on pages that configure them.
for module in kizuna personalize engage; do
  case "$module" in kizuna) feature=tracker ;; *) feature=$module ;; esac
  # A 64 KiB stack, not the default 1 MiB: wasm memory never shrinks, and
  # every page of it counts against the page's memory (the engines recurse
  # at most a few dozen frames, into described values of bounded depth).
  RUSTFLAGS="-C link-arg=-zstack-size=65536" \
  cargo build --release --target wasm32-unknown-unknown --quiet --no-default-features --features "$feature" \
    --target-dir "target/$module"
  wasm-bindgen --target web --no-typescript --out-dir js/pkg --out-name "$module" \
    "target/$module/wasm32-unknown-unknown/release/kizuna.wasm"
  # Binaryen from npm: Debian's wasm-opt (108) breaks the externref table
  # current wasm-bindgen emits.
  # A copy with its function names kept, for the size report's per-module view.
  mkdir -p target/size
  # -ocimfs 10: a function with one caller is inlined into it only when
  # tiny. Binaryen inlines any size by default, which copies engine code
  # into every export; capped, the tracking engine is ~1.4 KB smaller
  # gzipped (docs/size.md).
  OPT="-Oz -ocimfs 10"
  node_modules/.bin/wasm-opt $OPT -g "js/pkg/${module}_bg.wasm" -o "target/size/$module.named.wasm"
  node_modules/.bin/wasm-opt $OPT --converge --strip-debug --strip-producers \
    "js/pkg/${module}_bg.wasm" -o "js/pkg/${module}_bg.wasm"
  # The glue ships minified (generated code nobody reads in a page).
  node_modules/.bin/esbuild "js/pkg/$module.js" --minify --format=esm --log-level=warning \
    --outfile="js/pkg/$module.js" --allow-overwrite
  echo "[build] js/pkg/$module: $(wc -c < "js/pkg/${module}_bg.wasm") bytes wasm, $(wc -c < "js/pkg/$module.js") bytes glue"
done
node tools/dist.mjs
