// The local collector runs on the developer's machine: no web page open in the
// developer's browser may drive it. One test per attack that worked before
// (reading and writing the developer's files through /collector/sql, deleting
// the events, reading the API from another origin, DNS rebinding, cross-site
// POSTs to the control routes), and the legitimate uses that must still work.
// Run with: node --test tests/collector-security.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { startCollector } from '../www/collector.mjs';

let tmp;
let c;
const MARKER = `kizuna-secret-${process.pid}-${Date.now()}`;
const secret = {};

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-security-'));
  const files = path.join(tmp, 'files');
  fs.mkdirSync(path.join(tmp, 'www'));
  fs.mkdirSync(files);
  fs.writeFileSync(path.join(tmp, 'www', 'index.html'), '<!doctype html><title>ok</title>');
  // The developer's files a page must not read.
  secret.text = path.join(files, `${MARKER}.txt`);
  fs.writeFileSync(secret.text, `${MARKER}\n`);
  secret.csv = path.join(files, 'secret.csv');
  fs.writeFileSync(secret.csv, `token\n${MARKER}\n`);
  secret.json = path.join(files, 'secret.json');
  fs.writeFileSync(secret.json, JSON.stringify({ token: MARKER }));
  secret.parquet = path.join(files, 'secret.parquet');
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`COPY (SELECT '${MARKER}' AS token) TO '${secret.parquet}' (FORMAT parquet)`);

  c = await startCollector({ out: path.join(tmp, 'events.ndjson'), mounts: [{ prefix: '/', dir: path.join(tmp, 'www') }] });
  const batch = { batch: ['Signup', 'Signup', 'Order Completed'].map((event, i) => ({ type: 'track', event, messageId: `m${i}` })) };
  assert.equal((await request({ method: 'POST', path: '/collect', body: JSON.stringify(batch) })).status, 200);
});

