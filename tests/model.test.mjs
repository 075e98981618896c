// The learned model (www/collector/model.mjs, served by published.mjs):
// - what is published: pairs and items at least k visitors share, within
//   the window, best first, nothing of a visitor's own (no ids), test pages
//   left out, an order's products counted;
// - no look-ahead: events at or after `until` change nothing;
// - the slots' posteriors, holdout apart;
// - the document validates against www/schemas/dev.kizuna/model/jsonschema/1-0-0;
// - GET /v1/model: any origin, an ETag of what it says, 304 when unchanged,
//   cached five minutes and revalidated after; POST /collector/model
//   rebuilds, and needs the control header;
// - a remote config file's sections published with it (the last good one
//   kept when the file breaks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import { startCollector } from '../www/collector.mjs';
import { buildModel } from '../www/collector/model.mjs';

// A self-describing schema (Iglu, draft-04) like the event schemas beside it.
const { $schema, self, ...SCHEMA } = JSON.parse(fs.readFileSync(new URL('../www/schemas/dev.kizuna/model/jsonschema/1-0-0', import.meta.url), 'utf8'));
const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(SCHEMA);
const T0 = Date.parse('2026-11-02T10:00:00.000Z');

let dir;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-model-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A Segment track event of `visitor` at minute `minute`. */
function ev(visitor, event, properties, minute, page = '/shop') {
  return {
    type: 'track', event, properties, anonymousId: visitor, messageId: `m-${n++}`,
    timestamp: new Date(T0 + minute * 60_000).toISOString(), context: { page: { url: `https://shop.example${page}` } },
  };
}
const viewed = (visitor, id, minute, page) => ev(visitor, 'Product Viewed', { product_id: id, name: `Name of ${id}` }, minute, page);

async function send(c, events) {
  for (let i = 0; i < events.length; i += 500) {
    const r = await fetch(`${c.url}/v1/batch`, { method: 'POST', body: JSON.stringify({ batch: events.slice(i, i + 500) }), headers: { 'Content-Type': 'text/plain' } });
    assert.equal(r.status, 200, await r.text());
  }
}

async function collector(name) {
  return startCollector({ out: path.join(dir, `${name}.ndjson`), model: { everyMs: 0 } });
}

test('only what k visitors share is published, within the window, best first; no visitor id in it', async () => {
  const c = await collector('k');
  try {
    const events = [];
    // a→b: 5 visitors (published); a→c: 4 (not); a then 5 others then d: outside the window.
    for (let v = 0; v < 5; v++) events.push(viewed(`v${v}`, 'a', v * 10), viewed(`v${v}`, 'b', v * 10 + 1));
    for (let v = 0; v < 4; v++) events.push(viewed(`w${v}`, 'a', v * 10), viewed(`w${v}`, 'c', v * 10 + 1));
    for (let v = 0; v < 6; v++) {
      events.push(viewed(`x${v}`, 'a', v * 10));
      for (let f = 0; f < 5; f++) events.push(viewed(`x${v}`, `filler${f}`, v * 10 + 1 + f));
      events.push(viewed(`x${v}`, 'd', v * 10 + 7));
    }
    // The same visitor viewing b near a again counts once.
    events.push(viewed('v0', 'a', 60), viewed('v0', 'b', 61));
    // A test page's views are not the shop's.
    for (let v = 0; v < 6; v++) events.push(viewed(`t${v}`, 'a', v, '/slots.html'), viewed(`t${v}`, 'e', v + 1, '/slots.html'));
    await send(c, events);
    const doc = await buildModel(c.warehouse, {}, T0 + 3_600_000);
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    assert.deepEqual(doc.settings, { window: 5, k: 5, top: 20 });
    // Best first, ties by id: the five fillers (6 visitors each, all within the window), then b (5).
    assert.deepEqual(doc.items.a.near, [['filler0', 6], ['filler1', 6], ['filler2', 6], ['filler3', 6], ['filler4', 6], ['b', 5]]);
    assert.equal(doc.items.a.near.some(([id]) => id === 'c'), false, 'a→c: 4 visitors, not published');
    assert.equal(doc.items.a.near.some(([id]) => id === 'd'), false, 'a and d are 6 interactions apart');
    assert.equal(doc.items.a.near.some(([id]) => id === 'e'), false, 'test pages left out');
    assert.deepEqual(doc.items.b.near, [['a', 5]], 'both ways');
    assert.equal(doc.items.c, undefined, 'c: 4 visitors, not an item of the model');
    assert.equal(doc.items.a.visitors, 15);
    assert.equal(doc.items.a.name, 'Name of a');
    const body = JSON.stringify(doc);
    for (const id of ['v0', 'w0', 'x0', 't0', 'm-0']) assert.equal(body.includes(`"${id}"`), false, `no ${id} in the model`);
  } finally {
    await c.close();
  }
});

