#!/usr/bin/env node
// Size report of what ships: every file raw, gzip -9 and brotli; what a page
// downloads before its first event (the script tag's loader + tracking
// wasm) and for all four jobs (+ personalization and slots.js); where the
// bytes are, per module (the wasm's name section, the bundles' esbuild
// metafiles); and the delta against the figures recorded at the previous
// commit (tools/size-record.json in HEAD).
//   node tools/size.mjs            the report
//   node tools/size.mjs --check    also fail (exit 1) when over the budget
//   node tools/size.mjs --record   write tools/size-record.json (commit it with the change)
//   node tools/size.mjs --json     machine-readable
// Run tools/build.sh first: it measures what ships, after wasm-opt.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { wasmFunctions } from './wasm-functions.mjs';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rel = (f) => path.join(root, f);

const FILES = [
  ['dist/kizuna/kizuna.js', 'script tag: loader + edge + tracker glue'],
  ['dist/kizuna/kizuna.wasm', 'script tag: tracking engine'],
  ['dist/kizuna/personalize.js', 'script tag: personalization edge + glue'],
  ['dist/kizuna/personalize.wasm', 'script tag: personalization engine'],
  ['dist/kizuna/engage.js', 'script tag: engage build (recs) edge + glue'],
  ['dist/kizuna/engage.wasm', 'script tag: engage build engine'],
  ['dist/kizuna/slots.js', 'script tag: pre-paint slots'],
  ['dist/kizuna/snippet.js', 'script tag: snippet (inline)'],
  ['js/pkg/kizuna.js', 'npm: tracker glue'],
  ['js/pkg/personalize.js', 'npm: personalization glue'],
];
const SETS = {
  firstEvent: ['dist/kizuna/kizuna.js', 'dist/kizuna/kizuna.wasm'],
  allFourJobs: ['dist/kizuna/kizuna.js', 'dist/kizuna/kizuna.wasm', 'dist/kizuna/personalize.js', 'dist/kizuna/personalize.wasm', 'dist/kizuna/slots.js'],
  // A page with recommendations loads the engage build instead of personalize.*.
  engagePage: ['dist/kizuna/kizuna.js', 'dist/kizuna/kizuna.wasm', 'dist/kizuna/engage.js', 'dist/kizuna/engage.wasm', 'dist/kizuna/slots.js'],
};
// The budgets, gzip -9 bytes (issue #8 sets the goal: 10 KB before the
// first event, 17 KB for all four jobs; each later feature adds its own).
// A ceiling against regressions, not the goal: raised from 56/96 KiB when
// the persisted queue (+5.0 KiB) and autotrack (+6.9 KiB) went past their
// issues' budgets (+2 KB each), as docs/size.md says; the
// all-four ceiling from 100 to 104 KiB when issue #12's profile fields
// (items, cart, journeys: kept by every build so no page drops them) and
// decision changes added 2.7 KiB to the personalization module.
// Issue #12 set 4 KB for what the engage build adds on the pages that load
// it; recommendations alone took 3.4 KiB, journeys and the survey widget
// 6.3 KiB more. A ceiling against regressions, not the goal (README).
// Issue #13: decoding GPP (every US section, uspv1, TCF inside GPP) added
// 1.6 KiB to the tracking wasm (its budget: 1.5 KB for the whole issue):
// first event 60 -> 62 KiB, all four jobs 104 -> 106 KiB; the privacy
// switches (SHA-256 for hashed user ids, user agent and referrer
// trimming) 2.3 KiB more: 64 and 108 KiB.
// Issue #17 (hardening): +2.4 KiB before the first event (wasm +1.4:
// checking stored events, escaping every fragment of both engines' answers
// in one function, the CORS answer, strict JSON strings and numbers; the
// loader +1.0: lifetimes that end every listener, lock and hook, the
// poisoned state after a trap, key checks of stored queues): 64 -> 66 KiB.
// Then +0.5 KiB for the stored formats' remaining checks (finite numbers,
// session ids, counters, page and log bounds: fuzzing found each) and
// issue #18's browser fixes (the lock following the stored queue, answers
// for requests that crossed a back/forward cache restore, the restored
// page's view): 67 and 109 KiB.
// Then group() and alias() (+1.5 KiB of tracking wasm, +0.05 KiB of
// loader) and the queue handover that remembers which messages it adopted
// (+0.4 KiB): 69 and 111 KiB.
// The engine work of issue #19 replaces these ceilings with 16/32 KiB.
// The learned model (issue #21, at most 2 KiB where it loads): the engage
// build +1.6 KiB (its edge +0.5, its wasm +1.1), while the plain
// personalization module shrank 0.55 KiB (one string join for all its
// messages), which the engage extra is counted over: 11 -> 12.75 KiB.
// A deferred request (fetchLater, issue #19's design) for what storage
// does not hold yet, so a crashed tab loses nothing in Chromium: +0.35 KiB
// of tracking wasm, +0.1 KiB of loader: 67.5 and 110.25 KiB.
// The edge validating the config, calls and consent inputs (issue #19):
// 63.25 and 106.25 KiB. Then the personalization config too: its engine
// -5.7 KiB, its edge +2.2: 102.75 KiB for all four, and the engage build's
// extra 11.25 KiB. A row's items crossing as records, kept on both sides
// (the edge compares what it sent, the engine asks again when it dropped
// them): engage edge +0.4 KiB, wasm -0.15: 11.5 KiB.
const BUDGET = { firstEvent: 63.25 * 1024, allFourJobs: 102.75 * 1024, engageExtra: 11.5 * 1024 };

