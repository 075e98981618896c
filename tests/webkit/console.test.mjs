// The demo pages in WebKit, as a visitor opens them (autotrack, slots and
// recommendations on): no console error, no uncaught error or unhandled
// rejection, no failed resource, and no [kizuna] warning, from loading
// through sending. The console is read from the recorder the served pages
// carry (helpers.mjs); each page is one test in a fresh tab.
//
// Not here: dashboard.html (needs the collector's DuckDB, which these tests
// start without), side-by-side.html (the shop and the dashboard in frames)
// and bench.html (a benchmark).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, newTab, waitForEvents, kizunaMessages } from './helpers.mjs';

let env;
before(async () => { env = await setup('console'); });
after(async () => { await teardown(env); });

/** The npm-entry pages set window.kz; the script-tag pages replace window.kizuna's stub with the live API. */
const api = () => {
  if (window.kz && typeof window.kz.track === 'function') return 'kz';
  if (typeof window.kizuna === 'function' && typeof window.kizuna.track === 'function') return 'kizuna';
  return null;
};

/**
 * Each page: its path, and what to do there once Kizuna is up (`exercise`,
 * run in the test runner with the tab and the visitor's anonymous id).
 */
const PAGES = [
  {
    path: '/',
    what: 'the demo shop, opt-in: the banner, Accept all, products viewed and added',
    exercise: async (tab, id) => {
      await tab.click('#accept-all');
      await tab.click('.product[data-sku=A1] button[data-action=view]');
      await tab.click('.product[data-sku=B2] button[data-action=add]');
      await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Product Added', 10_000);
    },
  },
  {
    path: '/?mode=opt-out',
    what: 'the demo shop, opt-out: a product viewed, identify, flush',
    exercise: async (tab, id) => {
      await tab.click('.product[data-sku=C3] button[data-action=view]');
      await tab.click('#identify button:not([type=button])');
      await tab.click('#flush');
      await waitForEvents(env.collector, (e) => e.anonymousId === id && e.type === 'identify', 10_000);
    },
  },
  {
    path: '/script-tag.html',
    what: 'the script tag',
    exercise: async (tab, id) => {
      await tab.click('#track');
      await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Clicked After Load', 10_000);
    },
  },
  {
    path: '/slots.html',
    what: 'slots with the pre-paint script (its evil variant\'s /nope.png is meant to fail: not counted)',
    allowResources: [/\/nope\.png$/],
    exercise: async (tab, id) => {
      await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Viewed', 10_000);
    },
  },
  {
    path: '/spa.html',
    what: 'the single-page app (autotrack)',
    exercise: async (tab, id) => {
      await tab.click('#to-article');
      await waitForEvents(env.collector, (e) => e.anonymousId === id && e.type === 'page' && e.context?.page?.path === '/spa/article', 10_000);
    },
  },
  {
    path: '/cmp.html',
    what: 'the CMP demo (TCF + Consent Mode stubs)',
    exercise: async (tab) => { await tab.eval((name) => window[name].flush(), 'kz'); },
  },
  {
    path: '/gpp.html',
    what: 'the GPP demo',
    exercise: async (tab) => { await tab.eval((name) => window[name].flush(), 'kz'); },
  },
  {
    path: '/reliable.html',
    what: 'the reliability page',
    exercise: async (tab, id) => {
      await tab.eval(() => window.kz.track('Reliable'));
      await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Reliable', 10_000);
    },
  },
];

test('the recorder sees what these tests look for: console.error, an uncaught error, an unhandled rejection, a failed image', async () => {
  const tab = await newTab(env);
  try {
    await tab.goto('/next.html');
    await tab.eval(() => {
      console.error('[kizuna] recorder check');
      setTimeout(() => { throw new Error('thrown by the check'); }, 0);
      Promise.reject(new Error('rejected by the check'));
      const img = document.createElement('img');
      img.src = '/missing-by-the-check.png';
      document.body.append(img);
    });
    const rec = await tab.waitFor(() => {
      const r = window.__kzwk;
      return r.errors.length >= 2 && r.resourceErrors.length >= 1 ? r : null;
    }, { what: 'the check\'s errors recorded' });
    assert.deepEqual(rec.console, [{ type: 'error', text: '[kizuna] recorder check' }]);
    assert.deepEqual(rec.errors.map((e) => e.kind).sort(), ['error', 'unhandledrejection']);
    assert.ok(rec.errors.some((e) => e.message.includes('thrown by the check')), JSON.stringify(rec.errors));
    assert.ok(rec.errors.some((e) => e.message.includes('rejected by the check')), JSON.stringify(rec.errors));
    assert.deepEqual(rec.resourceErrors.map((r) => [r.tag, new URL(r.url).pathname]), [['img', '/missing-by-the-check.png']]);
  } finally {
    await tab.close();
  }
});

for (const page of PAGES) {
  test(`${page.path} (${page.what}): no error on the console, none thrown, no failed resource, no [kizuna] warning`, async (t) => {
    const tab = await newTab(env);
    try {
      await tab.goto(page.path);
      const name = await tab.waitFor(api, { timeout: 15_000, what: 'Kizuna up' });
      const id = await tab.eval((name) => window[name].anonymousId(), name);
      await page.exercise(tab, id);
      const rec = await tab.record();
      for (const m of rec.console) t.diagnostic(`console.${m.type}: ${m.text}`);
      const resourceErrors = rec.resourceErrors.filter((r) => !(page.allowResources ?? []).some((re) => re.test(r.url)));
      assert.deepEqual(rec.errors, [], 'no uncaught error or unhandled rejection');
      assert.deepEqual(rec.console.filter((m) => m.type === 'error'), [], 'no console error');
      assert.deepEqual(resourceErrors, [], 'no failed resource');
      assert.deepEqual(kizunaMessages(rec.console), [], 'Kizuna had nothing to say');
      assert.deepEqual(rec.initErrors, []);
    } finally {
      await tab.close();
    }
  });
}

test('/next.html: loads without an error', async () => {
  const tab = await newTab(env);
  try {
    await tab.goto('/next.html');
    const rec = await tab.record();
    assert.deepEqual(rec.errors, []);
    assert.deepEqual(rec.console.filter((m) => m.type === 'error'), []);
    assert.deepEqual(rec.resourceErrors, []);
  } finally {
    await tab.close();
  }
});