test('no look-ahead: events at or after `until` change nothing; an order\'s products count', async () => {
  const c = await collector('until');
  try {
    const early = [];
    for (let v = 0; v < 5; v++) early.push(viewed(`v${v}`, 'a', v), ev(`v${v}`, 'Order Completed', { products: [{ product_id: 'b' }, { sku: 'c' }] }, v + 1));
    await send(c, early);
    const until = T0 + 60 * 60_000;
    const before = await buildModel(c.warehouse, {}, until);
    const late = [];
    for (let v = 0; v < 9; v++) late.push(viewed(`late${v}`, 'a', 60 + v), viewed(`late${v}`, 'z', 61 + v));
    await send(c, late);
    const again = await buildModel(c.warehouse, {}, until);
    assert.deepEqual({ ...again, builtAt: 0 }, { ...before, builtAt: 0 }, 'the same model from the same past');
    assert.deepEqual(before.items.a.near, [['b', 5], ['c', 5]]);
    const now = await buildModel(c.warehouse, {}, T0 + 120 * 60_000);
    assert.deepEqual(now.items.a.near[0], ['z', 9]);
  } finally {
    await c.close();
  }
});

test('slots: each variant\'s views, clicks and Beta posterior, the holdout apart, too few visitors left out', async () => {
  const c = await collector('slots');
  try {
    const events = [];
    for (let v = 0; v < 10; v++) {
      events.push(ev(`v${v}`, 'Slot Viewed', { slot: 'hero', variant: 'shoes', holdout: false }, v));
      if (v < 3) events.push(ev(`v${v}`, 'Slot Clicked', { slot: 'hero', variant: 'shoes', holdout: false }, v));
      events.push(ev(`h${v}`, 'Slot Viewed', { slot: 'hero', variant: 'default', holdout: true }, v));
    }
    for (let v = 0; v < 2; v++) events.push(ev(`r${v}`, 'Slot Viewed', { slot: 'hero', variant: 'rare', holdout: false }, v));
    // Visitors name slots and products: Object's own names are names like any other.
    for (let v = 0; v < 5; v++) {
      events.push(ev(`o${v}`, 'Slot Viewed', { slot: 'constructor', variant: 'toString', holdout: false }, v));
      events.push(ev(`o${v}`, 'Slot Viewed', { slot: '__proto__', variant: 'x', holdout: false }, v));
      events.push(viewed(`o${v}`, 'constructor', v), viewed(`o${v}`, '__proto__', v + 1));
    }
    await send(c, events);
    const doc = await buildModel(c.warehouse, {}, T0 + 3_600_000);
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    assert.deepEqual(doc.slots.hero, {
      variants: { shoes: { views: 10, clicks: 3, alpha: 4, beta: 8 } },
      holdout: { default: { views: 10, clicks: 0 } },
    });
    assert.deepEqual(doc.slots.constructor, { variants: { toString: { views: 5, clicks: 0, alpha: 1, beta: 6 } }, holdout: {} });
    assert.equal(Object.getPrototypeOf(doc.slots), Object.prototype);
    assert.equal(doc.items.constructor.visitors, 5);
  } finally {
    await c.close();
  }
});

