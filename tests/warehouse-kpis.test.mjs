// The dashboard's KPI SQL (www/collector/kpis/*.sql) on three shapes of the
// same visits, in DuckDB:
//   - the local collector's `events` table (the collector itself, and a copy
//     of its Parquet export with views/local.sql run as it is);
//   - the tables Segment's warehouse connector writes (pages, identifies,
//     tracks, one table per event with a column per property), with
//     views/segment.sql;
//   - Snowplow's atomic events table as its loaders write it for Databricks,
//     Iceberg, Delta (one wide row per event, unstruct_event_* STRUCT columns,
//     contexts_* lists of STRUCTs), with views/snowplow.sql.
// The loaders below model what the vendors document (the doc pages are named
// in the view files): Segment's from the batch events Kizuna sends, Snowplow's
// from the tracker payloads @snowplow/tracker-core builds for the same calls
// (tests/e2e/snowplow.test.mjs checks Kizuna sends those) and from Kizuna's
// schemas (www/schemas/dev.kizuna/). Every KPI file runs unchanged on each;
// the figures must agree and not be empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { trackerCore, buildPageView, buildSelfDescribingEvent } from '@snowplow/tracker-core';
import { startCollector } from '../www/collector.mjs';
import { KPI_FILES, KPI_SQL, VIEW_SQL, figures, kpis, offPolicy } from '../www/collector/kpis.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-warehouse-kpis-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------
// The visits: Kizuna's Segment-format events (what it sends).
// ---------------------------------------------------------------------------

let seed = 11;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const TOPICS = ['shoes', 'outerwear', 'accessories'];

function visits() {
  const events = [];
  let n = 0;
  const ev = (type, event, v, s, minute, properties, pathname = '/') => {
    const url = `https://shop.example${pathname}`;
    events.push({
      type, ...(event ? { event } : {}), ...(type === 'identify' ? { traits: properties, userId: `user-${v}` } : { properties }),
      anonymousId: `a${v}`, messageId: `m${String(n).padStart(4, '0')}`,
      timestamp: new Date(T0 + minute * 60_000 + (n++) * 7).toISOString(),
      context: { page: { path: pathname, url, title: 'Shop' }, session: { id: `s${v}-${s}`, index: s }, locale: 'en' },
    });
  };
  for (let v = 0; v < 36; v++) {
    const holdout = v % 6 === 0;
    const fav = TOPICS[v % 3];
    const sessions = rnd() < 0.35 ? 2 : 1;
    for (let s = 1; s <= sessions; s++) {
      const minute = Math.floor(rnd() * 20) + (s - 1) * 40;
      const pages = 1 + Math.floor(rnd() * 3);
      for (let p = 0; p < pages; p++) {
        const pathname = p === 0 ? '/' : `/products/${fav}`;
        ev('page', null, v, s, minute + p, {}, pathname);
        const variant = holdout ? 'default' : rnd() < 0.7 ? fav : rnd() < 0.5 ? 'default' : TOPICS[(v + 1) % 3];
        const propensity = holdout ? 1 : variant === fav ? 0.7 : variant === 'default' ? 0.15 : 0.15;
        const decision = { slot: 'hero', variant, holdout, reason: holdout ? 'holdout' : 'thompson', propensity };
        ev('track', 'Slot Viewed', v, s, minute + p, decision, pathname);
        if (rnd() < (variant === fav ? 0.35 : 0.08)) ev('track', 'Slot Clicked', v, s, minute + p, decision, pathname);
        ev('track', 'Page Engagement', v, s, minute + p, { engagedMs: Math.floor(rnd() * 25_000), scrollDepth: 50 }, pathname);
      }
      if (rnd() < 0.3) {
        ev('track', 'Order Completed', v, s, minute + pages, { revenue: rnd() < 0.5 ? 60 : 42.5, category: fav }, '/');
        if (rnd() < 0.7) ev('track', 'Survey Responded', v, s, minute + pages, { survey: 'nps', trigger: 'order', score: Math.floor(rnd() * 11) }, '/');
      }
      if (s === 1 && rnd() < 0.2) ev('identify', null, v, s, minute, { plan: 'pro' }, '/');
    }
    ev('track', 'Audience Report', v, sessions, 50, { segment: ['new', 'returning', 'engaged'][v % 3], topic: rnd() < 0.5 ? fav : 'other', epsilon: 2, mechanism: 'k-rr', topics: ['shoes', 'outerwear'] }, '/');
  }
  return events;
}

