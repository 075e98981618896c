// kz.group() and kz.alias() end to end: through the npm entry and through
// the script-tag snippet before the SDK loads, each arrives at the
// collector in the Segment spec's shape (Segment's own
// @segment/loosely-validate-event passes it) and, with format: 'snowplow',
// as a self-describing event valid against Kizuna's group and alias
// schemas (and Iglu Central's payload_data, unstruct_event, contexts),
// what @snowplow/tracker-core builds for the same event. The collector's
// rows (rowsOf) give them their type and no event name, the same in
// either format. Bad input is one console error, never a throw; the
// inert (server-side) instance has both calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import { trackerCore, buildSelfDescribingEvent } from '@snowplow/tracker-core';
import { setup, teardown, newPage, kizunaMessages, waitForEvents, waitUntil, sleep, ROOT, UUID_V4, ISO_8601 } from './helpers.mjs';
import { rowsOf } from '../../www/collector/warehouse.mjs';
import { inert } from '../../js/edge/api.js';

const looselyValidate = createRequire(import.meta.url)('@segment/loosely-validate-event');
const segmentValid = (e) => looselyValidate({ ...e, timestamp: new Date(e.timestamp) }, e.type);

let env;
before(async () => { env = await setup('group-alias'); });
after(async () => { await teardown(env); });

