// How long the collector takes to learn its model (www/collector/model.mjs)
// from N events (default 1,000,000): a fresh DuckDB file filled with
// synthetic product views (50,000 visitors, 2,000 products, popularity
// skewed, each visitor's views drawn near its previous one), then
// buildModel timed. Not part of the tests.
//   node tools/model-bench.mjs [events]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { openWarehouse } from '../www/collector/warehouse.mjs';
import { buildModel, publish } from '../www/collector/model.mjs';

const N = Number(process.argv[2] || 1_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-model-bench-'));
const w = await openWarehouse(path.join(dir, 'events.duckdb'), () => {});
if (w.error) throw new Error(w.error);
try {
  let t = performance.now();
  // hash() gives a fixed pseudo-random number per row: the same data each run.
  await w.query(`INSERT INTO events
    SELECT now()::TIMESTAMP, 'segment', 'track', 'Product Viewed', 'm' || i, 'v' || (i % 50000), NULL, NULL, NULL,
      make_timestamp(CAST(1764576000000 + i * 1000 AS BIGINT) * 1000), 'https://shop.example/p', '/p',
      json_object('product_id', 'p' || CAST(floor(pow(hash(i) % 1000003 / 1000003.0, 2) * 2000) AS INTEGER) % 2000), '{}'::JSON
    FROM range(${N}) AS r(i)`);
  console.log(`${N.toLocaleString('en')} events written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const doc = await buildModel(w, {}, Date.now() + 86_400_000 * 400);
  const s = (performance.now() - t) / 1000;
  const { body } = publish(doc);
  const pairs = Object.values(doc.items).reduce((a, i) => a + i.near.length, 0);
  console.log(`model built in ${s.toFixed(1)} s: ${Object.keys(doc.items).length} items, ${pairs} neighbours, ${(body.length / 1024).toFixed(0)} KiB of JSON, ${(zlib.gzipSync(body, { level: 9 }).length / 1024).toFixed(0)} KiB gzip`);
} finally {
  w.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