// ---------------------------------------------------------------------------
// A model of Segment's warehouse connector.
// ---------------------------------------------------------------------------

/** go-snakecase, as Segment names tables and columns: "Slot Viewed" → slot_viewed, engagedMs → engaged_ms. */
const snake = (s) => String(s).replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase();

/** Nested objects flattened into prefix_key columns, arrays stringified (JSON). */
function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    const name = prefix ? `${prefix}_${snake(k)}` : snake(k);
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, name, out);
    else out[name] = Array.isArray(v) ? JSON.stringify(v) : v;
  }
  return out;
}

const TIMES = new Set(['timestamp', 'original_timestamp', 'sent_at', 'received_at']);
const RESERVED = new Set(['id', 'anonymous_id', 'user_id', 'event', 'event_text', ...TIMES]);

/** Segment's tables for a list of batch events: { tableName: rows }. */
function segmentTables(events, sentAt) {
  const tables = {};
  const add = (name, row) => (tables[name] ??= []).push(row);
  for (const e of events) {
    const common = {
      id: e.messageId, anonymous_id: e.anonymousId ?? null, user_id: e.userId ?? null,
      timestamp: e.timestamp, original_timestamp: e.timestamp, sent_at: sentAt, received_at: sentAt,
      ...flatten(e.context, 'context', {}),
    };
    // Properties and traits become un-prefixed columns; a reserved name is discarded.
    const own = Object.fromEntries(Object.entries(flatten(e.properties ?? e.traits, '', {})).filter(([k]) => !RESERVED.has(k)));
    if (e.type === 'page') add('pages', { ...common, ...own });
    else if (e.type === 'identify') add('identifies', { ...common, ...own });
    else {
      add('tracks', { ...common, event: snake(e.event), event_text: e.event });
      add(snake(e.event), { ...common, event: snake(e.event), event_text: e.event, ...own });
    }
  }
  return tables;
}

const lit = (v) => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));

/** CREATE TABLE + INSERT for rows of plain values; column types as the connector infers them. */
function tableSql(name, rows) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const typeOf = (c) => {
    if (TIMES.has(c)) return 'TIMESTAMP';
    const values = rows.map((r) => r[c]).filter((v) => v !== null && v !== undefined);
    if (values.length && values.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
    if (values.length && values.every((v) => Number.isInteger(v))) return 'BIGINT';
    if (values.length && values.every((v) => typeof v === 'number')) return 'DOUBLE';
    return 'VARCHAR';
  };
  const values = rows.map((r) => `(${columns.map((c) => (TIMES.has(c) && r[c] ? `TIMESTAMP ${lit(r[c].replace('T', ' ').replace('Z', ''))}` : lit(r[c]))).join(', ')})`);
  return [`CREATE TABLE ${name} (${columns.map((c) => `"${c}" ${typeOf(c)}`).join(', ')})`, `INSERT INTO ${name} VALUES ${values.join(', ')}`];
}

// ---------------------------------------------------------------------------
// A model of Snowplow's loaders (Databricks / Iceberg / Delta shape).
// ---------------------------------------------------------------------------

const OWN_SCHEMAS = new Map(JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/snowplow-events.json'), 'utf8')).events.map((p) => [p.event, p.schema]));
const schemaOf = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'www/schemas/dev.kizuna', name, 'jsonschema/1-0-0'), 'utf8'));