/** A page of our own on the collector's origin. */
async function ownPage(context, url, head, body = '') {
  await context.route(url, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Group and alias</title>${head}</head><body><h1>Group and alias</h1>${body}</body></html>`,
  }));
}

/** The npm entry, started with `config` as `window.kz`. */
const NPM = (config) => `<script type="module">
  import { init } from '/kizuna/index.js';
  init(${JSON.stringify(config)}).then((kz) => { window.kz = kz; });
</script>`;

const RUN = `r${Date.now().toString(36)}`;

/** The rows the collector's warehouse makes of the records from `from` on, without the consent audit. */
function rows(from) {
  return env.collector.records.slice(from).flatMap((r) => rowsOf(r))
    .map(([, format, type, event, messageId, anonymousId, userId, , , , , , properties]) => ({ format, type, event, messageId, anonymousId, userId, properties: JSON.parse(properties) }));
}

test('npm entry: group and alias arrive in the Segment spec\'s shape, the group kept and merged, bad input only said', async () => {
  const { context, page, consoleMessages, pageErrors } = await newPage(env.browser);
  try {
    const url = `${env.collector.url}/own/group-alias-npm.html`;
    await ownPage(context, url, NPM({ endpoint: '/collect', writeKey: 'ga', consent: { mode: 'opt-out' }, autotrack: false }));
    await page.goto(url);
    await page.waitForFunction(() => window.kz);
    const from = env.collector.records.length;
    const got = await page.evaluate((run) => {
      const kz = window.kz;
      const out = { anonymousId: kz.anonymousId() };
      out.aliasAnonymous = kz.alias(`${run}-user-1`);
      kz.identify(`${run}-user-1`, { plan: 'pro' });
      out.group = kz.group(`${run}-acme`, { name: 'Acme Inc', employees: 120, since: new Date(Date.UTC(2020, 0, 1)) }, { messageId: `${run}-g1` });
      out.merge = kz.group({ plan: 'enterprise' });
      out.numeric = kz.group(42, {});
      out.alias = kz.alias(`${run}-user-2`);
      out.aliasExplicit = kz.alias(`${run}-user-3`, `${run}-old`, { messageId: `${run}-a3` });
      out.stored = { groupId: localStorage.getItem('kizuna:groupId'), groupTraits: localStorage.getItem('kizuna:groupTraits') };
      out.bad = [kz.group(true), kz.group('', {}), kz.group('x', [1]), kz.alias(), kz.alias({ id: 1 }), kz.alias('u', false), kz.group(Symbol('s'))];
      out.types = [typeof kz.group, typeof kz.alias];
      return out;
    }, RUN);
    assert.deepEqual(got.types, ['function', 'function']);
    assert.deepEqual([got.aliasAnonymous, got.group, got.merge, got.numeric, got.alias, got.aliasExplicit], [true, true, true, true, true, true]);
    assert.deepEqual(got.bad, [false, false, false, false, false, false, false], 'refused, never thrown');
    assert.equal(got.stored.groupId, '42', 'the last group is kept');
    assert.equal(got.stored.groupTraits, null, 'with its own (empty) traits');
    const errors = kizunaMessages(consoleMessages).filter((m) => m.type === 'error').map((m) => m.text);
    assert.deepEqual(errors, [
      '[kizuna] group(): the group id must be a string, got a boolean; event dropped',
      '[kizuna] group(): the group id must be a non-empty string of at most 255 characters; event dropped',
      '[kizuna] group(): traits must be a plain object, got an array; event dropped',
      '[kizuna] alias(): the user id is missing; event dropped',
      '[kizuna] alias(): the user id must be a string, got an object; event dropped',
      '[kizuna] alias(): the previous id must be a string, got a boolean; event dropped',
      '[kizuna] group(): the group id must be a string, got a symbol; event dropped',
    ]);

    await page.evaluate(() => window.kz.flush());
    const mine = (e) => e.anonymousId === got.anonymousId && (e.type === 'group' || e.type === 'alias');
    const events = await waitForEvents(env.collector, mine, 5000, 6);
    assert.equal(events.length, 6, JSON.stringify(events.map((e) => e.type)));
    for (const e of events) {
      segmentValid(e);
      assert.match(e.messageId, /./);
      assert.match(e.timestamp, ISO_8601);
      assert.match(e.anonymousId, UUID_V4);
      assert.equal(e.context.library.name, 'kizuna');
      assert.equal(e.context.page.url, url);
      assert.equal(e.context.consent.analytics, 'granted');
      assert.equal(e.event, undefined);
      assert.equal(e.properties, undefined);
    }
    const [a0, g1, g2, g3, a1, a2] = events;
    assert.deepEqual({ type: a0.type, userId: a0.userId, previousId: a0.previousId }, { type: 'alias', userId: `${RUN}-user-1`, previousId: got.anonymousId }, 'before identify: the anonymous id');
    assert.equal(a0.traits, undefined);
    assert.deepEqual({ type: g1.type, groupId: g1.groupId, userId: g1.userId, messageId: g1.messageId }, { type: 'group', groupId: `${RUN}-acme`, userId: `${RUN}-user-1`, messageId: `${RUN}-g1` });
    assert.deepEqual(g1.traits, { name: 'Acme Inc', employees: 120, since: '2020-01-01T00:00:00.000Z' });
    assert.deepEqual([g2.groupId, g2.traits], [`${RUN}-acme`, { name: 'Acme Inc', employees: 120, since: '2020-01-01T00:00:00.000Z', plan: 'enterprise' }], 'merged into the kept group');
    assert.deepEqual([g3.groupId, g3.traits], ['42', {}], 'a new group starts fresh traits');
    assert.deepEqual([a1.userId, a1.previousId], [`${RUN}-user-2`, `${RUN}-user-1`], 'the current user id');
    assert.deepEqual([a2.userId, a2.previousId, a2.messageId], [`${RUN}-user-3`, `${RUN}-old`, `${RUN}-a3`]);
    assert.equal(await page.evaluate(() => window.kz.userId()), `${RUN}-user-1`, 'alias does not change the user id');

    // The warehouse's rows: their type, no event name, the ids in properties.
    const mineRows = rows(from).filter((r) => r.anonymousId === got.anonymousId && r.type !== 'identify');
    assert.deepEqual(mineRows.map((r) => [r.type, r.event]), [['alias', null], ['group', null], ['group', null], ['group', null], ['alias', null], ['alias', null]]);
    assert.deepEqual(mineRows[1].properties, { groupId: `${RUN}-acme`, traits: g1.traits });
    assert.deepEqual(mineRows[0].properties, { userId: `${RUN}-user-1`, previousId: got.anonymousId });

    // reset() forgets the group (and the next page does not find it).
    await page.evaluate(() => window.kz.reset());
    assert.deepEqual(await page.evaluate(() => [localStorage.getItem('kizuna:groupId'), localStorage.getItem('kizuna:groupTraits'), window.kz.group({ a: 1 })]), [null, null, false]);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('script tag: group and alias queued by the snippet before the SDK loads are replayed with their own context, and work by name after', async () => {
  const { context, page, pageErrors } = await newPage(env.browser);
  try {
    const url = `${env.collector.url}/own/group-alias-tag.html`;
    const snippet = fs.readFileSync(path.join(ROOT, 'js/snippet.js'), 'utf8');
    // The loader is added only once the calls are queued, after a route change.
    await ownPage(context, url, `<script>${snippet}</script>
<script>
  kizuna('init', { endpoint: '/collect', consent: { mode: 'opt-out' }, autotrack: false });
  kizuna('identify', '${RUN}-tag-user');
  kizuna('group', '${RUN}-tag-acme', { plan: 'team' }, { messageId: '${RUN}-tg1' });
  kizuna('alias', '${RUN}-tag-new', { messageId: '${RUN}-ta1' });
  history.pushState({}, '', location.pathname + '?step=2');
  kizuna('alias', '${RUN}-tag-new2', '${RUN}-tag-old', { messageId: '${RUN}-ta2' });
  kizuna('group', { seats: 3 }, { messageId: '${RUN}-tg2' });
  kizuna('ready', function (kz) { window.kz = kz; });
</script>`, '<script async src="/dist/kizuna/kizuna.js"></script>');
    await page.goto(url);
    await page.waitForFunction(() => window.kz && typeof window.kizuna.group === 'function');
    const live = await page.evaluate((run) => [
      window.kizuna.group(`${run}-tag-live`, { tier: 1 }, { messageId: `${run}-tg3` }),
      window.kizuna('alias', `${run}-tag-new3`, undefined, { messageId: `${run}-ta3` }),
    ], RUN);
    assert.deepEqual(live, [true, true], 'the live API, and the call by name');
    await page.evaluate(() => window.kizuna.flush());
    const ids = ['tg1', 'ta1', 'ta2', 'tg2', 'tg3', 'ta3'].map((k) => `${RUN}-${k}`);
    const events = await waitForEvents(env.collector, (e) => ids.includes(e.messageId), 8000, 6);
    const by = Object.fromEntries(events.map((e) => [e.messageId.slice(RUN.length + 1), e]));
    for (const e of events) segmentValid(e);
    assert.deepEqual([by.tg1.type, by.tg1.groupId, by.tg1.userId, by.tg1.traits], ['group', `${RUN}-tag-acme`, `${RUN}-tag-user`, { plan: 'team' }]);
    assert.deepEqual([by.ta1.type, by.ta1.userId, by.ta1.previousId], ['alias', `${RUN}-tag-new`, `${RUN}-tag-user`]);
    assert.deepEqual([by.ta2.userId, by.ta2.previousId], [`${RUN}-tag-new2`, `${RUN}-tag-old`]);
    assert.deepEqual([by.tg2.groupId, by.tg2.traits], [`${RUN}-tag-acme`, { plan: 'team', seats: 3 }], 'the queued traits-only call merges into the queued group');
    assert.deepEqual([by.tg3.groupId, by.tg3.traits], [`${RUN}-tag-live`, { tier: 1 }]);
    assert.deepEqual([by.ta3.userId, by.ta3.previousId], [`${RUN}-tag-new3`, `${RUN}-tag-user`]);
    // Each queued call kept the URL of the moment it was made.
    assert.equal(by.tg1.context.page.url, url);
    assert.equal(by.ta1.context.page.url, url);
    assert.equal(by.ta2.context.page.url, `${url}?step=2`);
    assert.ok(Date.parse(by.tg1.timestamp) <= Date.parse(by.tg3.timestamp));
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// Iglu Central's schemas (tests/fixtures/iglu) and Kizuna's own (www/schemas).
const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map();
function check(uri, data, what) {
  if (!compiled.has(uri)) {
    const [vendor, name, , version] = uri.replace(/^iglu:/, '').split('/');
    const file = vendor === 'com.snowplowanalytics.snowplow'
      ? path.join(ROOT, 'tests', 'fixtures', 'iglu', `snowplow-${name}-${version}.json`)
      : path.join(ROOT, 'www', 'schemas', vendor, name, 'jsonschema', version);
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete schema.$schema;
    compiled.set(uri, ajv.compile(schema));
  }
  const v = compiled.get(uri);
  assert.ok(v(data), `${what} against ${uri}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(data)}`);
}

test('the group and alias schemas are strict: every field typed, nothing else allowed', () => {
  for (const [name, good, bad] of [
    ['group', { groupId: 'acme', traits: { plan: 'team' } }, [{ groupId: 'acme' }, { groupId: '', traits: {} }, { groupId: 1, traits: {} }, { groupId: 'a', traits: [] }, { groupId: 'a', traits: {}, extra: 1 }]],
    ['alias', { userId: 'new', previousId: 'old' }, [{ userId: 'new' }, { userId: 'new', previousId: '' }, { userId: 'x'.repeat(256), previousId: 'old' }, { userId: 'n', previousId: 'o', traits: {} }]],
  ]) {
    const uri = `iglu:dev.kizuna/${name}/jsonschema/1-0-0`;
    check(uri, good, name);
    const v = compiled.get(uri);
    for (const b of bad) assert.equal(v(b), false, `${name} refuses ${JSON.stringify(b)}`);
  }
});

test('Snowplow: group and alias are self-describing events under dev.kizuna/group and dev.kizuna/alias, valid and as tracker-core builds them; the warehouse rows are the Segment format\'s', async () => {
  const { context, page, pageErrors } = await newPage(env.browser);
  try {
    const url = `${env.collector.url}/own/group-alias-snowplow.html`;
    await ownPage(context, url, NPM({ endpoint: '/', format: 'snowplow', consent: { mode: 'opt-out' }, autotrack: false }));
    await page.goto(url);
    await page.waitForFunction(() => window.kz);
    const from = env.collector.records.length;
    const anonymousId = await page.evaluate((run) => {
      const kz = window.kz;
      kz.identify(`${run}-sp-user`);
      kz.group(`${run}-sp-acme`, { name: 'Acme Inc', employees: 120 }, { messageId: `${run}-sg1` });
      kz.alias(`${run}-sp-new`, { messageId: `${run}-sa1` });
      kz.flush();
      return kz.anonymousId();
    }, RUN);
    await waitUntil(() => env.collector.records.slice(from).flatMap((r) => r.body?.data ?? []).filter((e) => e.duid === anonymousId).length >= 3, 5000, 'the three events');
    await sleep(200);
    const records = env.collector.records.slice(from).filter((r) => (r.body?.data ?? []).some((e) => e.duid === anonymousId));
    const events = [];
    for (const r of records) {
      assert.equal(r.path, '/com.snowplowanalytics.snowplow/tp2');
      check(r.body.schema, r.body.data, 'the batch');
      events.push(...r.body.data);
    }
    const g = events.find((e) => e.eid === `${RUN}-sg1`);
    const a = events.find((e) => e.eid === `${RUN}-sa1`);
    for (const [e, name] of [[g, 'group'], [a, 'alias']]) {
      assert.equal(e.e, 'ue');
      const ue = JSON.parse(e.ue_pr);
      check(ue.schema, ue.data, 'ue_pr');
      assert.equal(ue.data.schema, `iglu:dev.kizuna/${name}/jsonschema/1-0-0`);
      check(ue.data.schema, ue.data.data, name);
      const co = JSON.parse(e.co);
      check(co.schema, co.data, 'co');
      for (const entity of co.data) check(entity.schema, entity.data, 'an entity');
      const core = trackerCore({ base64: false });
      core.setPlatform('web');
      const built = core.track(buildSelfDescribingEvent({ event: ue.data }), co.data);
      for (const k of ['e', 'p', 'ue_pr', 'co']) {
        if (k === 'ue_pr' || k === 'co') assert.deepEqual(JSON.parse(e[k]), JSON.parse(built[k]), `${name} ${k}`);
        else assert.equal(e[k], built[k], `${name} ${k}`);
      }
    }
    assert.deepEqual(JSON.parse(g.ue_pr).data.data, { groupId: `${RUN}-sp-acme`, traits: { name: 'Acme Inc', employees: 120 } });
    assert.equal(g.uid, `${RUN}-sp-user`);
    assert.deepEqual(JSON.parse(a.ue_pr).data.data, { userId: `${RUN}-sp-new`, previousId: `${RUN}-sp-user` });
    assert.equal(a.uid, `${RUN}-sp-new`);

    // The same rows as the Segment format gives for the same calls.
    const got = rows(from).filter((r) => r.anonymousId === anonymousId);
    assert.deepEqual(got.map((r) => [r.format, r.type, r.event]), [['snowplow', 'identify', null], ['snowplow', 'group', null], ['snowplow', 'alias', null]]);
    const segment = (e) => rowsOf({ receivedAt: new Date().toISOString(), body: { batch: [e] } }).map(([, , type, event, , , userId, , , , , , properties]) => [type, event, userId, JSON.parse(properties)]);
    assert.deepEqual(segment({ type: 'group', groupId: `${RUN}-sp-acme`, traits: { name: 'Acme Inc', employees: 120 }, userId: `${RUN}-sp-user` }),
      [[got[1].type, got[1].event, got[1].userId, got[1].properties]]);
    assert.deepEqual(segment({ type: 'alias', userId: `${RUN}-sp-new`, previousId: `${RUN}-sp-user` }), [[got[2].type, got[2].event, got[2].userId, got[2].properties]]);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the collector reads each call schema of the shared fixture back as its type, with no event name', () => {
  const { calls } = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/snowplow-events.json'), 'utf8'));
  assert.deepEqual(calls.map((c) => c.type), ['identify', 'group', 'alias']);
  for (const { type, schema } of calls) {
    const ue = { schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0', data: { schema: `iglu:dev.kizuna/${schema}/jsonschema/1-0-0`, data: {} } };
    const [row] = rowsOf({ receivedAt: new Date().toISOString(), body: { data: [{ e: 'ue', eid: 'x', ue_pr: JSON.stringify(ue) }] } });
    assert.deepEqual([row[2], row[3]], [type, null], schema);
  }
  // Another vendor's schema of the same name is an event of its own.
  const other = { data: { schema: 'iglu:com.acme/group/jsonschema/1-0-0', data: {} } };
  const [row] = rowsOf({ receivedAt: new Date().toISOString(), body: { data: [{ e: 'ue', ue_pr: JSON.stringify(other) }] } });
  assert.deepEqual([row[2], row[3]], ['track', 'group']);
});

test('server-side: the inert instance has group and alias, doing nothing', () => {
  const kz = inert();
  assert.deepEqual([kz.group('acme', { a: 1 }), kz.alias('new', 'old'), kz.inert], [false, false, true]);
});
