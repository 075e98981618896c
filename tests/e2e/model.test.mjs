// The learned model on the device (js/edge/recs.js with the demo shop's
// `model: '/v1/model'`, served by a collector with DuckDB):
// - other visitors viewed a product near another; a new visitor who views
//   the first sees the second lead the "Recommended for you" row, explained
//   by what they viewed; the model is fetched once a page;
// - without personalization consent it is never fetched;
// - a broken or unreachable model: one [kizuna] warning, the row still ranks;
// - an item without a popularity of the page's takes the model's visitors;
// - what the model says leaves nothing on the page but the row's order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCollector } from '../../www/collector.mjs';
import { launchBrowser, newPage, waitForReady, waitUntil, kizunaMessages } from './helpers.mjs';

let env;
before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-model-e2e-'));
  const collector = await startCollector({ out: path.join(dir, 'batches.ndjson'), model: { everyMs: 0 } });
  env = { dir, collector, browser: await launchBrowser() };
  // Six earlier visitors viewed the wind shell (G7) right after the trail socks (F6).
  const T = Date.now() - 3_600_000;
  const batch = [];
  for (let v = 0; v < 6; v++) {
    for (const [i, sku] of ['F6', 'G7'].entries()) {
      batch.push({
        type: 'track', event: 'Product Viewed', properties: { sku, name: sku === 'F6' ? 'Trail socks' : 'Wind shell' }, anonymousId: `earlier-${v}`,
        messageId: `seed-${v}-${i}`, timestamp: new Date(T + v * 60_000 + i * 1000).toISOString(), context: { page: { url: 'https://shop.example/' } },
      });
    }
  }
  const r = await fetch(`${collector.url}/v1/batch`, { method: 'POST', body: JSON.stringify({ batch }), headers: { 'Content-Type': 'text/plain' } });
  assert.equal(r.status, 200);
  await collector.buildModel();
});
after(async () => {
  await env?.browser?.close();
  await env?.collector?.close();
  fs.rmSync(env.dir, { recursive: true, force: true });
});

/** A demo shop page with the model (the suites' flag undone), counting the model's requests. */
async function shop(mode = 'opt-out') {
  const h = await newPage(env.browser);
  await h.context.addInitScript(() => { window.kizunaDemoNoModel = false; window.kizunaDemoRecs = true; });
  h.modelRequests = 0;
  h.page.on('request', (req) => { if (new URL(req.url()).pathname === '/v1/model') h.modelRequests++; });
  await h.page.goto(`${env.collector.url}/?mode=${mode}`);
  await waitForReady(h.page);
  return h;
}

const row = (page) => page.$$eval('[data-kz-recs="for-you"] [data-kz-position]', (els) => els
  .sort((a, b) => a.getAttribute('data-kz-position') - b.getAttribute('data-kz-position'))
  .map((e) => [e.getAttribute('data-kz-item'), e.getAttribute('data-kz-reason'), e.title]));

test('a product others viewed near the one this visitor viewed leads the row, explained; one model request a page', async () => {
  const { context, page, pageErrors, consoleMessages } = await shop();
  try {
    await waitUntil(() => row(page).then((r) => r.length === 3), 5000, 'the row to be ranked');
    // A new visitor: what sells first (the site's popularity: Road runners, Trail socks, First-aid kit).
    assert.deepEqual((await row(page)).map((r) => r[0]), ['E5', 'F6', 'H8']);
    await page.click('.product[data-sku=F6] button[data-action=view]');
    await page.goto(`${env.collector.url}/?mode=opt-out`);
    await waitForReady(page);
    await waitUntil(() => row(page).then((r) => r[0]?.[0] === 'G7'), 5000, 'the wind shell to lead the row');
    assert.deepEqual((await row(page))[0], ['G7', 'viewed-together', 'because you viewed Trail socks']);
    assert.match(await page.evaluate(() => window.kz.explain('for-you')), /G7 \(because you viewed Trail socks\)/);
    assert.equal(context.pages().length, 1);
    assert.ok(await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/v1/model')).length) <= 1, 'at most one model request on this page');
    assert.deepEqual(kizunaMessages(consoleMessages).filter((m) => m.type !== 'info' && m.type !== 'debug'), []);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('an item the page gives no popularity takes its visitors in the model', async () => {
  const { context, page, pageErrors } = await shop();
  try {
    const recommend = () => page.evaluate(() => window.kz.recommend([{ id: 'X1' }, { id: 'G7' }, { id: 'Z9' }], { n: 3, slot: 'unranked' }).map((p) => p.id));
    // Before the model: the page's order; once it is here, what other visitors viewed most.
    await waitUntil(async () => (await recommend())[0] === 'G7', 5000, 'the wind shell, viewed by six visitors, to lead');
    assert.deepEqual(await recommend(), ['G7', 'X1', 'Z9']);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('without personalization consent the model is never fetched', async () => {
  const h = await shop('opt-in');
  try {
    // Analytics yes, personalization no: no profile, no model.
    await h.page.evaluate(() => window.kz.consent.set({ analytics: true, personalization: false }));
    await h.page.click('.product[data-sku=F6] button[data-action=view]');
    await h.page.reload();
    await waitForReady(h.page);
    await h.page.evaluate(() => window.kz.flush());
    assert.equal(h.modelRequests, 0);
    // Granted now: the row is ranked, and the model asked for.
    await h.page.evaluate(() => window.kz.consent.set({ personalization: true }));
    await waitUntil(async () => h.modelRequests === 1, 5000, 'the model to be asked for once personalization is granted');
  } finally {
    await h.context.close();
  }
});

for (const [what, answer, said] of [
  ['broken', { status: 200, contentType: 'application/json', body: '{"version":1,"items":' }, /^\[kizuna\] the model at \/v1\/model was not used \(.*JSON.*\); Kizuna goes on with the last good one$/],
  ['of another version', { status: 200, contentType: 'application/json', body: '{"version":2,"items":{}}' }, /the model at \/v1\/model was not used \(not a version 1 model\)/],
  ['unreachable', { status: 503, contentType: 'application/json', body: '{"error":"down"}' }, /the model at \/v1\/model was not used \(HTTP 503\)/],
]) {
  test(`a model ${what}: one [kizuna] warning, the row still ranks`, async () => {
    const h = await newPage(env.browser);
    await h.context.addInitScript(() => { window.kizunaDemoNoModel = false; window.kizunaDemoRecs = true; });
    await h.context.route('**/v1/model', (route) => route.fulfill(answer));
    try {
      await h.page.goto(`${env.collector.url}/?mode=opt-out`);
      await waitForReady(h.page);
      await waitUntil(() => row(h.page).then((r) => r.length === 3), 5000, 'the row to be ranked');
      await waitUntil(async () => kizunaMessages(h.consoleMessages).some((m) => said.test(m.text)), 5000, 'the warning');
      assert.equal(kizunaMessages(h.consoleMessages).filter((m) => /model/.test(m.text)).length, 1, 'one warning');
      assert.deepEqual((await row(h.page)).map((r) => r[0]), ['E5', 'F6', 'H8']);
      assert.deepEqual(h.pageErrors, []);
    } finally {
      await h.context.close();
    }
  });
}
