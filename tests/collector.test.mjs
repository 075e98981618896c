// Tests for www/collector.mjs — run with: node --test tests/collector.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startCollector } from '../www/collector.mjs';

let tmp;
let staticDir;
let c;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-collector-test-'));
  staticDir = path.join(tmp, 'static');
  fs.mkdirSync(path.join(staticDir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'mod.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>hi</title>');
  fs.writeFileSync(path.join(staticDir, 'sub', 'index.html'), '<p>sub</p>');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'do not serve');
  c = await startCollector({
    out: path.join(tmp, 'out.ndjson'),
    mounts: [
      { prefix: '/', dir: staticDir },
      { prefix: '/pkg/', dir: staticDir, headers: { 'X-Mount': 'pkg' } },
    ],
    headers: { 'Content-Security-Policy': "default-src 'self'" },
  });
});

after(async () => {
  await c?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const segmentBatch = (n = 2) => ({
  batch: Array.from({ length: n }, (_, i) => ({ type: 'track', event: `e${i}`, messageId: `m${i}` })),
  sentAt: new Date().toISOString(),
});

/** POST to a state-changing /collector/* route, with the header it needs (a cross-site page cannot send it). */
function control(pathname) {
  return fetch(c.url + pathname, { method: 'POST', headers: { 'X-Kizuna-Collector': '1' } });
}

function post(pathname, body, contentType = 'text/plain;charset=UTF-8') {
  return fetch(c.url + pathname, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Raw request so the path is sent exactly as written (fetch would normalize "..") */
function rawRequest(pathname, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: c.port, path: pathname, method }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('listens on 127.0.0.1 only', () => {
  assert.match(c.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(c.server.address().address, '127.0.0.1');
  assert.ok(c.port > 0);
});

test('valid Segment-style batch is accepted and written as one NDJSON line', async () => {
  const before = fs.readFileSync(c.file, 'utf8').split('\n').filter(Boolean).length;
  const res = await post('/v1/batch', segmentBatch(3));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('access-control-expose-headers'), /Retry-After/);
  assert.deepEqual(await res.json(), { ok: true, received: 3 });

  const lines = fs.readFileSync(c.file, 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, before + 1);
  const rec = JSON.parse(lines.at(-1));
  assert.equal(rec.path, '/v1/batch');
  assert.equal(rec.body.batch.length, 3);
  assert.match(rec.contentType, /^text\/plain/);
  assert.ok(rec.bytes > 0);
  assert.ok(!Number.isNaN(Date.parse(rec.receivedAt)));
  assert.deepEqual(c.records.at(-1), rec);

  const list = await (await fetch(`${c.url}/collector/batches`)).json();
  assert.deepEqual(list.at(-1), rec);
});

test('all batch paths and application/json are accepted', async () => {
  for (const p of ['/collect', '/beacon/v1/batch']) {
    const res = await post(p, segmentBatch(1), 'application/json');
    assert.equal(res.status, 200, p);
  }
});

test('Snowplow-shaped body is accepted on the tp2 path', async () => {
  const body = {
    schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
    data: [{ e: 'pv', url: 'http://x' }, { e: 'se', se_ca: 'c' }],
  };
  const res = await post('/com.snowplowanalytics.snowplow/tp2', body);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true, received: 2 });
  assert.equal(c.records.at(-1).path, '/com.snowplowanalytics.snowplow/tp2');

  const bad = await post('/com.snowplowanalytics.snowplow/tp2', segmentBatch(1));
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /schema/);
});

test('invalid bodies get 400 with a reason and are not recorded', async () => {
  const cases = [
    ['{not json', /body is not JSON/],
    ['[1,2]', /JSON object.*array/],
    [{ foo: 1 }, /batch/],
    [{ batch: [] }, /batch must be a non-empty array/],
    [{ batch: [{ event: 'x' }] }, /batch\[0\]\.type must be a string/],
    [{ batch: ['x'] }, /batch\[0\] must be an object/],
  ];
  const recordsBefore = c.records.length;
  const rejectedBefore = c.stats.rejected;
  for (const [body, reason] of cases) {
    const res = await post('/v1/batch', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const json = await res.json();
    assert.match(json.error, reason);
  }
  assert.equal(c.records.length, recordsBefore);
  assert.equal(c.stats.rejected, rejectedBefore + cases.length);
  const rejected = await (await fetch(`${c.url}/collector/rejected`)).json();
  assert.equal(rejected.at(-1).path, '/v1/batch');
  assert.match(rejected.at(-1).reason, /batch\[0\] must be an object/);
});

test('bodies over 1 MiB get 413', async () => {
  const big = JSON.stringify({ batch: [{ type: 'track', pad: 'x'.repeat(1024 * 1024) }] });
  const res = await post('/collect', big);
  assert.equal(res.status, 413);
  assert.match((await res.json()).error, /limit/);
});

test('OPTIONS preflight answers 204 and is counted', async () => {
  const before = c.stats.preflights;
  const res = await fetch(`${c.url}/v1/batch`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
  assert.equal(res.headers.get('access-control-allow-headers'), 'Content-Type');
  assert.equal(res.headers.get('access-control-max-age'), '600');
  assert.equal(c.stats.preflights, before + 1);
});

test('failNext answers the status without recording, then recovers', async () => {
  const records = c.records.length;
  c.failNext(503, 2, { 'Retry-After': '1' });
  for (let i = 0; i < 2; i++) {
    const res = await post('/v1/batch', segmentBatch(1));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    await res.arrayBuffer();
  }
  assert.equal(c.records.length, records);
  assert.ok(c.stats.failed >= 2);
  const ok = await post('/v1/batch', segmentBatch(1));
  assert.equal(ok.status, 200);
  assert.equal(c.records.length, records + 1);
});

test('failure injection over HTTP via /collector/fail', async () => {
  const set = await control('/collector/fail?status=429&count=1&retryAfter=2');
  assert.equal(set.status, 200);
  await set.arrayBuffer();
  const res = await post('/collect', segmentBatch(1));
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '2');
  await res.arrayBuffer();
  assert.equal((await post('/collect', segmentBatch(1))).status, 200);
});

test('fault rules: every 3rd request reset, every 5th answered 500, nothing they take is recorded', async () => {
  const records = c.records.length;
  const reset = c.fault({ mode: 'reset', every: 3 });
  const five = c.fault({ mode: 'status', status: 500, every: 5 });
  const outcomes = [];
  for (let i = 1; i <= 15; i++) {
    try {
      const res = await post('/collect', segmentBatch(1));
      outcomes.push(res.status);
      await res.arrayBuffer();
    } catch (_) {
      outcomes.push('reset');
    }
  }
  c.clearFaults();
  // 3, 6, 9, 12, 15 reset (the first rule wins on 15); 5 and 10 answered 500.
  assert.deepEqual(outcomes, [200, 200, 'reset', 200, 500, 'reset', 200, 200, 'reset', 500, 200, 'reset', 200, 200, 'reset']);
  assert.equal(reset.taken, 5);
  assert.equal(five.taken, 2);
  assert.equal(c.records.length, records + 8);
});

test('fault rules: refuse, hang (dropped after ms), 429 with Retry-After, count, and over HTTP', async () => {
  c.fault({ mode: 'refuse', count: 1 });
  await assert.rejects(post('/collect', segmentBatch(1)));
  c.fault({ mode: 'hang', ms: 300, count: 1 });
  const started = Date.now();
  await assert.rejects(post('/collect', segmentBatch(1)));
  assert.ok(Date.now() - started >= 250, 'the hung request was held');
  const set = await control('/collector/fault?mode=status&status=429&retryAfter=3&count=1');
  assert.equal(set.status, 200);
  await set.arrayBuffer();
  const limited = await post('/collect', segmentBatch(1));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  await limited.arrayBuffer();
  assert.equal((await post('/collect', segmentBatch(1))).status, 200, 'count 1: the rule is spent');
  const bad = await control('/collector/fault?mode=explode');
  assert.equal(bad.status, 400);
  await bad.arrayBuffer();
  const clear = await control('/collector/fault?clear');
  assert.equal(clear.status, 200);
  await clear.arrayBuffer();
});

test('SSE stream delivers existing and new records', async () => {
  await (await post('/collect', { batch: [{ type: 'track', event: 'before-stream' }] })).arrayBuffer();
  const ac = new AbortController();
  const res = await fetch(`${c.url}/collector/stream`, { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  assert.equal(res.headers.get('access-control-allow-origin'), null, 'same-origin only');

  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const events = [];
  const readUntil = async (predicate) => {
    while (!predicate()) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended early');
      buffer += value;
      let idx;
      while ((idx = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        const event = block.match(/^event: (.*)$/m)?.[1];
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (event === 'batch') events.push(JSON.parse(data));
      }
    }
  };
  const existing = c.records.length;
  await readUntil(() => events.length >= existing);
  assert.equal(events.at(-1).body.batch[0].event, 'before-stream');

  await (await post('/collect', { batch: [{ type: 'track', event: 'after-stream' }] })).arrayBuffer();
  await readUntil(() => events.some((e) => e.body.batch?.[0]?.event === 'after-stream'));
  assert.equal(c.stats.streams, 1);

  ac.abort();
  await reader.cancel().catch(() => {});
  for (let i = 0; i < 50 && c.stats.streams > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(c.stats.streams, 0, 'server cleaned up the disconnected stream');
});

test('static: .wasm served as application/wasm with no-cache (asked again each time, yet kept by the back/forward cache) and extra headers', async () => {
  const res = await fetch(`${c.url}/mod.wasm`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/wasm');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.equal(res.headers.get('content-security-policy'), "default-src 'self'");
  assert.equal((await res.arrayBuffer()).byteLength, 8);

  const mounted = await fetch(`${c.url}/pkg/mod.wasm`, { method: 'HEAD' });
  assert.equal(mounted.status, 200);
  assert.equal(mounted.headers.get('x-mount'), 'pkg');
  assert.equal(mounted.headers.get('content-length'), '8');
});

test('static: index.html for directories, 404 for missing, 405 for POST', async () => {
  const root = await fetch(`${c.url}/`);
  assert.equal(root.status, 200);
  assert.equal(root.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(await root.text(), /<title>hi/);

  const sub = await rawRequest('/sub');
  assert.equal(sub.status, 301);
  assert.equal(sub.headers.location, '/sub/');
  assert.equal(await (await fetch(`${c.url}/sub/`)).text(), '<p>sub</p>');

  assert.equal((await rawRequest('/nope.js')).status, 404);
  assert.equal((await rawRequest('/index.html', 'POST')).status, 405);
  assert.equal((await rawRequest('/%E0%A4%A')).status, 400);
});

test('static: path traversal is refused', async () => {
  for (const p of ['/..%2f..%2fetc/passwd', '/../../etc/passwd', '/..%2fsecret.txt', '/pkg/..%5c..%2fsecret.txt']) {
    const res = await rawRequest(p);
    assert.ok([403, 404].includes(res.status), `${p} → ${res.status}`);
    assert.doesNotMatch(res.body, /root:|do not serve/);
  }
});

test('survives a client aborting mid-upload and keeps answering', async () => {
  const abortedBefore = c.stats.aborted;
  await new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port: c.port,
      path: '/v1/batch',
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'Content-Length': '100000' },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write('{"batch":[{"type":"tr');
    setTimeout(() => req.destroy(), 30);
  });
  for (let i = 0; i < 50 && c.stats.aborted === abortedBefore; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(c.stats.aborted, abortedBefore + 1);
  const res = await post('/v1/batch', segmentBatch(1));
  assert.equal(res.status, 200);
});

test('malformed request targets do not crash the server', async () => {
  assert.equal((await rawRequest('*', 'OPTIONS')).status, 400);
  assert.equal((await rawRequest('/collector/nope')).status, 404);
  assert.equal((await rawRequest('/v1/batch')).status, 405);
  assert.equal((await fetch(`${c.url}/collector/batches`)).status, 200);
});

test('POST /collector/clear empties memory but not the file', async () => {
  const lines = fs.readFileSync(c.file, 'utf8').split('\n').filter(Boolean).length;
  assert.ok(c.records.length > 0);
  const res = await control('/collector/clear');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), null, 'same-origin only');
  await res.arrayBuffer();
  assert.equal(c.records.length, 0);
  assert.deepEqual(await (await fetch(`${c.url}/collector/batches`)).json(), []);
  assert.equal(fs.readFileSync(c.file, 'utf8').split('\n').filter(Boolean).length, lines);
});

test('default out file and close()', async () => {
  const d = await startCollector({ mounts: [] });
  try {
    assert.equal(path.dirname(d.file), os.tmpdir());
    assert.match(path.basename(d.file), /^kizuna-collector-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d+Z-\d+(-\d+)?\.ndjson$/);
    assert.ok(fs.existsSync(d.file));
  } finally {
    await d.close();
    fs.rmSync(d.file, { force: true });
  }
});

test('the log is IP-free: no client address is kept, in the file or in memory (privacy: what the collector never stores)', async () => {
  const res = await post('/v1/batch', segmentBatch(1));
  assert.equal(res.status, 200);
  const text = fs.readFileSync(c.file, 'utf8');
  for (const ip of ['127.0.0.1', '::1', '::ffff:']) assert.equal(text.includes(ip), false, `the NDJSON log holds ${ip}`);
  assert.equal(JSON.stringify(c.records).includes('127.0.0.1'), false);
  assert.deepEqual(Object.keys(c.records.at(-1)).sort(), ['body', 'bytes', 'contentType', 'path', 'receivedAt', 'seq', 'userAgent']);
});
