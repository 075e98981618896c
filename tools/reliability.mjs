#!/usr/bin/env node
// The reliability command: runs every case of tests/e2e/reliability-cases.mjs
// in headless Chromium against the local collector and prints the table the
// README quotes (tracked, arrived, duplicates, events resent under a new id).
//   node tools/reliability.mjs            (after tools/build.sh)
//   node tools/reliability.mjs crash      only the cases whose name contains "crash"
import { setup, teardown } from '../tests/e2e/helpers.mjs';
import { CASES } from '../tests/e2e/reliability-cases.mjs';

const filter = process.argv[2] || '';
const env = await setup('reliability');
const rows = [];
try {
  for (const c of CASES.filter((x) => x.name.includes(filter))) {
    const started = Date.now();
    let r;
    try {
      r = await c.run(env);
    } catch (e) {
      r = { arrived: 0, duplicates: 0, newIds: 0, note: `failed: ${e.message.split('\n')[0]}` };
    }
    const row = { case: c.name, tracked: c.tracked, arrived: r.arrived ?? '–', duplicates: r.duplicates, newIds: r.newIds, note: r.note ?? '', s: ((Date.now() - started) / 1000).toFixed(1) };
    rows.push(row);
    console.error(JSON.stringify(row));
  }
} finally {
  await teardown(env);
}
console.log('| case | tracked | arrived | duplicates | resent under a new id | notes |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.case} | ${r.tracked} | ${r.arrived} | ${r.duplicates} | ${r.newIds} | ${r.note} |`);