function measure(file) {
  const data = fs.readFileSync(rel(file));
  return {
    raw: data.length,
    gzip: zlib.gzipSync(data, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }).length,
  };
}

// Function sizes from a wasm's name section (tools/wasm-functions.mjs),
// grouped by Rust module.
function wasmModules(file) {
  if (!fs.existsSync(rel(file))) return null;
  const { functions, dataBytes } = wasmFunctions(fs.readFileSync(rel(file)));
  const groups = {};
  for (const f of functions) {
    const g = moduleOf(f.name);
    groups[g] = (groups[g] || 0) + f.size;
  }
  groups['(data: strings, tables)'] = dataBytes;
  return groups;
}

/** The group a function's bytes count for: its Rust module, or the library it comes from. */
export function moduleOf(rawName) {
  // wasm-bindgen leaves demangled names: crate[hash]::module::…
  const name = rawName.replace(/\[[0-9a-f]+\]/g, '');
  const head = name.split('::')[0];
  if (head === 'kizuna') {
    const p = name.split('<')[0].split('::').slice(1);
    return p[0] === 'engine' ? 'engine::' + (['pipeline', 'consent', 'personalize', 'text', 'tracker', 'encode'].includes(p[1]) && p.length > 3 ? p.slice(1, 3).join('::') : p[1]) : p[0];
  }
  if (/multivalue shim/.test(name)) return 'exports (engine code inlined into them)';
  if (/^(run|start|stop|personalize_run|personalize_start|personalize_stop)$/.test(name)) return 'exports (engine code inlined into them)';
  if (/wasm_bindgen|wbindgen|externref/.test(name)) return 'wasm-bindgen';
  if (/^(compiler_builtins|libm)/.test(head)) return 'compiler-builtins, libm';
  if (/fmt/.test(name)) return 'core::fmt';
  if (head === 'alloc') return 'alloc (Vec, String)';
  if (head === 'core') return 'core';
  return 'other';
}