/** A JSON Schema property → the loader's column type (strings, numbers, booleans, string lists, JSON-serialized objects). */
function columnType(p) {
  const t = Array.isArray(p.type) ? p.type.find((x) => x !== 'null') : p.type;
  if (t === 'object') return p.properties ? `STRUCT(${Object.entries(p.properties).map(([k, v]) => `"${snake(k)}" ${columnType(v)}`).join(', ')})` : 'VARCHAR';
  if (t === 'array') return `${p.items ? columnType(p.items) : 'VARCHAR'}[]`;
  return { string: 'VARCHAR', integer: 'BIGINT', number: 'DOUBLE', boolean: 'BOOLEAN' }[t] ?? 'VARCHAR';
}

/** A value as a DuckDB literal of that type (fields not in the schema are not stored). */
function structLit(schema, data) {
  if (data === null || data === undefined) return 'NULL';
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (t === 'object' && !schema.properties) return lit(JSON.stringify(data));
  if (t === 'object') return `{${Object.entries(schema.properties).map(([k, v]) => `'${snake(k)}': ${structLit(v, data[k])}`).join(', ')}}`;
  if (t === 'array') return `[${data.map((x) => structLit(schema.items ?? { type: 'string' }, x)).join(', ')}]`;
  return lit(data);
}

/** The tracker payloads for the visits, as @snowplow/tracker-core builds them (what Kizuna sends). */
function snowplowPayloads(events) {
  const core = trackerCore({ base64: false });
  core.setPlatform('web');
  return events.map((e) => {
    const session = [{ schema: 'iglu:dev.kizuna/session/jsonschema/1-0-0', data: { id: e.context.session.id, index: e.context.session.index } }];
    const schema = e.type === 'identify' ? 'identify' : OWN_SCHEMAS.get(e.event) ?? 'custom_event';
    const data = e.type === 'identify' ? { traits: e.traits } : schema === 'custom_event' ? { name: e.event, properties: e.properties } : e.properties;
    const built = core.track(e.type === 'page' ? buildPageView({ pageUrl: e.context.page.url })
      : buildSelfDescribingEvent({ event: { schema: `iglu:dev.kizuna/${schema}/jsonschema/1-0-0`, data } }), session, Date.parse(e.timestamp));
    return { ...built, eid: e.messageId, duid: e.anonymousId, ...(e.userId ? { uid: e.userId } : {}), url: e.context.page.url };
  });
}

/** atomic.events from tracker payloads: enrich's atomic fields and the loader's columns. */
function atomicEventsSql(payloads) {
  const parsed = payloads.map((p) => ({ p, ue: p.ue_pr ? JSON.parse(p.ue_pr).data : null, co: p.co ? JSON.parse(p.co).data : [] }));
  const unstruct = [...new Set(parsed.filter((x) => x.ue).map((x) => x.ue.schema.replace(/^iglu:/, '').split('/')[1]))].sort();
  const columns = [
    'event_id VARCHAR', 'event VARCHAR', 'event_vendor VARCHAR', 'event_name VARCHAR', 'event_format VARCHAR', 'event_version VARCHAR',
    'platform VARCHAR', 'collector_tstamp TIMESTAMP', 'dvce_created_tstamp TIMESTAMP', 'dvce_sent_tstamp TIMESTAMP', 'derived_tstamp TIMESTAMP',
    'domain_userid VARCHAR', 'user_id VARCHAR', 'page_url VARCHAR', 'page_urlhost VARCHAR', 'page_urlpath VARCHAR',
    ...unstruct.map((n) => `unstruct_event_dev_kizuna_${n}_1 ${columnType(schemaOf(n))}`),
    `contexts_dev_kizuna_session_1 ${columnType(schemaOf('session'))}[]`,
  ];
  const ts = (ms) => `make_timestamp(${Math.round(Number(ms) * 1000)})`;
  const rows = parsed.map(({ p, ue, co }) => {
    const [vendor, name] = ue ? ue.schema.replace(/^iglu:/, '').split('/') : ['com.snowplowanalytics.snowplow', 'page_view'];
    const url = new URL(p.url);
    const session = co.filter((c) => c.schema.includes('dev.kizuna/session/'));
    // No clock skew in the model: derived_tstamp = collector − (sent − created) = created.
    return `(${[lit(p.eid), lit(p.e === 'pv' ? 'page_view' : 'unstruct'), lit(vendor), lit(name), lit('jsonschema'), lit('1-0-0'),
      lit(p.p), ts(p.stm ?? p.dtm), ts(p.dtm), ts(p.stm ?? p.dtm), ts(p.dtm),
      lit(p.duid), lit(p.uid ?? null), lit(p.url), lit(url.host), lit(url.pathname),
      ...unstruct.map((n) => (name === n ? structLit(schemaOf(n), ue.data) : 'NULL')),
      session.length ? `[${session.map((c) => structLit(schemaOf('session'), c.data)).join(', ')}]` : 'NULL'].join(', ')})`;
  });
  return ['CREATE SCHEMA atomic', `CREATE TABLE atomic.events (${columns.join(', ')})`, `INSERT INTO atomic.events VALUES ${rows.join(', ')}`];
}

