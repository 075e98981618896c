// Kizuna loads in WebKit both ways a site installs it, and its events reach
// the collector: the npm entry (/kizuna/index.js, the demo shop at /) and
// the script tag (snippet + async loader, www/script-tag.html).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, newTab, waitForEvents, matching, duplicateIds, NO_AUTOTRACK, UUID_V4, ISO_8601,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('install'); });
after(async () => { await teardown(env); });

const sortedKeys = (o) => Object.keys(o).sort();

test('npm entry (the demo shop): page, track and identify events arrive with their Segment fields', async () => {
  const tab = await openDemo(env, '?utm_source=news&utm_campaign=fall');
  try {
    await tab.click('.product[data-sku=A1] button[data-action=view]');
    const browser = await tab.eval(() => {
      window.kz.track('Checkout Started', { total: 19.9, items: ['A1'] });
      window.kz.identify('user-9', { plan: 'pro' });
      window.kz.track('After Identify');
      return {
        href: location.href,
        userAgent: navigator.userAgent,
        language: navigator.language,
        screen: { width: screen.width, height: screen.height },
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        anonymousId: window.kz.anonymousId(),
        stored: localStorage.getItem('kizuna:anonymousId'),
      };
    });
    assert.match(browser.userAgent, /AppleWebKit\//, 'this is WebKit');
    assert.doesNotMatch(browser.userAgent, /Chrome\//, 'and not Chromium');

    // No flush(): the 1 s timer sends them.
    const events = await waitForEvents(env.collector, (e) => e.anonymousId === browser.anonymousId, 10_000, 5);
    assert.deepEqual(events.map((e) => e.type), ['page', 'track', 'track', 'identify', 'track']);
    assert.deepEqual(events.map((e) => e.event), [undefined, 'Product Viewed', 'Checkout Started', undefined, 'After Identify']);
    const [pageView, viewed, checkout, identify, afterIdentify] = events;
    assert.deepEqual(viewed.properties, { sku: 'A1', name: 'Trail shoes', price: 89.9, category: 'shoes' });
    assert.deepEqual(checkout.properties, { total: 19.9, items: ['A1'] });
    assert.deepEqual(identify.traits, { plan: 'pro' });
    assert.equal(identify.userId, 'user-9');
    assert.equal(afterIdentify.userId, 'user-9');
    assert.equal('userId' in checkout, false);
    assert.deepEqual(pageView.properties, {
      path: '/', referrer: '', search: '?utm_source=news&utm_campaign=fall&mode=opt-out', title: 'Kizuna demo shop', url: browser.href,
    });
    assert.match(browser.anonymousId, UUID_V4);
    assert.equal(browser.stored, browser.anonymousId, 'the anonymous id is kept in localStorage');
    assert.deepEqual(duplicateIds(events), []);
    for (const e of events) {
      assert.match(e.messageId, UUID_V4);
      assert.match(e.timestamp, ISO_8601);
      const c = e.context;
      assert.deepEqual(sortedKeys(c), ['campaign', 'consent', 'library', 'locale', 'page', 'screen', 'timezone', 'userAgent']);
      assert.deepEqual(c.page, pageView.properties);
      assert.deepEqual(c.campaign, { source: 'news', name: 'fall' });
      assert.equal(c.userAgent, browser.userAgent);
      assert.equal(c.locale, browser.language);
      assert.equal(c.timezone, browser.timeZone);
      assert.deepEqual(c.screen, browser.screen);
      assert.equal(c.library.name, 'kizuna');
      assert.match(c.library.version, /^\d+\.\d+\.\d+/);
    }
    // The envelope.
    const records = env.collector.records.filter((r) => (r.body.batch ?? []).some((e) => e.anonymousId === browser.anonymousId));
    for (const r of records) {
      assert.equal(r.body.writeKey, 'demo');
      assert.match(r.body.sentAt, ISO_8601);
    }
    assert.deepEqual((await tab.record()).errors, [], 'no page error');
  } finally {
    await tab.close();
  }
});

test('script tag (www/script-tag.html): calls queued before the SDK loaded are replayed with their own URL and title, live calls work', async () => {
  const tab = await newTab(env, { initScripts: [NO_AUTOTRACK] });
  try {
    await tab.goto('/script-tag.html');
    await tab.waitFor(() => typeof window.kizuna.track === 'function', { timeout: 15_000, what: 'the live script-tag API' });
    assert.equal(await tab.eval(() => window.readyCalledWith), 'function', "kizuna('ready', fn) got the API");
    const anonymousId = await tab.eval(() => window.kizuna.anonymousId());
    assert.match(anonymousId, UUID_V4);
    await tab.click('#track');
    const summary = await tab.eval(() => window.kizuna.flush());
    assert.equal(summary.failed, 0, JSON.stringify(summary));
    const events = await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId, 10_000, 4);
    assert.deepEqual(events.map((e) => e.event ?? e.type), ['page', 'Queued Before Load', 'Queued After Route Change', 'Clicked After Load']);
    const [pageView, first, second, live] = events;
    assert.ok(!first.context.page.url.includes('step=2'), 'the first call keeps the URL it was made on');
    assert.equal(first.context.page.title, 'Kizuna script tag');
    assert.equal(pageView.properties.title, 'Kizuna script tag');
    assert.ok(second.context.page.url.includes('?step=2'), 'the second call, after pushState, has the new URL');
    assert.equal(second.context.page.title, 'Kizuna script tag, step 2');
    assert.ok(Date.parse(first.timestamp) <= Date.parse(second.timestamp));
    assert.ok(Date.parse(second.timestamp) <= Date.parse(live.timestamp), 'queued calls carry the time they were made');
    assert.deepEqual(first.properties, { step: 1 });
    assert.deepEqual(second.properties, { step: 2 });
    assert.deepEqual(duplicateIds(matching(env.collector, (e) => e.anonymousId === anonymousId)), []);
    assert.deepEqual((await tab.record()).errors, [], 'no page error');
  } finally {
    await tab.close();
  }
});
