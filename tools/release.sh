#!/usr/bin/env bash
# Makes a release from one build:
#   tools/release.sh              builds (tools/build.sh), then packs into release/:
#                                 kizuna-<version>.tgz (npm install ./kizuna-<version>.tgz,
#                                 no Rust needed), kizuna-<version>-web.zip (the
#                                 script-tag folder), SHA256SUMS, BUILDINFO.txt
#   tools/release.sh --no-build   packs the current build (js/pkg, dist/kizuna)
#
# Reproducible: the same commit gives the same bytes, from any directory,
# with the same toolchain. What the build reads is pinned:
#   Rust         RUSTUP_TOOLCHAIN below (1.95.0), Cargo.lock (dependencies,
#                wasm-bindgen =0.2.130 in Cargo.toml)
#   wasm-bindgen the CLI of Cargo.lock's version (tools/setup.sh checks it)
#   wasm-opt     binaryen and esbuild from package-lock.json (npm ci)
#   node/npm     node 20.20 / npm 11 here: npm pack and the zip compress with
#                node's zlib, so another node release may compress differently
# and what would vary is fixed: the time zone and locale, the umask, the
# zip's times (npm's fixed 1985-10-26 08:15 UTC, or SOURCE_DATE_EPOCH if
# set: the artifacts depend on their contents only, not on the commit), and
# tools/release.mjs stages files with one mode and checks that no path of
# this machine is in the wasm (rustc writes src/… and /rustc/<hash>/…).
# Compare two releases with: sha256sum -c SHA256SUMS (in release/).
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
case "${1:-}" in
  --no-build) build=0 ;;
  "") ;;
  *) echo "usage: tools/release.sh [--no-build]" >&2; exit 2 ;;
esac

export RUSTUP_TOOLCHAIN="${RUSTUP_TOOLCHAIN:-1.95.0}"
export TZ=UTC LC_ALL=C
umask 022

if [ "$build" = 1 ]; then
  tools/build.sh
fi
node tools/release.mjs