// ---------------------------------------------------------------------------

async function duck() {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  return {
    run: (sql) => connection.run(sql),
    rows: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson(),
  };
}

const NOW = T0 + 3 * 3600_000;
/** Figures with every float cut to 12 significant digits (sums over rows in another order differ in the last bits). */
const fixed = (x) => JSON.parse(JSON.stringify(x, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v)));
const KZ_COLUMNS = 'message_id, epoch_ms(ts) AS ts, type, event, anonymous_id, user_id, session_id, session_index, path, slot, variant, holdout, propensity, revenue, engaged_ms, score, segment, topic, epsilon, topics';

const events = visits();
const sentAt = new Date(T0 + 4 * 3600_000).toISOString();
const results = {};
const kzRows = {};
let collector;
let snowplowCollector;

before(async () => {
  collector = await startCollector({ out: path.join(tmp, 'seg.ndjson') });
  snowplowCollector = await startCollector({ out: path.join(tmp, 'sp.ndjson') });
  const post = (c, p, body) => fetch(c.url + p, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
  for (let i = 0; i < events.length; i += 100) {
    assert.equal((await post(collector, '/collect', { batch: events.slice(i, i + 100), sentAt })).status, 200);
  }
  const payloads = snowplowPayloads(events);
  for (let i = 0; i < payloads.length; i += 100) {
    assert.equal((await post(snowplowCollector, '/com.snowplowanalytics.snowplow/tp2', { schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data: payloads.slice(i, i + 100) })).status, 200);
  }
  results.collector = await kpis(collector.warehouse, { site: 'all', now: NOW });
  results.collectorSnowplowFormat = await kpis(snowplowCollector.warehouse, { site: 'all', now: NOW });

  // The local table, elsewhere: the collector's Parquet export, the view file as it is.
  const parquet = await collector.warehouse.exportParquet(path.join(tmp, 'events.parquet'));
  const local = await duck();
  await local.run(`CREATE TABLE events AS SELECT * FROM '${parquet}'`);
  await local.run(VIEW_SQL.local);

  const segment = await duck();
  for (const [name, rows] of Object.entries(segmentTables(events, sentAt))) for (const sql of tableSql(name, rows)) await segment.run(sql);
  await segment.run(VIEW_SQL.segment);

  const snowplow = await duck();
  for (const sql of atomicEventsSql(payloads)) await snowplow.run(sql);
  await snowplow.run(VIEW_SQL.snowplow);

  for (const [name, db] of Object.entries({ local, segment, snowplow })) {
    results[name] = await figures((sql) => db.rows(sql), { now: NOW });
    kzRows[name] = await db.rows(`SELECT ${KZ_COLUMNS} FROM kz_events ORDER BY message_id`);
  }
});
after(async () => {
  await collector?.close();
  await snowplowCollector?.close();
});

test('the view of each source holds the same rows: Segment\'s tables and Snowplow\'s atomic events map onto kz_events as the local table does', () => {
  assert.equal(kzRows.local.length, events.length);
  assert.deepEqual(fixed(kzRows.segment), fixed(kzRows.local));
  assert.deepEqual(fixed(kzRows.snowplow), fixed(kzRows.local));
});

test('every KPI file, run unchanged on each source, gives the same figures as the collector\'s dashboard', () => {
  const want = fixed(results.local);
  const { site, sites, ...collectorFigures } = results.collector;
  assert.equal(site, 'all');
  assert.equal(sites.all, events.length);
  assert.deepEqual(fixed(collectorFigures), want, 'the collector (the view inlined with the site filter)');
  const { site: _s, sites: _t, ...snowplowFormat } = results.collectorSnowplowFormat;
  assert.deepEqual(fixed(snowplowFormat), want, 'the collector, fed Snowplow\'s tracker protocol');
  assert.deepEqual(fixed(results.segment), want, 'Segment\'s warehouse tables');
  assert.deepEqual(fixed(results.snowplow), want, 'Snowplow\'s atomic events');
});

test('the figures are not empty: each KPI has the visits in it', () => {
  const k = results.local;
  assert.equal(k.totals.events, events.length);
  assert.equal(k.totals.visitors, 36);
  assert.ok(k.totals.sessions > 36);
  assert.ok(k.series.length >= 60 && k.series.some((p) => p.events === 0), 'minutes without events are zeros');
  assert.ok(k.engagement.rate > 0 && k.engagement.rate < 1);
  assert.ok(k.conversion.rate > 0 && k.conversion.rate < 1);
  assert.ok(k.retention.rate > 0 && k.retention.rate < 1);
  assert.ok(k.clv.value > 0 && k.clv.aov > 42.5 && k.clv.aov < 60, 'orders of 60 and 42.5');
  assert.ok(k.nps.responses > 3 && k.nps.score !== null);
  assert.deepEqual([...new Set(k.ctr.rows.map((r) => r.slot))], ['hero']);
  assert.ok(k.ctr.rows.length >= 4 && k.ctr.rows.every((r) => r.low <= r.ctr && r.ctr <= r.high));
  const [lift] = k.lift.rows;
  assert.ok(lift.holdoutViews > 0 && lift.views > 0 && lift.lift !== null && lift.lift.low < lift.lift.value && lift.lift.value < lift.lift.high);
  assert.equal(k.audience.n, 36);
  assert.equal(k.audience.segments.reduce((a, r) => a + r.raw, 0), 36);
  assert.deepEqual(k.audience.topics.map((t) => t.value), ['shoes', 'outerwear', 'other']);
});

test('off_policy.sql agrees with offPolicy(), the estimator checked on the Open Bandit Dataset', () => {
  const clicked = new Set(events.filter((e) => e.event === 'Slot Clicked').map((e) => `${e.anonymousId}|${e.properties.slot}|${e.properties.variant}`));
  const logs = events.filter((e) => e.event === 'Slot Viewed' && !e.properties.holdout)
    .map((e) => ({ action: e.properties.variant, p: e.properties.propensity, reward: clicked.has(`${e.anonymousId}|hero|${e.properties.variant}`) ? 1 : 0 }));
  const want = offPolicy(logs, (a) => (a === 'default' ? 1 : 0));
  const [got] = results.local.ips.rows;
  assert.equal(got.n, want.n);
  for (const k of ['ips', 'snips', 'ess']) {
    const g = { ips: got.defaultIps, snips: got.defaultSnips, ess: got.ess }[k];
    assert.ok(Math.abs(g - want[k]) < 1e-12, `${k}: ${g} vs ${want[k]}`);
  }
});

test('each KPI file is one statement against kz_events alone: no table of a source, no JSON operator', () => {
  for (const k of KPI_FILES) {
    const sql = KPI_SQL[k].replace(/--[^\n]*/g, '');
    assert.match(sql, /\bFROM kz_events\b/, k);
    const ctes = new Set([...sql.matchAll(/\b(\w+) AS \(/g)].map((m) => m[1]));
    for (const [, table] of sql.matchAll(/\b(?:FROM|JOIN)\s+([\w.]+)/gi)) {
      assert.ok(table === 'kz_events' || ctes.has(table), `${k} reads ${table}`);
    }
    assert.doesNotMatch(sql, /->>?|json/i, k);
    assert.equal(sql.trim().replace(/;$/, '').includes(';'), false, k);
  }
});
