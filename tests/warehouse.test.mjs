// The collector's DuckDB side: every accepted event of either wire format
// is a row of `events`, queryable over /collector/sql and exportable to
// Parquet; a database file that cannot be opened (corrupt, locked) leaves
// the collector working on its NDJSON log, saying so.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { startCollector } from '../www/collector.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-warehouse-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const post = (c, pathname, body) => fetch(c.url + pathname, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });

const segment = {
  batch: [
    { type: 'page', properties: { path: '/a' }, messageId: 'm1', anonymousId: 'a1', timestamp: '2026-12-01T10:00:00.000Z',
      context: { page: { url: 'https://s.example/a?x=1' }, session: { id: 's1', index: 1 } } },
    { type: 'track', event: 'Order Completed', properties: { revenue: 42.5 }, messageId: 'm2', anonymousId: 'a1', userId: 'u1',
      timestamp: '2026-12-01T10:01:00.000Z', context: { page: { url: 'https://s.example/a' }, session: { id: 's1', index: 1 } } },
  ],
  sentAt: '2026-12-01T10:01:01.000Z',
};
const co = JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0',
  data: [{ schema: 'iglu:dev.kizuna/session/jsonschema/1-0-0', data: { id: 's2', index: 4 } }] });
const snowplow = {
  schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
  data: [
    { e: 'pv', p: 'web', tv: 't', eid: 'e1', duid: 'a2', dtm: '1796119200000', url: 'https://s.example/b', co },
    { e: 'ue', p: 'web', tv: 't', eid: 'e2', duid: 'a2', dtm: '1796119260000', url: 'https://s.example/b', co,
      ue_pr: JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0',
        data: { schema: 'iglu:dev.kizuna/custom_event/jsonschema/1-0-0', data: { name: 'Signup', properties: { plan: 'pro' } } } }) },
  ],
};

test('both formats land in DuckDB as rows a team can query, and export to Parquet', async () => {
  const c = await startCollector({ out: path.join(tmp, 'events.ndjson') });
  try {
    assert.equal(c.warehouse.error, null);
    assert.equal(c.warehouse.file, path.join(tmp, 'events.duckdb'));
    assert.equal((await post(c, '/collect', segment)).status, 200);
    assert.equal((await post(c, '/com.snowplowanalytics.snowplow/tp2', snowplow)).status, 200);
    const rows = await c.warehouse.query('SELECT format, type, event, message_id, anonymous_id, user_id, session_id, session_index, path, properties FROM events ORDER BY format, message_id');
    assert.deepEqual(rows.map((r) => [r.format, r.type, r.event, r.message_id, r.session_id, r.session_index, r.path]), [
      ['segment', 'page', null, 'm1', 's1', 1, '/a'],
      ['segment', 'track', 'Order Completed', 'm2', 's1', 1, '/a'],
      ['snowplow', 'page', null, 'e1', 's2', 4, '/b'],
      ['snowplow', 'track', 'Signup', 'e2', 's2', 4, '/b'],
    ]);
    assert.equal(rows[1].user_id, 'u1');
    assert.deepEqual(JSON.parse(rows[3].properties), { plan: 'pro' });
    // Over HTTP too (the dashboard's way), SELECT only.
    const res = await fetch(`${c.url}/collector/sql?q=${encodeURIComponent("SELECT sum((properties->>'revenue')::DOUBLE) AS revenue FROM events WHERE event = 'Order Completed'")}`);
    assert.deepEqual(await res.json(), [{ revenue: 42.5 }]);
    assert.equal((await fetch(`${c.url}/collector/sql?q=${encodeURIComponent('DELETE FROM events')}`)).status, 400);
    const parquet = await c.warehouse.exportParquet(path.join(tmp, 'events.parquet'));
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const back = (await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM '${parquet}'`)).getRowObjectsJson();
    assert.deepEqual(back, [{ n: 4 }]);
  } finally {
    await c.close();
  }
});

test('a corrupt database file: the collector says so, accepts batches and keeps the NDJSON log', async () => {
  const bad = path.join(tmp, 'corrupt.duckdb');
  fs.writeFileSync(bad, Buffer.from('this is not a duckdb file'.repeat(200)));
  const errors = [];
  const original = console.error;
  console.error = (m) => errors.push(String(m));
  let c;
  try {
    c = await startCollector({ out: path.join(tmp, 'corrupt.ndjson'), duckdb: bad });
  } finally {
    console.error = original;
  }
  try {
    assert.match(c.warehouse.error, /unavailable.*NDJSON log only/);
    assert.ok(errors.some((m) => m.includes('[collector]') && m.includes('corrupt.duckdb')), JSON.stringify(errors));
    assert.equal((await post(c, '/collect', segment)).status, 200);
    assert.equal(fs.readFileSync(path.join(tmp, 'corrupt.ndjson'), 'utf8').trim().split('\n').length, 1);
    assert.equal((await fetch(`${c.url}/collector/sql?q=SELECT%201`)).status, 503);
  } finally {
    await c.close();
  }
});

test('a database file another process holds locked: the collector says so and keeps the NDJSON log', async () => {
  const file = path.join(tmp, 'locked.duckdb');
  const { spawn } = await import('node:child_process');
  // The holder keeps its instance reachable: a collected DuckDBInstance
  // closes its file and drops the lock (a CI run once collected it first).
  const holder = spawn(process.execPath, ['-e', `import('@duckdb/node-api').then(async ({ DuckDBInstance }) => { const db = await DuckDBInstance.create(${JSON.stringify(file)}); globalThis.held = [db, await db.connect()]; console.log('held'); setInterval(() => {}, 1000); })`],
    { cwd: path.resolve(path.dirname(new URL(import.meta.url).pathname), '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    await assert.rejects(DuckDBInstance.create(file), /lock/i, 'the holder process has the file locked');
    const original = console.error;
    console.error = () => {};
    let c;
    try {
      c = await startCollector({ out: path.join(tmp, 'locked.ndjson'), duckdb: file });
    } finally {
      console.error = original;
    }
    try {
      assert.match(c.warehouse.error, /lock/i);
      assert.equal((await post(c, '/collect', segment)).status, 200);
      assert.equal(fs.readFileSync(path.join(tmp, 'locked.ndjson'), 'utf8').trim().split('\n').length, 1);
    } finally {
      await c.close();
    }
  } finally {
    holder.kill();
  }
});
