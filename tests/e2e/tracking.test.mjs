// Tracking end to end: the demo shop in the browser (Chromium or Firefox,
// see helpers.mjs) → Kizuna (wasm) → the local collector. Checks every
// field of the Segment-format events, the batch envelope and request,
// flush() summaries, identity persistence, and retry after a failing
// collector.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, waitForReady, waitForEvents, waitAndSettle, waitUntil, collected,
  duplicateIds, kizunaMessages, newPage, UUID_V4, ISO_8601, USER_AGENT, BROWSER,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('tracking'); });
after(async () => { await teardown(env); });

const SEARCH = '?utm_source=news&utm_campaign=fall';
// openDemo adds the consent mode the tracking suites run in.
const FULL_SEARCH = `${SEARCH}&mode=opt-out`;
const TRACK_KEYS = ['anonymousId', 'context', 'event', 'messageId', 'properties', 'timestamp', 'type'];
const PAGE_KEYS = ['anonymousId', 'context', 'messageId', 'properties', 'timestamp', 'type'];
const IDENTIFY_KEYS = ['anonymousId', 'context', 'messageId', 'timestamp', 'traits', 'type', 'userId'];

const sortedKeys = (o) => Object.keys(o).sort();
const withUser = (keys) => [...keys, 'userId'].sort();