function bundleModules(meta) {
  if (!fs.existsSync(rel(meta))) return null;
  const m = JSON.parse(fs.readFileSync(rel(meta), 'utf8'));
  const out = Object.values(m.outputs)[0];
  const groups = {};
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) groups[input.replace(/^js\//, '')] = bytesInOutput;
  return groups;
}

const files = FILES.filter(([f]) => fs.existsSync(rel(f))).map(([file, what]) => ({ file, what, ...measure(file) }));
if (files.length < 5) {
  console.error('dist/kizuna is incomplete: run tools/build.sh first');
  process.exit(2);
}
const byFile = Object.fromEntries(files.map((f) => [f.file, f]));
const sets = Object.fromEntries(Object.entries(SETS).map(([k, list]) => [k, ['raw', 'gzip', 'brotli'].reduce((o, m) => ({ ...o, [m]: list.reduce((s, f) => s + byFile[f][m], 0) }), {})]));
const modules = {
  'kizuna.wasm (code bytes)': wasmModules('target/size/kizuna.named.wasm'),
  'personalize.wasm (code bytes)': wasmModules('target/size/personalize.named.wasm'),
  'engage.wasm (code bytes)': wasmModules('target/size/engage.named.wasm'),
  'kizuna.js (minified bytes)': bundleModules('target/size/kizuna.meta.json'),
  'personalize.js (minified bytes)': bundleModules('target/size/personalize.meta.json'),
  'engage.js (minified bytes)': bundleModules('target/size/engage.meta.json'),
};
const record = { files: Object.fromEntries(files.map((f) => [f.file, { raw: f.raw, gzip: f.gzip, brotli: f.brotli }])), sets };

const engageExtra = sets.engagePage.gzip - sets.allFourJobs.gzip;

let previous = null;
try {
  previous = JSON.parse(execFileSync('git', ['show', 'HEAD:tools/size-record.json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
} catch (_) { /* no record at HEAD */ }

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ ...record, modules, budget: BUDGET, previous }, null, 2));
} else {
  const kib = (n) => (n / 1024).toFixed(1).padStart(6);
  const delta = (now, before) => (before === undefined ? '' : `${now - before >= 0 ? '+' : ''}${now - before} B`.padStart(10));
  console.log('file                           what                                        raw KiB  gzip KiB  brotli KiB  gzip vs HEAD');
  for (const f of files) {
    console.log(`${f.file.padEnd(30)} ${f.what.padEnd(43)} ${kib(f.raw)}  ${kib(f.gzip)}    ${kib(f.brotli)}  ${delta(f.gzip, previous?.files?.[f.file]?.gzip)}`);
  }
  for (const [k, label] of [['firstEvent', 'before the first event (loader + tracking wasm)'], ['allFourJobs', 'all four jobs (+ personalization, slots.js)'], ['engagePage', 'a page with recommendations (engage build instead)']]) {
    const s = sets[k];
    console.log(`${label.padEnd(74)} ${kib(s.raw)}  ${kib(s.gzip)}    ${kib(s.brotli)}  ${delta(s.gzip, previous?.sets?.[k]?.gzip)}`);
  }
  for (const [name, groups] of Object.entries(modules)) {
    if (!groups) continue;
    const total = Object.values(groups).reduce((a, b) => a + b, 0);
    console.log(`\n${name}, per module:`);
    for (const [g, n] of Object.entries(groups).sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(7)}  ${(100 * n / total).toFixed(1).padStart(5)}%  ${g}`);
  }
  console.log(`\nbudget (gzip): ${BUDGET.firstEvent} B before the first event, ${BUDGET.allFourJobs} B for all four jobs`);
  console.log(`        ${sets.firstEvent.gzip <= BUDGET.firstEvent ? 'within' : 'OVER'}: ${sets.firstEvent.gzip} B; ${sets.allFourJobs.gzip <= BUDGET.allFourJobs ? 'within' : 'OVER'}: ${sets.allFourJobs.gzip} B`);
  console.log(`        engage build: +${engageExtra} B gzip over personalize.js + .wasm (${engageExtra <= BUDGET.engageExtra ? 'within' : 'OVER'} the ${BUDGET.engageExtra} B ceiling; the issue's goal: 4096 B)`);
}
if (process.argv.includes('--record')) fs.writeFileSync(rel('tools/size-record.json'), JSON.stringify(record, null, 1) + '\n');
if (process.argv.includes('--check') && (sets.firstEvent.gzip > BUDGET.firstEvent || sets.allFourJobs.gzip > BUDGET.allFourJobs || engageExtra > BUDGET.engageExtra)) {
  console.error(`size budget exceeded: ${sets.firstEvent.gzip} > ${BUDGET.firstEvent} or ${sets.allFourJobs.gzip} > ${BUDGET.allFourJobs} or engage +${engageExtra} > ${BUDGET.engageExtra} bytes gzip`);
  process.exit(1);
}
