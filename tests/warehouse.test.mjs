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
import { trackerCore, buildPageView, buildSelfDescribingEvent } from '@snowplow/tracker-core';
import { startCollector } from '../www/collector.mjs';
import { eventName } from '../www/collector/warehouse.mjs';
import { kpis } from '../www/collector/kpis.mjs';

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

test('eventName turns each of Kizuna\'s Snowplow schemas back into its event name (the pairs shared with the encoder)', () => {
  const { events } = JSON.parse(fs.readFileSync(new URL('./fixtures/snowplow-events.json', import.meta.url), 'utf8'));
  for (const { event, schema } of events) {
    const data = schema === 'custom_event' || schema === 'form_event' ? { name: event, properties: {} } : {};
    assert.equal(eventName('dev.kizuna', schema, data), event, schema);
  }
  assert.equal(eventName('com.acme', 'checkout_step', {}), 'checkout_step', 'another vendor\'s schema keeps its name');
});

test('the same visit in either format: the same rows (event names, properties, sessions) and the same KPIs', async () => {
  const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);
  const visit = [
    ['page', null, {}],
    ['track', 'Slot Viewed', { slot: 'hero', variant: 'shoes', holdout: false, reason: 'thompson', propensity: 0.5 }],
    ['track', 'Slot Clicked', { slot: 'hero', variant: 'shoes', holdout: false, reason: 'thompson', propensity: 0.5 }],
    ['track', 'Page Engagement', { engagedMs: 12000, path: '/p' }],
    ['track', 'Order Completed', { revenue: 30 }],
    ['track', 'Survey Responded', { survey: 'nps', trigger: 'order', score: 9 }],
    ['track', 'Audience Report', { segment: 'loyal', topic: 'shoes', epsilon: 2, mechanism: 'k-rr', topics: ['shoes', 'outerwear'] }],
    ['page', null, {}],
  ];
  const own = new Map(JSON.parse(fs.readFileSync(new URL('./fixtures/snowplow-events.json', import.meta.url), 'utf8')).events.map((p) => [p.event, p.schema]));
  const url = 'https://s.example/p';
  const seg = { batch: visit.map(([type, event, properties], i) => ({ type, ...(event ? { event } : {}), properties, messageId: `m${i}`, anonymousId: 'a1',
    timestamp: new Date(t0 + i * 1000).toISOString(), context: { page: { url }, session: { id: 's1', index: 1 } } })), sentAt: new Date(t0 + 9000).toISOString() };
  // The Snowplow side is built by @snowplow/tracker-core, which builds what
  // Kizuna's encoder sends for the same call (tests/e2e/snowplow.test.mjs).
  const core = trackerCore({ base64: false });
  core.setPlatform('web');
  const session = [{ schema: 'iglu:dev.kizuna/session/jsonschema/1-0-0', data: { id: 's1', index: 1 } }];
  const sp = { schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data: visit.map(([type, event, properties], i) => {
    const schema = own.get(event) ?? 'custom_event';
    const data = schema === 'custom_event' ? { name: event, properties } : properties;
    const built = core.track(type === 'page' ? buildPageView({ pageUrl: url })
      : buildSelfDescribingEvent({ event: { schema: `iglu:dev.kizuna/${schema}/jsonschema/1-0-0`, data } }), session, t0 + i * 1000);
    return { ...built, eid: `m${i}`, duid: 'a1', url };
  }) };
  const a = await startCollector({ out: path.join(tmp, 'same-seg.ndjson') });
  const b = await startCollector({ out: path.join(tmp, 'same-sp.ndjson') });
  try {
    assert.equal((await post(a, '/collect', seg)).status, 200);
    assert.equal((await post(b, '/com.snowplowanalytics.snowplow/tp2', sp)).status, 200);
    const select = 'SELECT type, event, message_id, anonymous_id, session_id, session_index, epoch_ms(ts) AS ts, path, properties FROM events ORDER BY message_id';
    const rows = async (c) => (await c.warehouse.query(select)).map((r) => ({ ...r, properties: JSON.parse(r.properties) }));
    const [ra, rb] = [await rows(a), await rows(b)];
    assert.equal(ra.length, visit.length);
    assert.deepEqual(rb, ra);
    const [ka, kb] = [await kpis(a.warehouse), await kpis(b.warehouse)];
    assert.deepEqual(kb, ka);
    // Not an empty agreement: each KPI has the visit in it.
    assert.deepEqual(ka.ctr.rows.map((r) => [r.slot, r.views, r.clicks]), [['hero', 1, 1]]);
    assert.equal(ka.conversion.rate, 1);
    assert.equal(ka.engagement.rate, 1);
    assert.deepEqual([ka.nps.responses, ka.nps.score], [1, 100]);
    assert.equal(ka.totals.pageViews, 2);
  } finally {
    await a.close();
    await b.close();
  }
});