after(async () => {
  await c?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A raw request (fetch cannot set Host, and may add its own Origin handling). */
function request({ method = 'GET', path: target, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: c.port, path: target, method, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sql = (q) => request({ path: `/collector/sql?q=${encodeURIComponent(q)}` });
const eventCount = async () => Number((await c.warehouse.query('SELECT count(*)::INTEGER AS n FROM events'))[0].n);
const lit = (p) => `'${p.replace(/'/g, "''")}'`;

/** Asserts the query was refused as not one SELECT statement. */
async function assertRefused(q) {
  const res = await sql(q);
  assert.equal(res.status, 400, `${q} → ${res.status} ${res.body}`);
  assert.match(JSON.parse(res.body).error, /only one SELECT statement/, q);
  return res;
}

test('sql: read_text, read_csv_auto, read_json, read_parquet and glob cannot read the developer\'s files (external access is off)', async () => {
  const dir = path.dirname(secret.text);
  for (const q of [
    `SELECT * FROM read_text(${lit(secret.text)})`,
    `SELECT * FROM read_csv_auto(${lit(secret.csv)})`,
    `SELECT * FROM read_json(${lit(secret.json)})`,
    `SELECT * FROM read_parquet(${lit(secret.parquet)})`,
    `SELECT * FROM read_blob(${lit(secret.text)})`,
    `SELECT * FROM glob(${lit(`${dir}/*`)})`,
    `SELECT * FROM ${lit(secret.csv)}`,
  ]) {
    const res = await sql(q);
    assert.equal(res.status, 400, `${q} → ${res.status}`);
    // The file's content, and for glob its name, stay out of the answer.
    assert.equal(res.body.split(MARKER).length - 1, q.split(MARKER).length - 1, `${q} answered ${res.body}`);
    assert.match(JSON.parse(res.body).error, /Permission Error|disabled/i, q);
  }
});

test('sql: "SELECT 1; COPY … TO <file>" writes nothing, nor the same hidden behind comments', async () => {
  const out = path.join(tmp, 'written.csv');
  const hidden = path.join(tmp, 'hidden.csv');
  await assertRefused(`SELECT 1; COPY (SELECT 1) TO ${lit(out)}`);
  await assertRefused(`SELECT 1 -- just a count\n; /* and then */ COPY (SELECT 42) TO ${lit(hidden)} (HEADER false)`);
  await assertRefused(`/* a SELECT */ COPY (SELECT 1) TO ${lit(hidden)}`);
  assert.equal(fs.existsSync(out), false, 'COPY wrote a file');
  assert.equal(fs.existsSync(hidden), false, 'COPY behind comments wrote a file');
});

test('sql: ATTACH is refused (no database file is created or opened)', async () => {
  const file = path.join(tmp, 'attached.duckdb');
  await assertRefused(`SELECT 1; ATTACH ${lit(file)} AS other`);
  await assertRefused(`ATTACH ${lit(file)} AS other`);
  await assertRefused(`SELECT 1; ATTACH ':memory:' AS m`);
  assert.equal(fs.existsSync(file), false);
});

test('sql: INSTALL and LOAD are refused', async () => {
  for (const q of ['SELECT 1; LOAD json', 'LOAD parquet', 'SELECT 1; INSTALL json', 'INSTALL httpfs', 'SELECT 1; FORCE INSTALL json']) await assertRefused(q);
});

test('sql: SET is refused (the settings stay as they were)', async () => {
  const threads = JSON.parse((await sql("SELECT current_setting('threads') AS t")).body)[0].t;
  await assertRefused('SELECT 1; SET GLOBAL threads = 1');
  await assertRefused('SET enable_external_access = true');
  await assertRefused('SELECT 1; RESET lock_configuration');
  const now = JSON.parse((await sql("SELECT current_setting('threads') AS t, current_setting('enable_external_access') AS e")).body)[0];
  assert.deepEqual(now, { t: threads, e: false });
});

test('sql: DROP TABLE is refused and the events survive', async () => {
  const n = await eventCount();
  assert.ok(n >= 3);
  await assertRefused('SELECT 1; DROP TABLE events');
  await assertRefused('DROP TABLE events');
  assert.equal(await eventCount(), n);
});

test('sql: WITH x AS (SELECT 1) DELETE FROM events is refused and every row survives', async () => {
  const n = await eventCount();
  await assertRefused('WITH x AS (SELECT 1) DELETE FROM events');
  await assertRefused('WITH x AS (SELECT 1) UPDATE events SET event = NULL');
  await assertRefused('SELECT 1; INSERT INTO events (event) VALUES (\'forged\')');
  assert.equal(await eventCount(), n);
  assert.deepEqual(await c.warehouse.query("SELECT count(*)::INTEGER AS n FROM events WHERE event IS NULL OR event = 'forged'"), [{ n: 0 }]);
});

test('sql: PRAGMA, CALL, EXPORT, CHECKPOINT, EXPLAIN and two SELECTs are refused', async () => {
  const exported = path.join(tmp, 'exported');
  for (const q of ['SELECT 1; PRAGMA version', "PRAGMA table_info('events')", 'PRAGMA enable_profiling', 'SELECT 1; CALL pragma_version()',
    `SELECT 1; EXPORT DATABASE ${lit(exported)}`, 'CHECKPOINT', 'EXPLAIN ANALYZE SELECT 1', 'SELECT 1; SELECT 2', 'CREATE TABLE t AS SELECT 1']) await assertRefused(q);
  assert.equal(fs.existsSync(exported), false);
  const empty = await sql('  ');
  assert.equal(empty.status, 400);
});

test('sql: legitimate SELECTs still work (GROUP BY, FROM-first, DESCRIBE, SUMMARIZE)', async () => {
  const res = await sql('SELECT event, count(*)::INTEGER AS n FROM events GROUP BY 1 ORDER BY 1');
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), [{ event: 'Order Completed', n: 1 }, { event: 'Signup', n: 2 }]);
  assert.equal(res.headers['x-kizuna-truncated'], undefined);
  assert.equal((await sql('FROM events SELECT count(*)')).status, 200);
  assert.ok(JSON.parse((await sql('DESCRIBE events')).body).some((r) => r.column_name === 'properties'));
  assert.equal((await sql('SUMMARIZE events')).status, 200);
  const bad = await sql('SELEC 1');
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).error, /syntax error/);
});

test('sql: at most 10,000 rows come back, and the answer says it was cut', async () => {
  const res = await sql('SELECT i FROM range(25000) t(i) ORDER BY i');
  assert.equal(res.status, 200);
  const rows = JSON.parse(res.body);
  assert.equal(rows.length, 10000);
  assert.equal(rows.at(-1).i, '9999');
  assert.match(res.headers['x-kizuna-truncated'], /10000/);
  const exact = await sql('SELECT i FROM range(10000) t(i)');
  assert.equal(JSON.parse(exact.body).length, 10000);
  assert.equal(exact.headers['x-kizuna-truncated'], undefined, 'exactly the limit is not cut');
});

test('CORS: no Access-Control-Allow-Origin on the API; the collect endpoints keep theirs', async () => {
  const control = { 'X-Kizuna-Collector': '1' };
  for (const [method, target, headers] of [['GET', '/collector/batches'], ['GET', '/collector/rejected'], ['GET', '/collector/stats'],
    ['GET', '/collector/kpis'], ['GET', '/collector/sql?q=SELECT%201'], ['POST', '/collector/fail?count=0', control],
    ['POST', '/collector/fault?clear', control], ['POST', '/collector/clear', control], ['GET', '/collector/nope']]) {
    const res = await request({ method, path: target, headers });
    assert.ok(res.status < 500, `${method} ${target} → ${res.status}`);
    assert.equal(res.headers['access-control-allow-origin'], undefined, `${method} ${target}`);
  }
  const ac = new AbortController();
  const stream = await fetch(`${c.url}/collector/stream`, { signal: ac.signal });
  assert.equal(stream.headers.get('access-control-allow-origin'), null, 'stream');
  ac.abort();
  // A preflight from another origin is not granted.
  const preflight = await request({ method: 'OPTIONS', path: '/collector/clear',
    headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-kizuna-collector' } });
  assert.equal(preflight.status, 403);
  assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  assert.equal(preflight.headers['access-control-allow-headers'], undefined);
  // Any site may still send events.
  const ingest = await request({ method: 'POST', path: '/v1/batch', headers: { Origin: 'https://shop.example' }, body: JSON.stringify({ batch: [{ type: 'page' }] }) });
  assert.equal(ingest.status, 200);
  assert.equal(ingest.headers['access-control-allow-origin'], '*');
  const ingestPreflight = await request({ method: 'OPTIONS', path: '/v1/batch', headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(ingestPreflight.headers['access-control-allow-origin'], '*');
});

test('/collector/* refuses other origins: Origin or Sec-Fetch-Site from another site', async () => {
  for (const headers of [{ Origin: 'https://evil.example' }, { Origin: 'null' }, { Origin: `http://localhost:${c.port}` }, { 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }]) {
    for (const target of ['/collector/batches', '/collector/sql?q=SELECT%201', '/collector/kpis']) {
      const res = await request({ path: target, headers });
      assert.equal(res.status, 403, `${target} ${JSON.stringify(headers)}`);
      assert.match(JSON.parse(res.body).error, /same-origin only/);
    }
  }
  // The collector's own pages, and the address bar.
  for (const headers of [{ Origin: c.url, 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }]) {
    assert.equal((await request({ path: '/collector/batches', headers })).status, 200, JSON.stringify(headers));
  }
});

test('DNS rebinding: a Host that is not the collector\'s own is refused on every route', async () => {
  const records = c.records.length;
  for (const host of ['evil.example', `evil.example:${c.port}`, `127.0.0.1:${c.port + 1 === 65536 ? 1 : c.port + 1}`, `localhost.:${c.port}`, '127.0.0.1']) {
    for (const [method, target, body] of [['GET', '/'], ['GET', '/index.html'], ['GET', '/collector/batches'], ['GET', '/collector/sql?q=SELECT%201'],
      ['POST', '/collect', JSON.stringify({ batch: [{ type: 'page' }] })]]) {
      const res = await request({ method, path: target, headers: { Host: host }, body });
      assert.equal(res.status, 421, `${method} ${target} Host: ${host}`);
      assert.doesNotMatch(res.body, /<title>|batch/);
    }
  }
  assert.equal(c.records.length, records, 'nothing was collected');
  for (const host of [`127.0.0.1:${c.port}`, `localhost:${c.port}`, `[::1]:${c.port}`, `LOCALHOST:${c.port}`]) {
    assert.equal((await request({ path: '/index.html', headers: { Host: host } })).status, 200, host);
  }
});

test('cross-site POSTs to /collector/clear, /fail and /fault are refused: the header is needed, and a foreign Origin is refused with it', async () => {
  const records = c.records.length;
  assert.ok(records > 0);
  const form = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' };
  for (const headers of [{}, { 'Content-Type': 'text/plain' }, form, { 'X-Kizuna-Collector': '0' },
    { 'X-Kizuna-Collector': '1', Origin: 'https://evil.example' }, { 'X-Kizuna-Collector': '1', 'Sec-Fetch-Site': 'cross-site' }]) {
    for (const target of ['/collector/clear', '/collector/fail?status=503&count=5', '/collector/fault?mode=refuse']) {
      const res = await request({ method: 'POST', path: target, headers, body: 'a=1' });
      assert.equal(res.status, 403, `${target} ${JSON.stringify(headers)}`);
    }
  }
  assert.equal(c.records.length, records, 'nothing was cleared');
  assert.equal((await request({ method: 'POST', path: '/collect', body: JSON.stringify({ batch: [{ type: 'page' }] }) })).status, 200, 'no failure or fault was armed');
  // The collector's own page, with the header.
  const own = await request({ method: 'POST', path: '/collector/clear', headers: { 'X-Kizuna-Collector': '1', Origin: c.url } });
  assert.equal(own.status, 200);
  assert.equal(c.records.length, 0);
});

test('the dashboard\'s /collector/kpis still works', async () => {
  const res = await request({ path: '/collector/kpis', headers: { 'Sec-Fetch-Site': 'same-origin' } });
  assert.equal(res.status, 200);
  assert.ok(JSON.parse(res.body).totals.events >= 3);
});

test('sql: a query still running after 5 s is interrupted, and the collector goes on', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const res = await sql('SELECT sum(hash(i)) FROM range(1000000000000) t(i)');
  const took = Date.now() - started;
  assert.equal(res.status, 400);
  assert.match(JSON.parse(res.body).error, /longer than 5 s.*interrupted/);
  assert.ok(took >= 4900 && took < 8000, `answered after ${took} ms`);
  assert.equal((await sql('SELECT 1 AS one')).body, '[{"one":1}]');
});
