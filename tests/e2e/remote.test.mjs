// The remote document on the device (js/edge/remote.js, js/edge/personalize.js,
// src/engine/personalize/remote.rs), on the script-tag slots page
// (www/slots.html with ?model=/v1/model; the model answered by the test):
// - a slot variant without a prior of the page's starts from what every
//   visitor clicked: kept for the next page, it decides a new visitor's
//   first view, and says so;
// - a remote config the page's own config conflicts with: the page wins
//   field by field, the remote fills in the rest;
// - a remote config that fails validation: one [kizuna] warning naming the
//   field, the last good one stays;
// - a model printed into the page decides before anything is fetched;
// - without personalization consent nothing is fetched or kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, newPage, waitUntil, kizunaMessages } from './helpers.mjs';

let env;
before(async () => { env = await setup('remote'); });
after(async () => { await teardown(env); });

/** A model document: the hero's counts, and a remote config. */
const model = (variants, config) => ({
  version: 1, builtAt: '2026-12-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z', settings: { window: 5, k: 5, top: 20 },
  items: {}, slots: { hero: { variants, holdout: {} } }, ...(config ? { config } : {}),
});
// Everyone clicks the rain jackets; nobody the shoes.
const JACKETS = { shoes: { views: 10000, clicks: 0, alpha: 1, beta: 10001 }, outerwear: { views: 10000, clicks: 3000, alpha: 3001, beta: 7001 } };

/** A page whose /v1/model answers what `answer()` says now; counts the requests. */
async function page(answer) {
  const h = await newPage(env.browser);
  h.modelRequests = 0;
  await h.context.route((url) => url.pathname === '/v1/model', (route) => {
    h.modelRequests++;
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer()) });
  });
  return h;
}

async function open(h, query) {
  await h.page.goto(`${env.collector.url}/slots.html${query}`);
  await waitUntil(() => h.page.evaluate(() => !!document.querySelector('[data-kz-slot="hero"]')?.getAttribute('data-kz-shown')), 10_000, 'the hero to be decided');
}

const stored = (h) => h.page.evaluate(() => localStorage.getItem('kizuna:remote'));
const hero = (h) => h.page.evaluate(() => window.kizuna.decide('hero'));
const warnings = (h) => kizunaMessages(h.consoleMessages).filter((m) => m.type === 'warning' || m.type === 'error');

test('a variant without a prior of the page\'s starts from what every visitor clicked, kept for the next page', async () => {
  const first = await page(() => model(JACKETS));
  let kept;
  try {
    await open(first, '?learn=1&model=/v1/model');
    kept = await waitUntil(() => stored(first), 5000, 'the model to be kept');
    assert.deepEqual(JSON.parse(kept).slots, { hero: { variants: { shoes: { views: 10000, clicks: 0 }, outerwear: { views: 10000, clicks: 3000 } } } });
    assert.equal(first.modelRequests, 1);
    // The same visitor, now forgotten: decided again, from the counts.
    const d = await first.page.evaluate(() => { window.kizuna.forget(); return window.kizuna.decide('hero'); });
    assert.equal(d.variant, 'outerwear', JSON.stringify(d));
    assert.match(d.explanation, /prior click rate 30% \(learned from every visitor\)$/);
    assert.deepEqual(warnings(first), []);
    assert.deepEqual(first.pageErrors, []);
  } finally {
    await first.context.close();
  }
  // New visitors whose browser kept the model and whose collector is down
  // now: their first view is decided from the kept counts alone.
  for (let i = 0; i < 3; i++) {
    const h = await newPage(env.browser);
    try {
      await h.context.addInitScript((text) => { if (location.search.includes('learn')) localStorage.setItem('kizuna:remote', text); }, kept);
      await h.context.route((url) => url.pathname === '/v1/model', (route) => route.fulfill({ status: 503, body: '' }));
      await open(h, '?learn=1&model=/v1/model');
      const d = await hero(h);
      assert.equal(d.variant, 'outerwear', JSON.stringify(d));
      assert.match(d.explanation, /\(learned from every visitor\)$/);
      await waitUntil(() => warnings(h).length > 0, 5000, 'the warning');
      assert.deepEqual(warnings(h).map((m) => m.text), ['[kizuna] the model at /v1/model was not used (HTTP 503); Kizuna goes on with the last good one']);
      // The page's own prior wins over the counts (decided afresh: the
      // kept choice is kept, the default prior being the hashed one).
      await open(h, '?model=/v1/model');
      const own = await h.page.evaluate(() => { window.kizuna.forget(); return window.kizuna.decide('hero'); });
      assert.match(own.explanation, /prior click rate 5%$/);
    } finally {
      await h.context.close();
    }
  }
});