test('GET /v1/model: any origin, an ETag of what it says, 304 when unchanged; POST /collector/model rebuilds with the control header only', async () => {
  const c = await collector('http');
  try {
    const events = [];
    for (let v = 0; v < 5; v++) events.push(viewed(`v${v}`, 'a', v), viewed(`v${v}`, 'b', v + 1));
    await send(c, events);
    const first = await fetch(`${c.url}/v1/model`, { headers: { Origin: 'https://shop.example' } });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('access-control-allow-origin'), '*');
    assert.equal(first.headers.get('cache-control'), 'max-age=300, stale-while-revalidate=86400');
    const etag = first.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    const doc = await first.json();
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    assert.deepEqual(doc.items.a.near, [['b', 5]]);
    const same = await fetch(`${c.url}/v1/model`, { headers: { 'If-None-Match': etag } });
    assert.equal(same.status, 304);
    assert.equal(await same.text(), '');
    // Rebuilt with nothing new: the same ETag (it is of what the model says, not of when).
    const refused = await fetch(`${c.url}/collector/model`, { method: 'POST' });
    assert.equal(refused.status, 403, 'no control header');
    const rebuilt = await (await fetch(`${c.url}/collector/model`, { method: 'POST', headers: { 'X-Kizuna-Collector': '1' } })).json();
    assert.equal(rebuilt.etag, etag);
    const more = [];
    for (let v = 5; v < 10; v++) more.push(viewed(`v${v}`, 'a', v), viewed(`v${v}`, 'c', v + 1), viewed(`v${v}`, 'c', v + 2));
    await send(c, more);
    assert.equal((await fetch(`${c.url}/v1/model`, { headers: { 'If-None-Match': etag } })).status, 304, 'served from the last build until the next');
    const next = await (await fetch(`${c.url}/collector/model`, { method: 'POST', headers: { 'X-Kizuna-Collector': '1' } })).json();
    assert.notEqual(next.etag, etag);
    const changed = await fetch(`${c.url}/v1/model`, { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.equal(changed.headers.get('etag'), next.etag);
    assert.deepEqual((await changed.json()).items.a.near, [['b', 5], ['c', 5]]);
    assert.equal((await fetch(`${c.url}/v1/model`, { method: 'POST' })).status, 405);
  } finally {
    await c.close();
  }
});

test('a remote config file: published with the model, a new ETag when it changes, a bad one logged and the last good one kept', async () => {
  const file = path.join(dir, 'remote.json');
  const spring = { slots: { hero: { variants: { spring: { prior: 0.08 } } } }, journeys: { thanks: { on: 'order', message: 'Thanks!' } } };
  fs.writeFileSync(file, JSON.stringify(spring));
  const c = await startCollector({ out: path.join(dir, 'remote.ndjson'), model: { everyMs: 0, configFile: file } });
  const rebuild = async () => (await fetch(`${c.url}/collector/model`, { method: 'POST', headers: { 'X-Kizuna-Collector': '1' } })).json();
  try {
    const first = await fetch(`${c.url}/v1/model`);
    const doc = await first.json();
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    assert.deepEqual(doc.config, spring);
    // The campaign changes without a deploy: the next build carries it.
    const summer = { ...spring, slots: { hero: { variants: { summer: {} } } } };
    fs.writeFileSync(file, JSON.stringify(summer));
    const next = await rebuild();
    assert.notEqual(next.etag, first.headers.get('etag'));
    assert.deepEqual((await (await fetch(`${c.url}/v1/model`)).json()).config, summer);
    // A broken file, one that sets what only the page may, or a section of
    // the wrong shape: the last good one stays.
    for (const bad of ['{"slots": ', JSON.stringify({ endpoint: 'https://elsewhere.example/collect' }), JSON.stringify({ slots: [] })]) {
      fs.writeFileSync(file, bad);
      assert.equal((await rebuild()).etag, next.etag, bad);
      assert.deepEqual((await (await fetch(`${c.url}/v1/model`)).json()).config, summer);
    }
  } finally {
    await c.close();
  }
});