test('events carry every Segment field, go out on the 1 s timer as text/plain, and show in the demo panel', async () => {
  const { page, context, pageErrors } = await openDemo(env, SEARCH);
  try {
    const startMs = Date.now();
    const preflightsBefore = env.collector.stats.preflights;

    await page.click('.product[data-sku=A1] button[data-action=view]');
    await page.click('.product[data-sku=B2] button[data-action=add]');
    const queuedCheckout = await page.evaluate(() => window.kz.track('Checkout Started', { total: 19.9, items: ['A1'] }));
    assert.equal(queuedCheckout, true, 'track() returns true when the event is queued');
    await page.click('#identify button:not([type=button])');
    // One event after identify, to check it carries the user id.
    await page.click('.product[data-sku=C3] button[data-action=view]');

    const browser = await page.evaluate(() => ({
      href: location.href,
      title: document.title,
      referrer: document.referrer,
      language: navigator.language,
      userAgent: navigator.userAgent,
      screen: { width: screen.width, height: screen.height },
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      anonymousId: window.kz.anonymousId(),
      stored: localStorage.getItem('kizuna:anonymousId'),
      userId: window.kz.userId(),
    }));

    // No flush(): the 1 s timer has to send them.
    const events = await waitForEvents(env.collector, (e) => e.anonymousId === browser.anonymousId, 6000, 6);
    const endMs = Date.now();
    assert.equal(events.length, 6, `exactly 6 events, got ${JSON.stringify(events.map((e) => e.event ?? e.type))}`);
    const [pageView, viewed, added, checkout, identify, viewedAfter] = events;

    // Types, names, order.
    assert.deepEqual(events.map((e) => e.type), ['page', 'track', 'track', 'track', 'identify', 'track']);
    assert.deepEqual(events.map((e) => e.event), [undefined, 'Product Viewed', 'Product Added', 'Checkout Started', undefined, 'Product Viewed']);
    assert.equal('name' in pageView, false, 'page() without a name sends no name');

    // Exact key sets: nothing missing, nothing extra.
    assert.deepEqual(sortedKeys(pageView), PAGE_KEYS);
    assert.deepEqual(sortedKeys(viewed), TRACK_KEYS);
    assert.deepEqual(sortedKeys(added), TRACK_KEYS);
    assert.deepEqual(sortedKeys(checkout), TRACK_KEYS);
    assert.deepEqual(sortedKeys(identify), IDENTIFY_KEYS);
    assert.deepEqual(sortedKeys(viewedAfter), withUser(TRACK_KEYS));

    // Properties, with numbers as numbers.
    assert.deepEqual(viewed.properties, { sku: 'A1', name: 'Trail shoes', price: 89.9, category: 'shoes' });
    assert.deepEqual(added.properties, { sku: 'B2', name: 'Rain jacket', price: 129, category: 'outerwear' });
    assert.equal(typeof viewed.properties.price, 'number');
    assert.equal(typeof added.properties.price, 'number');
    assert.deepEqual(checkout.properties, { total: 19.9, items: ['A1'] });
    assert.deepEqual(viewedAfter.properties, { sku: 'C3', name: 'Wool hat', price: 24.5, category: 'accessories' });
    const expectedPage = {
      path: '/',
      referrer: browser.referrer,
      search: FULL_SEARCH,
      title: 'Kizuna demo shop',
      url: browser.href,
    };
    assert.deepEqual(pageView.properties, expectedPage, 'a page event carries the page as its properties');
    assert.deepEqual(identify.traits, { plan: 'pro' });

    // Identity.
    assert.match(browser.anonymousId, UUID_V4);
    assert.equal(browser.stored, browser.anonymousId, 'anonymousId is kept in localStorage kizuna:anonymousId');
    assert.equal(browser.userId, 'user-42');
    for (const e of events) assert.equal(e.anonymousId, browser.anonymousId);
    for (const e of [pageView, viewed, added, checkout]) assert.equal('userId' in e, false, `${e.event ?? e.type} before identify has no userId`);
    assert.equal(identify.userId, 'user-42');
    assert.equal(viewedAfter.userId, 'user-42');

    // messageIds: UUID v4, all distinct.
    for (const e of events) assert.match(e.messageId, UUID_V4);
    assert.equal(new Set(events.map((e) => e.messageId)).size, events.length, 'messageIds are distinct');

    // Timestamps: ISO 8601, at call time, in call order.
    let previous = 0;
    for (const e of events) {
      assert.match(e.timestamp, ISO_8601);
      const t = Date.parse(e.timestamp);
      assert.ok(t >= startMs - 10_000 && t <= endMs + 1000, `timestamp ${e.timestamp} is close to now`);
      assert.ok(t >= previous, 'timestamps follow call order');
      previous = t;
    }

    // Context.
    for (const e of events) {
      const c = e.context;
      assert.deepEqual(sortedKeys(c), ['campaign', 'consent', 'library', 'locale', 'page', 'screen', 'timezone', 'userAgent']);
      // Opt-out mode with no choice: every category granted when tracked.
      assert.deepEqual(c.consent, { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'granted' });
      assert.deepEqual(c.page, expectedPage);
      assert.deepEqual(c.campaign, { source: 'news', name: 'fall' });
      assert.equal(c.locale, 'de-DE');
      assert.equal(c.locale, browser.language);
      assert.equal(c.userAgent, browser.userAgent);
      assert.match(c.userAgent, USER_AGENT, `the ${BROWSER} user agent`);
      assert.deepEqual(c.screen, { width: 1440, height: 900 });
      assert.deepEqual(c.screen, browser.screen);
      assert.equal(c.timezone, 'Asia/Tokyo');
      assert.equal(c.timezone, browser.timeZone);
      assert.equal(c.library.name, 'kizuna');
      assert.match(c.library.version, /^\d+\.\d+\.\d+/);
    }
    assert.equal(browser.href, `${env.collector.url}/${FULL_SEARCH}`);

    // Requests and envelopes.
    const mine = collected(env.collector).filter(({ event }) => event.anonymousId === browser.anonymousId);
    const records = [...new Set(mine.map(({ record }) => record))];
    for (const record of records) {
      assert.equal(record.path, '/collect');
      assert.ok(record.contentType?.startsWith('text/plain'), `content-type ${record.contentType} is text/plain`);
      assert.equal(record.userAgent, browser.userAgent);
      assert.deepEqual(sortedKeys(record.body), ['batch', 'sentAt', 'writeKey']);
      assert.equal(record.body.writeKey, 'demo');
      assert.match(record.body.sentAt, ISO_8601);
      const sentAt = Date.parse(record.body.sentAt);
      const batchTimes = record.body.batch.map((e) => Date.parse(e.timestamp));
      assert.ok(sentAt >= Math.max(...batchTimes), 'sentAt is not before the events it carries');
      // Sent by the timer, about 1 s after its oldest event (not at once).
      const waited = sentAt - Math.min(...batchTimes);
      assert.ok(waited >= 900 && waited < 5000, `batch went out ${waited} ms after its first event (1 s timer)`);
    }
    assert.equal(env.collector.stats.preflights - preflightsBefore, 0, 'no CORS preflight');
    assert.equal(env.collector.stats.preflights, 0, 'no CORS preflight at all');

    // The demo's live panel shows what the collector received.
    await page.waitForFunction((n) => Number(document.getElementById('count').textContent) >= n, 6, { timeout: 5000 });
    const panel = await page.locator('#events').innerText();
    for (const label of ['page', 'track Product Viewed', 'track Product Added', 'track Checkout Started', 'identify user-42']) {
      assert.ok(panel.includes(label), `panel shows "${label}"`);
    }
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('flush() resolves {sent, failed, pending} with the right numbers', async () => {
  const { page, context, pageErrors } = await openDemo(env);
  try {
    // Let the page() from load go out first, so the numbers are exact.
    await waitUntil(() => page.evaluate(() => window.kz.queued() === 0), 5000, 'the page event to be sent');
    const result = await page.evaluate(async () => {
      const kz = window.kz;
      const queuedBefore = kz.queued();
      const q = [kz.track('Flush 1', { n: 1 }), kz.track('Flush 2', { n: 2 }), kz.track('Flush 3', { n: 3 })];
      const queuedAfter = kz.queued();
      const summary = await kz.flush();
      const empty = await kz.flush();
      return { queuedBefore, q, queuedAfter, summary, empty, queuedEnd: kz.queued(), anonymousId: kz.anonymousId() };
    });
    assert.equal(result.queuedBefore, 0);
    assert.deepEqual(result.q, [true, true, true]);
    assert.equal(result.queuedAfter, 3);
    assert.deepEqual(result.summary, { sent: 3, failed: 0, pending: 0, waitingForConsent: 0 });
    assert.deepEqual(result.empty, { sent: 0, failed: 0, pending: 0, waitingForConsent: 0 }, 'flush() with nothing queued');
    assert.equal(result.queuedEnd, 0);
    // flush() resolved once the collector answered: they are there already.
    const flushed = collected(env.collector)
      .filter(({ event }) => event.anonymousId === result.anonymousId && event.type === 'track')
      .map(({ event }) => event);
    assert.deepEqual(flushed.map((e) => e.event), ['Flush 1', 'Flush 2', 'Flush 3']);
    assert.deepEqual(flushed.map((e) => e.properties.n), [1, 2, 3]);
    for (const e of flushed) assert.equal('campaign' in e.context, false, 'no campaign without utm_* parameters');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('anonymousId survives a reload; reset() makes a new one and forgets the user', async () => {
  const { page, context, pageErrors } = await openDemo(env);
  try {
    const first = await page.evaluate(() => {
      window.kz.identify('user-42', { plan: 'pro' });
      return { id: window.kz.anonymousId(), stored: localStorage.getItem('kizuna:anonymousId'), userId: window.kz.userId() };
    });
    assert.match(first.id, UUID_V4);
    assert.equal(first.stored, first.id);
    assert.equal(first.userId, 'user-42');

    await page.reload();
    await waitForReady(page);
    const second = await page.evaluate(() => ({
      id: window.kz.anonymousId(),
      stored: localStorage.getItem('kizuna:anonymousId'),
      userId: window.kz.userId(),
    }));
    assert.equal(second.id, first.id, 'same anonymousId after a reload');
    assert.equal(second.stored, first.id);
    assert.equal(second.userId, 'user-42', 'the user id is kept across pages');
    // Both page views (before and after the reload) were sent with it.
    const pages = await waitForEvents(env.collector, (e) => e.anonymousId === first.id && e.type === 'page', 5000, 2);
    assert.equal(pages.length, 2);

    const third = await page.evaluate(async () => {
      window.kz.reset();
      const r = {
        id: window.kz.anonymousId(),
        stored: localStorage.getItem('kizuna:anonymousId'),
        userId: window.kz.userId(),
        storedUser: localStorage.getItem('kizuna:userId'),
      };
      window.kz.track('After Reset');
      r.summary = await window.kz.flush();
      return r;
    });
    assert.match(third.id, UUID_V4);
    assert.notEqual(third.id, first.id, 'reset() starts a new anonymousId');
    assert.equal(third.stored, third.id, 'the new anonymousId is stored');
    assert.equal(third.userId, null, 'reset() removes the userId');
    assert.equal(third.storedUser, null);
    assert.equal(third.summary.failed, 0);
    const [afterReset] = await waitForEvents(env.collector, (e) => e.event === 'After Reset' && e.anonymousId === third.id);
    assert.equal('userId' in afterReset, false, 'no userId after reset()');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('a failing collector: flush() reports failed and pending, a second flush() delivers each event once', async () => {
  const { page, context, consoleMessages, pageErrors } = await openDemo(env);
  try {
    await waitUntil(() => page.evaluate(() => window.kz.queued() === 0), 5000, 'the page event to be sent');
    const failedBefore = env.collector.stats.failed;
    env.collector.failNext(503, 1);
    const first = await page.evaluate(async () => {
      window.kz.track('Retry 1', { n: 1 });
      window.kz.track('Retry 2', { n: 2 });
      return { summary: await window.kz.flush(), queued: window.kz.queued(), anonymousId: window.kz.anonymousId() };
    });
    assert.equal(env.collector.stats.failed - failedBefore, 1, 'the collector failed one request');
    assert.ok(first.summary.failed > 0, `failed > 0: ${JSON.stringify(first.summary)}`);
    assert.ok(first.summary.pending > 0, `pending > 0: ${JSON.stringify(first.summary)}`);
    assert.deepEqual(first.summary, { sent: 0, failed: 2, pending: 2, waitingForConsent: 0 });
    assert.equal(first.queued, 2, 'failed events stay queued');
    await waitUntil(() => kizunaMessages(consoleMessages).some((m) => m.type === 'warning' && m.text.includes('503')),
      2000, 'a [kizuna] warning about the 503');

    const second = await page.evaluate(async () => ({ summary: await window.kz.flush(), queued: window.kz.queued() }));
    assert.deepEqual(second.summary, { sent: 2, failed: 0, pending: 0, waitingForConsent: 0 });
    assert.equal(second.queued, 0);

    // Give any stray retry time to show up, then count.
    const retried = await waitAndSettle(env.collector,
      (e) => e.anonymousId === first.anonymousId && e.event?.startsWith('Retry '), 3000, 2, 2000);
    assert.deepEqual(retried.map((e) => e.event).sort(), ['Retry 1', 'Retry 2']);
    assert.deepEqual(duplicateIds(retried), [], 'each messageId arrives once');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// A laptop waking from sleep fires its late timers at once, the way
// Playwright's fake clock does after a jump: the old build threw "closure
// invoked recursively or after being dropped" here and lost the next event.
test('a 31-minute clock jump (timers firing late): no error, and the next events are delivered', async () => {
  const { page, context, pageErrors } = await newPage(env.browser);
  try {
    await context.addInitScript(() => { window.kizunaDemoNoSlots = true; });
    await page.clock.install();
    await page.goto(`${env.collector.url}/?mode=opt-out`);
    await waitForReady(page);
    const anonymousId = await page.evaluate(() => {
      window.kz.track('Before Jump', { n: 1 });
      return window.kz.anonymousId();
    });
    await page.clock.runFor(1500);
    await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'Before Jump', 5000, 1);

    await page.evaluate(() => window.kz.track('Queued Before Sleep', { n: 2 }));
    await page.clock.fastForward('31:00');
    await page.evaluate(() => window.kz.track('After Jump', { n: 3 }));
    await page.clock.runFor(1500);
    const events = await waitAndSettle(env.collector,
      (e) => e.anonymousId === anonymousId && e.type === 'track', 5000, 3, 1000);
    assert.deepEqual(events.map((e) => e.event), ['Before Jump', 'Queued Before Sleep', 'After Jump']);
    assert.deepEqual(duplicateIds(events), []);
    assert.equal(await page.evaluate(() => window.kz.queued()), 0);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