test('a remote config the page conflicts with: the page wins field by field, the remote fills in the rest; a bad one keeps the last good one', async () => {
  // The remote puts everyone in the holdout (the page says 0) and keeps the
  // shoes to a path no page has (the page says nothing of rules).
  let config = { slots: { hero: { holdout: 1, variants: { shoes: { rules: { pathPrefix: '/nowhere' } } } } } };
  const h = await page(() => model({}, config));
  try {
    await open(h, '?model=/v1/model');
    await waitUntil(() => stored(h), 5000, 'the remote config to be kept');
    await open(h, '?model=/v1/model');
    let d = await hero(h);
    assert.equal(d.holdout, false, 'the page\'s holdout: 0 wins');
    assert.equal(d.variant, 'outerwear', JSON.stringify(d));
    assert.match(d.explanation, /the only eligible variant/);
    // The next build has a value init would refuse: one warning naming it;
    // the last good one stays, now and on the next page.
    config = { slots: { hero: { variants: { outerwear: { rules: { segment: 'vip' } } } } } };
    await open(h, '?model=/v1/model');
    await waitUntil(() => warnings(h).length > 0, 5000, 'the warning');
    const said = warnings(h).map((m) => m.text);
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0], /^\[kizuna\] the fetched remote config was not used \(.*slots\.hero\.variants\.outerwear\.rules\.segment.*\); the last good one stays$/);
    assert.match(JSON.parse(await stored(h)).config.slots.hero.variants.shoes.rules.pathPrefix, /\/nowhere/);
    await open(h, '?model=/v1/model');
    d = await h.page.evaluate(() => { window.kizuna.forget(); return window.kizuna.decide('hero'); });
    assert.match(d.explanation, /the only eligible variant/);
    // forget() takes the kept document with the profile.
    assert.equal(await stored(h), null);
    assert.deepEqual(h.pageErrors, []);
  } finally {
    await h.context.close();
  }
});

test('a model printed into the page decides its first view; nothing is fetched without a model URL', async () => {
  const h = await newPage(env.browser);
  h.modelRequests = 0;
  h.page.on('request', (req) => { if (new URL(req.url()).pathname === '/v1/model') h.modelRequests++; });
  await h.context.route('**/slots.html*', async (route) => {
    const response = await route.fetch();
    const printed = `<script type="application/json" data-kz-model>${JSON.stringify(model(JACKETS))}</script>`;
    await route.fulfill({ response, body: (await response.text()).replace('</body>', `${printed}</body>`) });
  });
  try {
    await open(h, '?learn=1');
    const d = await hero(h);
    assert.equal(d.variant, 'outerwear', JSON.stringify(d));
    assert.match(d.explanation, /\(learned from every visitor\)$/);
    assert.equal(h.modelRequests, 0);
    assert.deepEqual(warnings(h), []);
  } finally {
    await h.context.close();
  }
});

test('without personalization consent nothing is fetched or kept', async () => {
  const h = await page(() => model(JACKETS));
  try {
    await open(h, '?learn=1&mode=opt-in&model=/v1/model');
    await h.page.evaluate(() => window.kizuna('consent', { analytics: true }));
    await h.page.reload();
    await waitUntil(() => h.page.evaluate(() => !!document.querySelector('[data-kz-slot="hero"]')?.getAttribute('data-kz-shown')), 10_000, 'the hero');
    assert.equal(h.modelRequests, 0);
    assert.equal(await stored(h), null);
    // Granted: fetched and kept; withdrawn: the kept copy goes.
    await h.page.evaluate(() => window.kizuna('consent', { personalization: true }));
    await waitUntil(() => stored(h), 5000, 'the model to be kept once granted');
    assert.equal(h.modelRequests, 1);
    await h.page.evaluate(() => window.kizuna('consent', { personalization: false }));
    await waitUntil(async () => (await stored(h)) === null, 5000, 'the kept model to go');
  } finally {
    await h.context.close();
  }
});
