// format: 'snowplow': the demo SPA's events (page views, autotrack,
// track, identify) arrive on the tp2 path as Snowplow's tracker protocol;
// every body, context, entity and self-describing event validates against
// its JSON Schema (Iglu Central's in ../shared/schemas, Kizuna's own in
// www/schemas), and each payload is what @snowplow/tracker-core builds for
// the same call. The slots page adds the exposures (slot_viewed,
// slot_clicked, each with its slot_decision entity) and consent_updated;
// the shop with the engage build its recommendation, survey and audience
// report events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import { trackerCore, buildPageView, buildSelfDescribingEvent } from '@snowplow/tracker-core';
import { setup, teardown, newPage, sleep, waitUntil, ROOT } from './helpers.mjs';

let env;
before(async () => { env = await setup('snowplow'); });
after(async () => { await teardown(env); });

// Iglu Central's schemas (Apache-2.0, tests/fixtures/iglu/NOTICE-iglu-central.md),
// copied from ../shared/schemas so a clean clone validates against them too.
const SHARED = path.join(ROOT, 'tests', 'fixtures', 'iglu');
const OWN = path.join(ROOT, 'www', 'schemas');
const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map();

/** The validator of an Iglu URI (`iglu:vendor/name/jsonschema/version`). */
function validator(uri) {
  if (!compiled.has(uri)) {
    const [vendor, name, , version] = uri.replace(/^iglu:/, '').split('/');
    const file = vendor === 'com.snowplowanalytics.snowplow'
      ? path.join(SHARED, `snowplow-${name}-${version}.json`)
      : path.join(OWN, vendor, name, 'jsonschema', version);
    assert.ok(fs.existsSync(file), `a schema for ${uri}`);
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete schema.$schema;
    compiled.set(uri, ajv.compile(schema));
  }
  return compiled.get(uri);
}

function check(uri, data, what) {
  const v = validator(uri);
  assert.ok(v(data), `${what} against ${uri}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(data)}`);
}

/**
 * Checks every record of a Snowplow run: the tp2 path, payload_data, each
 * context, entity and self-describing event against its schema, and each
 * payload against what tracker-core builds for the same call. Returns the
 * events and the kinds seen (`pv` or the event schema's name).
 */
