#!/usr/bin/env node
// Size report of every shipped file: raw, gzip -9 and brotli (max quality).
//   node tools/size.mjs            print the table
//   node tools/size.mjs --check    also fail (exit 1) when over the budget
//   node tools/size.mjs --json     machine-readable
// Run tools/build.sh first: it measures what ships, after wasm-opt.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// What ships, and what the budget counts.
const FILES = [
  { file: 'js/pkg/kizuna_bg.wasm', what: 'wasm (after wasm-opt -Oz)', budget: true },
  { file: 'js/pkg/kizuna.js', what: 'JS glue (wasm-bindgen)', budget: true },
  { file: 'js/index.js', what: 'npm entry', budget: false },
  { file: 'js/wrap.js', what: 'npm guarded API', budget: false },
  { file: 'dist/kizuna/snippet.js', what: 'script tag: snippet', budget: false },
  { file: 'dist/kizuna/slots.js', what: 'script tag: pre-paint slots', budget: false },
  { file: 'dist/kizuna/kizuna.js', what: 'script tag: loader + glue', budget: false },
  { file: 'dist/kizuna/kizuna.wasm', what: 'script tag: wasm', budget: false },
];
// The budget of wasm + JS glue, gzip -9: each feature adds what it was
// measured to need, so growth is a decision, never an accident.
const BUDGET_KIB = [
  ['tracking, batching, unload (issue #2)', 40],
  ['consent: gate, buffer, record, GPC, TCF, Consent Mode (issue #3)', 14],
  ['script-tag replay with call-time context (issue #4)', 1],
  ['personalization: profile, rules, Thompson sampling, slots, viewability (issue #5)', 27],
];
const BUDGET_GZIP_BYTES = BUDGET_KIB.reduce((s, [, kib]) => s + kib, 0) * 1024;

function measure(file) {
  const data = fs.readFileSync(path.join(root, file));
  return {
    raw: data.length,
    gzip: zlib.gzipSync(data, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(data, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length,
  };
}

const rows = [];
for (const f of FILES) {
  if (!fs.existsSync(path.join(root, f.file))) {
    console.error(`missing ${f.file}: run tools/build.sh first`);
    process.exit(2);
  }
  rows.push({ ...f, ...measure(f.file) });
}
const budgeted = rows.filter((r) => r.budget);
const total = (k) => budgeted.reduce((s, r) => s + r[k], 0);
const sum = { raw: total('raw'), gzip: total('gzip'), brotli: total('brotli') };

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ files: rows, budgeted: sum, budgetGzip: BUDGET_GZIP_BYTES }, null, 2));
} else {
  const kib = (n) => (n / 1024).toFixed(1).padStart(6);
  console.log('file                         what                          raw KiB  gzip KiB  brotli KiB');
  const bytes = (n) => String(n).padStart(6);
  for (const r of rows) {
    // Tiny files read better in bytes.
    const fmt = r.raw < 1024 ? (n) => `${bytes(n)} B` : (n) => kib(n) + '  ';
    console.log(`${r.file.padEnd(28)} ${r.what.padEnd(29)} ${fmt(r.raw)}${r.raw < 1024 ? '' : ''}  ${fmt(r.gzip)}    ${fmt(r.brotli)}`);
  }
  console.log(`${'wasm + glue'.padEnd(58)} ${kib(sum.raw)}  ${kib(sum.gzip)}    ${kib(sum.brotli)}`);
  console.log(`budget: wasm + glue ≤ ${BUDGET_GZIP_BYTES / 1024} KiB gzip -9 (${BUDGET_KIB.map(([what, kib]) => `${kib} ${what}`).join(' + ')})`);
  console.log(`        ${sum.gzip <= BUDGET_GZIP_BYTES ? 'within' : 'OVER'}: ${sum.gzip} of ${BUDGET_GZIP_BYTES} bytes`);
}
if (process.argv.includes('--check') && sum.gzip > BUDGET_GZIP_BYTES) {
  console.error(`size budget exceeded: ${sum.gzip} > ${BUDGET_GZIP_BYTES} bytes gzip`);
  process.exit(1);
}