function checkRecords(records) {
  assert.ok(records.length > 0);
  const events = [];
  for (const r of records) {
    assert.equal(r.path, '/com.snowplowanalytics.snowplow/tp2');
    assert.equal(r.body.schema, 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4');
    check(r.body.schema, r.body.data, 'the batch');
    events.push(...r.body.data);
  }
  const kinds = new Set();
  for (const e of events) {
    const co = JSON.parse(e.co);
    check(co.schema, co.data, 'co');
    for (const entity of co.data) check(entity.schema, entity.data, 'an entity');
    const exposure = e.ue_pr?.includes('dev.kizuna/slot_');
    assert.deepEqual(co.data.map((x) => x.schema.split('/')[1]),
      exposure ? ['web_page', 'consent', 'slot_decision', 'session'] : ['web_page', 'consent', 'session']);
    if (exposure) assert.deepEqual(co.data[2].data, JSON.parse(e.ue_pr).data.data, 'the decision entity holds the exposure\'s fields');
    if (e.e === 'ue') {
      const ue = JSON.parse(e.ue_pr);
      check(ue.schema, ue.data, 'ue_pr');
      check(ue.data.schema, ue.data.data, 'the event');
      kinds.add(ue.data.schema.split('/')[1]);
    } else {
      assert.equal(e.e, 'pv');
      kinds.add('pv');
    }
    // The same call through @snowplow/tracker-core: every field it
    // sets has the same value in Kizuna's payload (ids and times aside).
    const core = trackerCore({ base64: false });
    core.setPlatform('web');
    const ue = e.ue_pr && JSON.parse(e.ue_pr).data;
    const built = core.track(e.e === 'pv'
      ? buildPageView({ pageUrl: e.url, pageTitle: e.page, referrer: e.refr })
      : buildSelfDescribingEvent({ event: ue }), co.data);
    for (const [k, v] of Object.entries(built)) {
      if (k === 'eid' || k === 'dtm') continue;
      if (k === 'co' || k === 'ue_pr') assert.deepEqual(JSON.parse(e[k]), JSON.parse(v), k);
      else if (k === 'url' || k === 'page' || k === 'refr') continue; // built from Kizuna's own values
      else assert.equal(e[k], v, `${k} as tracker-core sets it`);
    }
    assert.match(e.eid, /^[0-9a-f-]{36}$/);
    assert.ok(Number(e.dtm) > 1.7e12 && Number(e.stm) >= Number(e.dtm));
  }
  return { events, kinds };
}

/** `named(schema)`: the data of each dev.kizuna `schema` event the collector got after record `from`. */
function sentSince(from) {
  return (name) => env.collector.records.slice(from).flatMap((r) => r.body?.data ?? [])
    .filter((e) => e.ue_pr?.includes(`dev.kizuna/${name}/`)).map((e) => JSON.parse(e.ue_pr).data.data);
}

test('every schema Kizuna publishes is a valid draft-04 self-describing schema, named as its path', () => {
  const files = [];
  const walk = (dir) => {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      if (f.isDirectory()) walk(path.join(dir, f.name));
      else files.push(path.join(dir, f.name));
    }
  };
  walk(OWN);
  assert.ok(files.length >= 13, `${files.length} schemas`);
  for (const file of files) {
    const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
    const [vendor, name, format, version] = path.relative(OWN, file).split(path.sep);
    assert.deepEqual(schema.self, { vendor, name, format, version }, file);
    assert.equal(schema.$schema, 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#');
    const { $schema, self, ...body } = schema;
    assert.ok(ajv.validateSchema(body), `${file}: ${ajv.errorsText(ajv.errors)}`);
  }
});

test('Snowplow tracker protocol: valid against every schema, and what tracker-core builds for the same calls', async () => {
  const { context, page, pageErrors } = await newPage(env.browser);
  try {
    const from = env.collector.records.length;
    await page.goto(`${env.collector.url}/spa.html?cfg=${encodeURIComponent(JSON.stringify({ format: 'snowplow', endpoint: '/', writeKey: 'sp' }))}`);
    await page.waitForFunction(() => window.kz);
    await page.click('#cta');
    await page.click('#outbound');
    await page.click('#to-signup');
    await sleep(200);
    await page.fill('input[name=email]', 'a@example.com');
    await page.click('#submit');
    await page.evaluate(() => {
      window.kz.track('Order Completed', { revenue: 42.5, items: [{ sku: 'A1' }] });
      window.kz.identify('user-7', { plan: 'pro' });
    });
    await page.evaluate(() => window.kz.flush());
    await page.goto('about:blank');
    await sleep(1500);
    const records = env.collector.records.slice(from);
    const { events, kinds } = checkRecords(records);
    for (const k of ['pv', 'button_clicked', 'link_clicked', 'form_event', 'custom_event', 'identify', 'page_engagement']) {
      assert.ok(kinds.has(k), `a ${k} event was sent (${[...kinds]})`);
    }
    const identify = events.find((e) => e.ue_pr?.includes('dev.kizuna/identify'));
    assert.equal(identify.uid, 'user-7');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('Snowplow tracker protocol on the slots page: exposures carry the slot decision entity, consent changes their audit event', async () => {
  const { context, page, pageErrors } = await newPage(env.browser);
  // With autotrack (newPage switches it off): sessions, clicks, engagement.
  await context.addInitScript(() => { window.kizunaDemoNoAutotrack = false; });
  try {
    const from = env.collector.records.length;
    const named = sentSince(from);
    await page.goto(`${env.collector.url}/slots.html?format=snowplow`);
    await page.waitForFunction(() => typeof window.kizuna === 'function' && typeof window.kizuna.decide === 'function');
    const hero = await page.evaluate(() => window.kizuna.decide('hero'));
    await waitUntil(() => named('slot_viewed').some((d) => d.slot === 'hero'), 5000, 'the hero\'s slot_viewed');
    await page.click('[data-kz-slot=hero] > h2');
    await page.evaluate(() => window.kizuna('consent', { marketing: false }));
    await page.evaluate(() => window.kizuna.flush());
    await waitUntil(() => named('slot_clicked').length === 1 && named('consent_updated').length === 1, 5000, 'slot_clicked and consent_updated');
    await page.goto('about:blank');
    await sleep(500);
    const { events, kinds } = checkRecords(env.collector.records.slice(from));
    for (const k of ['pv', 'slot_viewed', 'slot_clicked', 'consent_updated']) {
      assert.ok(kinds.has(k), `a ${k} event was sent (${[...kinds]})`);
    }
    const clicked = events.find((e) => e.ue_pr?.includes('dev.kizuna/slot_clicked/'));
    const decision = JSON.parse(clicked.co).data[2].data;
    assert.deepEqual({ slot: decision.slot, variant: decision.variant, holdout: decision.holdout },
      { slot: 'hero', variant: hero.variant, holdout: hero.holdout }, 'the decision kz.decide() returned');
    assert.ok(decision.propensity > 0 && decision.propensity <= 1);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('Snowplow tracker protocol on the shop with the engage build: recommendations, the NPS survey and the audience report, each under its own schema', async () => {
  const { context, page, pageErrors } = await newPage(env.browser);
  await context.addInitScript(() => { window.kizunaDemoNoAutotrack = false; window.kizunaDemoRecs = true; });
  try {
    const from = env.collector.records.length;
    const named = sentSince(from);
    await page.goto(`${env.collector.url}/?mode=opt-out&format=snowplow&insights=1`);
    await page.waitForFunction(() => window.kz);
    const first = await (await page.waitForFunction(() => document.querySelector('[data-kz-recs] [data-kz-position="1"]')?.getAttribute('data-kz-item'))).jsonValue();
    await page.locator(`[data-kz-item=${first}]`).scrollIntoViewIfNeeded();
    await waitUntil(() => named('recommendation_viewed').some((d) => d.item === first), 5000, 'recommendation_viewed');
    await page.click(`[data-kz-item=${first}] button`);
    await page.click('#order');
    await page.waitForSelector('.kz-survey');
    await page.click('.kz-survey input[value="9"]');
    await page.click('.kz-survey .kz-submit');
    await page.evaluate(() => window.kz.flush());
    const wanted = ['recommendation_clicked', 'survey_shown', 'survey_responded', 'audience_report'];
    await waitUntil(() => wanted.every((n) => named(n).length > 0), 5000, wanted.join(', '));
    await page.goto('about:blank');
    await sleep(500);
    const { kinds } = checkRecords(env.collector.records.slice(from));
    // Kizuna's own survey is not a site form, nor its Send a site button.
    assert.deepEqual(named('form_event'), []);
    assert.deepEqual(named('button_clicked').map((b) => b.id ?? b.text), ['View', 'order']);
    for (const k of ['pv', 'recommendation_viewed', 'custom_event', ...wanted]) {
      assert.ok(kinds.has(k), `a ${k} event was sent (${[...kinds]})`);
    }
    assert.deepEqual(named('recommendation_clicked')[0], { slot: 'for-you', item: first, position: 1, reason: named('recommendation_viewed')[0].reason });
    assert.deepEqual(named('survey_responded')[0], { survey: 'nps', trigger: 'order', score: 9 });
    assert.deepEqual(Object.keys(named('audience_report')[0]).sort(), ['epsilon', 'mechanism', 'segment', 'topic', 'topics']);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
