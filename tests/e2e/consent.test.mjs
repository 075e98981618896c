// Consent end to end: the demo shop's banner, the CMP demo page (a stub IAB
// TCF v2.2 CMP and gtag Consent Mode) and blank pages that call init()
// themselves, in the browser (Chromium or Firefox, see helpers.mjs), with
// Kizuna's wasm and the local collector.
//
// Every test watches two things of a real page: the NETWORK (every request
// the page makes to a collect path, seen by Playwright as it leaves the
// browser; its body read there in Chromium, at the collector in Firefox,
// whose WebDriver BiDi gives no request bodies) and the STORAGE
// (localStorage, sessionStorage, document.cookie and the context's cookie
// jar), before and after each step.
// Each test uses a fresh browser context, so nothing leaks between tests.
//
// Rules checked (one or more tests each):
//  1 opt-in, no choice: nothing sent, nothing stored, events buffered
//  2 a grant releases the buffer (stamped as at call time), stores the
//    record; marketing data only with marketing granted
//  3 withdrawal purges what waits, erases the ids, stops sending
//  4 opt-out mode
//  5 Global Privacy Control
//  6 IAB TCF v2.2
//  7 Google Consent Mode v2
//  8 the `Consent Updated` audit event
//  9 a damaged stored record counts as no choice
// 10 consent.onChange
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, newPage, waitForReady, waitForEvents, waitAndSettle, waitUntil, collected, duplicateIds,
  kizunaMessages, sleep, UUID_V4, watchRequests,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('consent'); });
after(async () => { await teardown(env); });

// ---------------------------------------------------------------------------
// Local helpers
// ---------------------------------------------------------------------------

const UNKNOWN = { necessary: 'granted', analytics: 'unknown', personalization: 'unknown', marketing: 'unknown' };
const ALL_GRANTED = { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'granted' };
const ALL_DENIED = { necessary: 'granted', analytics: 'denied', personalization: 'denied', marketing: 'denied' };
const IDENTITY_KEYS = ['kizuna:anonymousId', 'kizuna:userId', 'kizuna:traits'];
const COOKIE_MAX_AGE_S = 395 * 86_400;

/**
 * A fresh context and page whose requests to a collect path (any path the
 * collector accepts batches on) are recorded (`net`: `{ at, method, path,
 * body, events }`, in the order the page made them). `initScripts` are added to the context before anything loads.
 */
async function open(pathAndQuery, { initScripts = [], contextOptions } = {}) {
  const handle = await newPage(env.browser, contextOptions);
  for (const script of initScripts) await handle.context.addInitScript(script);
  // The demo shop without its personalized slots: their exposure events
  // would mix with the events these tests count exactly (slots and consent
  // together are tested in personalize.test.mjs).
  await handle.context.addInitScript(() => { window.kizunaDemoNoSlots = true; });
  // Bodies as the request leaves in Chromium; in Firefox (no bodies over
  // WebDriver BiDi) as the collector read them (helpers.mjs, watchRequests).
  handle.net = watchRequests(handle.page, env.collector);
  if (pathAndQuery !== undefined) await handle.page.goto(`${env.collector.url}${pathAndQuery}`);
  return handle;
}

/** Opens `/next.html` (a page without Kizuna) and starts Kizuna there with `config`. */
async function openBlank(config, options) {
  const handle = await open('/next.html', options);
  await handle.page.evaluate(async (cfg) => {
    const { init } = await import('/kizuna/index.js');
    window.kz = await init(cfg);
  }, { endpoint: '/collect', writeKey: 'demo', autotrack: false, ...config });
  return handle;
}

/** Waits for the CMP demo page's Kizuna (cmp.js sets window.kz after init). */
async function waitForKz(page) {
  await page.waitForFunction(() => window.kz, null, { timeout: 10_000 });
}

/** Everything the page could keep about the visitor, plus the context's cookie jar. */
// The visitor profile (`kizuna:profile`, and `kizuna:signals`, what the
// profile learns on pages without the personalization module) is
// personalization data, kept whenever personalization is granted; its rules
// are tested in personalize.test.mjs. These consent tests look at what the
// other categories store, so `local` leaves it out and `profile` says
// whether it is there.
async function storage({ page, context }) {
  const inPage = await page.evaluate(() => {
    const dump = (s) => Object.fromEntries(Object.keys(s).sort().map((k) => [k, s.getItem(k)]));
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie };
  });
  const profile = inPage.local['kizuna:profile'] ?? inPage.local['kizuna:signals'] ?? null;
  delete inPage.local['kizuna:profile'];
  delete inPage.local['kizuna:signals'];
  return { ...inPage, profile, jar: await context.cookies() };
}

function assertNothingStored(s, what) {
  assert.deepEqual(s.local, {}, `${what}: localStorage is empty`);
  assert.equal(s.profile, null, `${what}: no profile either`);
  assert.deepEqual(s.session, {}, `${what}: sessionStorage is empty`);
  assert.equal(s.cookie, '', `${what}: document.cookie is empty`);
  assert.deepEqual(s.jar, [], `${what}: no cookie in the browser's jar`);
}

/** The parsed record, after checking localStorage and cookie hold the same one, with the right cookie attributes. */
function storedRecord(s, what) {
  const text = s.local['kizuna:consent'];
  assert.equal(typeof text, 'string', `${what}: localStorage kizuna:consent is set`);
  const record = JSON.parse(text);
  assert.deepEqual(Object.keys(record), ['v', 'categories', 'updatedAt', 'source'], `${what}: record keys`);
  assert.equal(record.v, 1);
  assert.deepEqual(Object.keys(record.categories).sort(), ['analytics', 'marketing', 'personalization']);
  assert.ok(Number.isInteger(record.updatedAt), `${what}: updatedAt is integer ms`);
  // The cookie: the same JSON, percent-encoded, for the server to read.
  const pairs = s.cookie.split('; ').filter(Boolean);
  assert.deepEqual(pairs.map((p) => p.split('=')[0]), ['kz_consent'], `${what}: kz_consent is the only cookie`);
  assert.equal(decodeURIComponent(pairs[0].slice('kz_consent='.length)), text, `${what}: cookie kz_consent decodes to the localStorage record`);
  assert.equal(s.jar.length, 1, `${what}: one cookie in the jar`);
  const [jar] = s.jar;
  assert.equal(jar.name, 'kz_consent');
  assert.equal(jar.path, '/');
  assert.equal(jar.sameSite, 'Lax');
  assert.equal(jar.httpOnly, false);
  assert.equal(jar.secure, false, 'http page: no Secure flag');
  const lifetime = jar.expires - Date.now() / 1000;
  assert.ok(Math.abs(lifetime - COOKIE_MAX_AGE_S) < 120, `${what}: the cookie lives 395 days (${lifetime} s)`);
  assert.deepEqual(s.session, {}, `${what}: sessionStorage is empty`);
  return record;
}

/** The localStorage keys, sorted. */
const keys = (s) => Object.keys(s.local).sort();

/**
 * Waits until what the page sent has been answered and its stored queue
 * removed: the collector logs an event before the page reads the response,
 * so a storage check right after `waitForEvents` can still see the queue.
 */
async function delivered({ page }) {
  await waitUntil(() => kzEval(page, () => window.kz.queued() === 0
    && !Object.keys(localStorage).some((k) => k.startsWith('kizuna:q.'))), 5000, 'the stored queue to be removed');
}

/** Every event in the page's requests to the collector. */
const sentEvents = (h) => h.net.flatMap((r) => r.events);
// Slot exposure events (the demo pages have personalized slots) are left
// out: they are ordinary analytics events, tested in personalize.test.mjs.
const names = (events) => events.filter((e) => !/^Slot (Viewed|Clicked)$/.test(e.event ?? '')).map((e) => e.event ?? e.type);
const consentUpdates = (events) => events.filter((e) => e.event === 'Consent Updated');

async function kzEval(page, fn, arg) {
  return page.evaluate(fn, arg);
}

/** Collector events that match `pred` (settled: waits `settleMs` more to catch extras). */
async function arrived(pred, minCount, settleMs = 300, timeoutMs = 5000) {
  return waitAndSettle(env.collector, pred, timeoutMs, minCount, settleMs);
}

/** Waits until the page's request log holds at least `n` events matching `pred`. */
async function waitForSent(h, pred, n = 1, timeoutMs = 5000) {
  await waitUntil(() => sentEvents(h).filter(pred).length >= n, timeoutMs, `${n} sent event(s)`);
  return sentEvents(h).filter(pred);
}

const GPC_ON = () => {
  Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get() { return true; }, configurable: true });
};

// ---------------------------------------------------------------------------
// Rule 1: opt-in, no choice yet
// ---------------------------------------------------------------------------

test('rule 1: opt-in with no choice: banner shown, zero requests to /collect, nothing stored, events buffered', async () => {
  const h = await open('/');
  const { page, context, pageErrors } = h;
  try {
    await waitForReady(page);
    assert.equal(await page.isVisible('#banner'), true, 'the banner is shown');
    assertNothingStored(await storage(h), 'after load');
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), UNKNOWN);

    await page.click('.product[data-sku=A1] button[data-action=view]');
    await page.click('.product[data-sku=B2] button[data-action=add]');
    await page.click('#identify button:not([type=button])');
    const r = await kzEval(page, async () => {
      const kz = window.kz;
      const accepted = [kz.track('Undecided 1', { n: 1 }), kz.track('Undecided 2', { n: 2 }), kz.track('Undecided 3')];
      const summary = await kz.flush();
      return { accepted, summary, queued: kz.queued(), pending: kz.consent.pending(), id: kz.anonymousId() };
    });
    assert.deepEqual(r.accepted, [true, true, true], 'track() accepts the event (it waits for a choice)');
    assert.deepEqual(r.summary, { sent: 0, failed: 0, pending: 0, waitingForConsent: 7 }, 'flush() sends nothing that waits for consent, and counts it (the page view, three clicks, three calls)');
    assert.equal(r.queued, 0, 'nothing is queued for sending');
    // page() from load + 2 clicks + identify + 3 tracks.
    assert.deepEqual(r.pending, { buffered: 7, dropped: 0 });
    assert.match(r.id, UUID_V4);

    await sleep(2500);
    assert.equal(h.net.length, 0, `zero requests to the collector, saw ${JSON.stringify(h.net.map((x) => names(x.events)))}`);
    assert.equal(collected(env.collector).filter(({ event }) => event.anonymousId === r.id).length, 0, 'nothing arrived');
    assertNothingStored(await storage(h), 'after 2.5 s of tracking');
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 7, dropped: 0 });
    assert.equal(await kzEval(page, () => window.kz.userId()), 'user-42', 'identify() works in memory');
    assert.equal(await page.isVisible('#banner'), true, 'the banner is still shown');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 1: bufferLimit 3 keeps the 3 newest of 5 events (2 dropped, one warning); pending "drop" keeps none', async () => {
  const h = await openBlank({ consent: { bufferLimit: 3 } });
  const { page, context, consoleMessages, pageErrors } = h;
  try {
    const r = await kzEval(page, () => {
      const accepted = [1, 2, 3, 4, 5].map((n) => window.kz.track(`Limited ${n}`, { n }));
      return { accepted, pending: window.kz.consent.pending(), id: window.kz.anonymousId() };
    });
    assert.deepEqual(r.accepted, [true, true, true, true, true]);
    assert.deepEqual(r.pending, { buffered: 3, dropped: 2 });
    const warnings = kizunaMessages(consoleMessages).filter((m) => m.text.includes('buffer is full'));
    assert.equal(warnings.length, 1, `one warning about the full buffer: ${JSON.stringify(kizunaMessages(consoleMessages))}`);
    assert.equal(warnings[0].type, 'warning');
    await sleep(1200);
    assert.equal(h.net.length, 0, 'nothing sent without a choice');
    assertNothingStored(await storage(h), 'bufferLimit page');

    // Granting sends the 3 that were kept, oldest first; the 2 oldest are gone.
    await kzEval(page, () => window.kz.consent.set({ analytics: true }));
    const got = await arrived((e) => e.anonymousId === r.id && e.event?.startsWith('Limited '), 3, 300);
    assert.deepEqual(names(got), ['Limited 3', 'Limited 4', 'Limited 5']);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 0, dropped: 2 });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }

  const d = await openBlank({ consent: { pending: 'drop' } });
  try {
    const r = await kzEval(d.page, () => {
      const accepted = [1, 2, 3, 4, 5].map((n) => window.kz.track(`Dropped ${n}`, { n }));
      return { accepted, pending: window.kz.consent.pending(), queued: window.kz.queued(), id: window.kz.anonymousId() };
    });
    assert.deepEqual(r.accepted, [false, false, false, false, false], 'pending: drop → track() reports the event was not kept');
    assert.deepEqual(r.pending, { buffered: 0, dropped: 0 });
    assert.equal(r.queued, 0);
    await kzEval(d.page, () => window.kz.consent.set({ analytics: true }));
    await kzEval(d.page, () => window.kz.flush());
    await sleep(300);
    assert.deepEqual(names(sentEvents(d)), ['Consent Updated'], 'after the grant only the audit event goes; the dropped ones never do');
    assert.equal(collected(env.collector).filter(({ event }) => event.event?.startsWith('Dropped ')).length, 0);
    assert.deepEqual(d.pageErrors, []);
  } finally {
    await d.context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 2: grant
// ---------------------------------------------------------------------------

test('rule 2: #accept-all releases the buffered events (stamped "unknown", sent after the grant), audits it, stores ids and record', async () => {
  const h = await open('/');
  const { page, context, pageErrors } = h;
  try {
    await waitForReady(page);
    await page.click('.product[data-sku=A1] button[data-action=view]');
    await kzEval(page, () => { window.kz.track('Before Choice', { n: 1 }); window.kz.identify('user-7', { plan: 'free' }); });
    const id = await kzEval(page, () => window.kz.anonymousId());
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 4, dropped: 0 });
    assertNothingStored(await storage(h), 'before the choice');
    assert.equal(h.net.length, 0);

    const grantAt = Date.now();
    await page.click('#accept-all');
    assert.equal(await page.isVisible('#banner'), false, 'the banner closes');
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_GRANTED);

    const events = await arrived((e) => e.anonymousId === id, 5, 500);
    assert.deepEqual(names(events), ['page', 'Product Viewed', 'Before Choice', 'identify', 'Consent Updated'],
      'the buffered events in call order, then the audit event');
    assert.deepEqual(duplicateIds(events), []);
    const [pageView, viewed, beforeChoice, identify, audit] = events;
    for (const e of [pageView, viewed, beforeChoice, identify]) {
      assert.deepEqual(e.context.consent, UNKNOWN, `${e.event ?? e.type} carries the consent of its call time`);
      assert.ok(Date.parse(e.timestamp) <= grantAt, `${e.event ?? e.type} was made before the grant`);
    }
    assert.equal(identify.userId, 'user-7');
    assert.deepEqual(audit.properties, { analytics: 'granted', personalization: 'granted', marketing: 'granted', source: 'banner' });
    assert.deepEqual(audit.context.consent, ALL_GRANTED, 'the audit event carries the new state');
    assert.equal(audit.userId, 'user-7');

    // The network: nothing before the grant, everything after it.
    assert.ok(h.net.length >= 1);
    for (const req of h.net) {
      assert.ok(req.at >= grantAt, 'no request before the grant');
      assert.equal(req.method, 'POST');
      assert.ok(Date.parse(req.body.sentAt) >= grantAt - 5, 'batch sentAt after the grant');
    }
    assert.deepEqual(names(sentEvents(h)), names(events), 'the page sent exactly what arrived');

    // Storage: ids and the record, in localStorage and the cookie.
    await delivered(h);
    const s = await storage(h);
    assert.deepEqual(keys(s), ['kizuna:anonymousId', 'kizuna:consent', 'kizuna:traits', 'kizuna:userId']);
    assert.equal(s.local['kizuna:anonymousId'], id);
    assert.equal(s.local['kizuna:userId'], 'user-7');
    assert.deepEqual(JSON.parse(s.local['kizuna:traits']), { plan: 'free' });
    const record = storedRecord(s, 'after accept-all');
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'granted', marketing: 'granted' });
    assert.equal(record.source, 'banner');
    assert.ok(record.updatedAt >= grantAt - 5 && record.updatedAt <= Date.now(), 'updatedAt is the time of the choice');

    // Afterwards events go straight out, stamped granted.
    await kzEval(page, () => window.kz.track('After Choice'));
    const [afterChoice] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'After Choice');
    assert.deepEqual(afterChoice.context.consent, ALL_GRANTED);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 0, dropped: 0 });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 2: analytics only: marketing events wait, no campaign/gclid is sent until marketing is granted, then they are', async () => {
  const h = await open('/?utm_source=ads&gclid=abc');
  const { page, context, pageErrors } = h;
  const base = `${env.collector.url}/`;
  try {
    await waitForReady(page);
    const id = await kzEval(page, () => window.kz.anonymousId());
    assert.equal(await kzEval(page, () => window.kz.track('Ad Click 1', { n: 1 }, { category: 'marketing' })), true);
    await kzEval(page, () => window.kz.consent.set({ analytics: true }));
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()),
      { necessary: 'granted', analytics: 'granted', personalization: 'unknown', marketing: 'unknown' });
    await kzEval(page, () => {
      window.kz.track('Ad Click 2', { n: 2 }, { category: 'marketing' });
      window.kz.track('Analytics Before Marketing');
    });
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 2, dropped: 0 }, 'both marketing events wait');

    const before = await arrived((e) => e.anonymousId === id, 3, 1200);
    assert.deepEqual(names(before), ['page', 'Consent Updated', 'Analytics Before Marketing']);
    assert.deepEqual(before[1].properties, { analytics: 'granted', personalization: 'unknown', marketing: 'unknown', source: 'api' });
    for (const e of before) {
      assert.equal('campaign' in e.context, false, `${e.event ?? e.type}: no context.campaign without marketing`);
      assert.equal(e.context.page.url, `${base}?utm_source=ads`, `${e.event ?? e.type}: gclid removed from the url`);
      assert.equal(e.context.page.search, '?utm_source=ads');
    }
    assert.deepEqual(before[0].properties, { path: '/', referrer: '', search: '?utm_source=ads', title: 'Kizuna demo shop', url: `${base}?utm_source=ads` },
      'the page event properties have no gclid either');
    for (const req of h.net) {
      assert.equal(JSON.stringify(req.body).includes('gclid'), false, 'no request body mentions gclid');
    }
    assert.equal(sentEvents(h).some((e) => e.event?.startsWith('Ad Click')), false, 'no marketing event was sent');
    assert.equal(await kzEval(page, () => window.kz.consent.pending().buffered), 2);

    const marketingAt = Date.now();
    await kzEval(page, () => window.kz.consent.set({ marketing: true }));
    await kzEval(page, () => window.kz.track('Analytics After Marketing'));
    const later = await arrived((e) => e.anonymousId === id, 7, 400);
    assert.deepEqual(names(later.slice(3)), ['Ad Click 1', 'Ad Click 2', 'Consent Updated', 'Analytics After Marketing']);
    const [ad1, ad2, audit, afterMarketing] = later.slice(3);
    assert.deepEqual(ad1.context.consent, UNKNOWN, 'stamped at call time');
    assert.deepEqual(ad2.context.consent, { necessary: 'granted', analytics: 'granted', personalization: 'unknown', marketing: 'unknown' });
    assert.deepEqual(audit.properties, { analytics: 'granted', personalization: 'unknown', marketing: 'granted', source: 'api' });
    for (const e of [ad1, ad2, audit, afterMarketing]) {
      assert.deepEqual(e.context.campaign, { source: 'ads' }, `${e.event}: campaign once marketing is granted`);
      assert.equal(e.context.page.url, `${base}?utm_source=ads&gclid=abc`, `${e.event}: gclid kept once marketing is granted`);
      assert.equal(e.context.page.search, '?utm_source=ads&gclid=abc');
    }
    for (const req of h.net.filter((r) => r.at < marketingAt)) {
      assert.equal(JSON.stringify(req.body).includes('gclid'), false, 'nothing with gclid left before the marketing grant');
    }
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 0, dropped: 0 });
    const record = storedRecord(await storage(h), 'after both grants');
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'unknown', marketing: 'granted' });
    assert.equal(record.source, 'api');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 3: withdrawal
// ---------------------------------------------------------------------------

test('rule 3: withdrawing analytics in the banner purges the queued batch, erases the ids, and nothing more is sent', async () => {
  const h = await open('/');
  const { page, context, pageErrors } = h;
  try {
    await waitForReady(page);
    await page.click('#accept-all');
    await page.click('.product[data-sku=A1] button[data-action=view]');
    await kzEval(page, () => window.kz.identify('user-9', { plan: 'pro' }));
    const oldId = await kzEval(page, () => window.kz.anonymousId());
    await waitForEvents(env.collector, (e) => e.anonymousId === oldId, 5000, 4);
    await delivered(h);
    assert.deepEqual(keys(await storage(h)), ['kizuna:anonymousId', 'kizuna:consent', 'kizuna:traits', 'kizuna:userId']);

    // Something queued at withdrawal: a batch the collector refused with 503 (Retry-After: 2 s).
    const failedBefore = env.collector.stats.failed;
    env.collector.failNext(503, 1, { 'Retry-After': '2' });
    await kzEval(page, () => { window.kz.track('Queued At Withdrawal 1'); window.kz.track('Queued At Withdrawal 2'); });
    await waitUntil(() => env.collector.stats.failed > failedBefore, 5000, 'the 503');
    const failedAt = Date.now();
    await waitUntil(() => kzEval(page, () => window.kz.queued() === 2), 2000, 'the refused batch to be back in the queue');
    const requestsBefore = h.net.length;

    // The banner: reopen, uncheck analytics, save.
    await page.click('#privacy');
    assert.equal(await page.isVisible('#banner'), true);
    for (const name of ['analytics', 'personalization', 'marketing']) {
      assert.equal(await page.isChecked(`#banner-choices input[name=${name}]`), true, `${name} shows as granted`);
    }
    await page.uncheck('#banner-choices input[name=analytics]');
    const withdrawAt = Date.now();
    await page.click('#save-choices');

    const r = await kzEval(page, async () => {
      const kz = window.kz;
      const out = { consent: kz.consent.get(), queued: kz.queued(), pending: kz.consent.pending(), id: kz.anonymousId() };
      out.calls = [kz.track('After Withdrawal'), kz.page(), kz.identify('user-10')];
      out.summary = await kz.flush();
      return out;
    });
    await page.click('.product[data-sku=B2] button[data-action=view]');
    assert.deepEqual(r.consent, { necessary: 'granted', analytics: 'denied', personalization: 'granted', marketing: 'granted' });
    assert.equal(r.queued, 0, 'the queued analytics events were purged');
    assert.deepEqual(r.pending, { buffered: 0, dropped: 0 });
    assert.deepEqual(r.calls, [false, false, false], 'track/page/identify return false');
    assert.deepEqual(r.summary, { sent: 0, failed: 0, pending: 0, waitingForConsent: 0 });
    assert.notEqual(r.id, oldId, 'a new anonymous id in memory');

    const s = await storage(h);
    assert.deepEqual(keys(s), ['kizuna:consent'], 'only the consent record stays');
    const record = storedRecord(s, 'after withdrawal');
    assert.deepEqual(record.categories, { analytics: 'denied', personalization: 'granted', marketing: 'granted' });
    assert.equal(record.source, 'banner');

    // Past the retry time: not one request more.
    await sleep(Math.max(0, failedAt + 3000 - Date.now()));
    const late = h.net.slice(requestsBefore);
    assert.deepEqual(late.map((x) => names(x.events)), [], 'no request after the withdrawal');
    assert.equal(h.net.filter((x) => x.at >= withdrawAt).length, 0);
    const names_ = collected(env.collector).map(({ event }) => event.event).filter((n) => !/^Slot /.test(n ?? ''));
    assert.equal(names_.filter((n) => n?.startsWith('Queued At Withdrawal') || n === 'After Withdrawal').length, 0, 'none of them reached the collector');
    assert.equal(consentUpdates(sentEvents(h)).length, 1, 'no Consent Updated for the withdrawal');
    assert.deepEqual(keys(await storage(h)), ['kizuna:consent']);

    // A reload: the choice holds, no banner, nothing written, nothing sent.
    await page.reload();
    await waitForReady(page);
    assert.equal(await page.isVisible('#banner'), false, 'no banner: the choice is known');
    assert.equal(await kzEval(page, () => window.kz.track('After Reload')), false);
    await sleep(1100);
    assert.equal(h.net.length, requestsBefore, 'nothing sent after the reload');
    assert.deepEqual(keys(await storage(h)), ['kizuna:consent']);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 3: withdrawing marketing strips campaign and gclid from events already queued (a refused batch retried after it)', async () => {
  const h = await open('/?utm_source=ads&gclid=abc');
  const { page, context, pageErrors } = h;
  const base = `${env.collector.url}/`;
  try {
    await waitForReady(page);
    await kzEval(page, () => window.kz.consent.set({ analytics: true, marketing: true }));
    const id = await kzEval(page, () => window.kz.anonymousId());
    await delivered(h);

    // Tracked with marketing granted, then refused by the collector: they wait for their retry.
    const failedBefore = env.collector.stats.failed;
    env.collector.failNext(503, 1, { 'Retry-After': '1' });
    await kzEval(page, () => { window.kz.track('Queued With Campaign'); window.kz.page(); });
    await waitUntil(() => env.collector.stats.failed > failedBefore, 5000, 'the 503');
    await waitUntil(() => kzEval(page, () => window.kz.queued() === 2), 2000, 'the refused batch to be back in the queue');
    const refused = h.net.at(-1);
    assert.deepEqual(refused.events.map((e) => e.context.campaign), [{ source: 'ads' }, { source: 'ads' }], 'they were made with marketing data');

    const withdrawAt = Date.now();
    await kzEval(page, () => window.kz.consent.set({ marketing: false }));
    const sent = await arrived((e) => e.anonymousId === id && (e.event === 'Queued With Campaign' || (e.type === 'page' && e.messageId === refused.events[1].messageId)), 2, 300, 6000);
    assert.deepEqual(sent.map((e) => e.messageId), refused.events.map((e) => e.messageId), 'the same events, once each');
    for (const e of sent) {
      assert.equal('campaign' in e.context, false, `${e.event ?? e.type}: no campaign after the withdrawal`);
      assert.equal(e.context.page.url, `${base}?utm_source=ads`);
      assert.equal(e.context.page.search, '?utm_source=ads');
      assert.equal(e.context.consent.marketing, 'granted', 'the stamp says what was granted when it was tracked');
    }
    assert.equal(sent[1].properties.url, `${base}?utm_source=ads`, "the page event's own url too");
    for (const req of h.net.filter((r) => r.at >= withdrawAt)) {
      assert.equal(JSON.stringify(req.body).includes('gclid'), false, 'no request after the withdrawal mentions gclid');
      assert.equal(req.events.some((e) => 'campaign' in e.context), false);
    }
    assert.equal(duplicateIds(collected(env.collector).map(({ event }) => event).filter((e) => e.anonymousId === id)).length, 0);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 3: analytics granted again after a withdrawal starts a new visitor (no old anonymousId, userId or traits)', async () => {
  const h = await open('/');
  const { page, context, pageErrors } = h;
  try {
    await waitForReady(page);
    await page.click('#accept-all');
    await kzEval(page, () => window.kz.identify('user-11', { plan: 'pro' }));
    const oldId = await kzEval(page, () => window.kz.anonymousId());
    await kzEval(page, () => window.kz.flush());
    await kzEval(page, () => window.kz.consent.set({ analytics: false }));
    assert.deepEqual(keys(await storage(h)), ['kizuna:consent']);
    await kzEval(page, () => window.kz.consent.set({ analytics: true }));
    await kzEval(page, () => window.kz.track('Back Again'));
    await kzEval(page, () => window.kz.flush());
    const [back] = await waitForSent(h, (e) => e.event === 'Back Again');
    const s = await storage(h);
    assert.notEqual(back.anonymousId, oldId, 'a new anonymous id');
    assert.equal(s.local['kizuna:anonymousId'], back.anonymousId);
    assert.equal('userId' in back, false, `no userId after the withdrawal, got ${back.userId}`);
    assert.deepEqual(keys(s), ['kizuna:anonymousId', 'kizuna:consent'], 'userId and traits are not written back');
    assert.equal(await kzEval(page, () => window.kz.userId()), null);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 4: opt-out
// ---------------------------------------------------------------------------

test('rule 4: opt-out sends without a choice and stores ids but no record; denying purges the queue and stops sending', async () => {
  const h = await openBlank({ batch: { flushInterval: 60_000 }, consent: { mode: 'opt-out' } });
  const { page, context, pageErrors } = h;
  try {
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_GRANTED);
    const id = await kzEval(page, () => window.kz.anonymousId());
    let s = await storage(h);
    assert.deepEqual(s.local, { 'kizuna:anonymousId': id }, 'the id is stored; there is no consent record');
    assert.deepEqual(s.session, {});
    assert.equal(s.cookie, '');
    assert.deepEqual(s.jar, []);

    const sent = await kzEval(page, async () => {
      window.kz.page();
      window.kz.track('Opt-out 1', { n: 1 });
      window.kz.track('Opt-out Ad', {}, { category: 'marketing' });
      return window.kz.flush();
    });
    assert.deepEqual(sent, { sent: 3, failed: 0, pending: 0, waitingForConsent: 0 });
    const events = sentEvents(h);
    assert.deepEqual(names(events), ['page', 'Opt-out 1', 'Opt-out Ad']);
    for (const e of events) assert.deepEqual(e.context.consent, ALL_GRANTED);

    await kzEval(page, () => { window.kz.track('Queued 1'); window.kz.track('Queued 2'); });
    assert.equal(await kzEval(page, () => window.kz.queued()), 2);
    const requestsBefore = h.net.length;

    const after = await kzEval(page, async () => {
      const kz = window.kz;
      const state = kz.consent.set({ analytics: false, personalization: false, marketing: false });
      const out = { state, queued: kz.queued(), calls: [kz.track('After Deny'), kz.track('Ad After Deny', {}, { category: 'marketing' }), kz.page()] };
      out.summary = await kz.flush();
      return out;
    });
    assert.deepEqual(after.state, ALL_DENIED);
    assert.equal(after.queued, 0, 'the queued events were purged');
    assert.deepEqual(after.calls, [false, false, false]);
    assert.deepEqual(after.summary, { sent: 0, failed: 0, pending: 0, waitingForConsent: 0 });
    s = await storage(h);
    assert.deepEqual(keys(s), ['kizuna:consent']);
    const record = storedRecord(s, 'after deny');
    assert.deepEqual(record.categories, { analytics: 'denied', personalization: 'denied', marketing: 'denied' });
    assert.equal(record.source, 'api');
    await sleep(1200);
    assert.equal(h.net.length, requestsBefore, 'no request after the denial');
    assert.equal(consentUpdates(sentEvents(h)).length, 0, 'no Consent Updated: there never was a change while analytics stayed granted');
    assert.equal(collected(env.collector).filter(({ event }) => ['Queued 1', 'Queued 2', 'After Deny'].includes(event.event)).length, 0);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 5: Global Privacy Control
// ---------------------------------------------------------------------------

test('rule 5: GPC in opt-out: marketing denied (no marketing events, no campaign, record source "gpc") until the visitor grants it', async () => {
  const h = await open('/?mode=opt-out&utm_source=ads&gclid=abc', { initScripts: [GPC_ON] });
  const { page, context, pageErrors } = h;
  const base = `${env.collector.url}/`;
  try {
    await waitForReady(page);
    assert.equal(await kzEval(page, () => navigator.globalPrivacyControl), true);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()),
      { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'denied' });
    const id = await kzEval(page, () => window.kz.anonymousId());
    const calls = await kzEval(page, () => [window.kz.track('GPC Ad', {}, { category: 'marketing' }), window.kz.track('GPC Analytics')]);
    assert.deepEqual(calls, [false, true], 'the marketing event is refused, the analytics one accepted');

    const events = await arrived((e) => e.anonymousId === id, 3, 500);
    assert.deepEqual(names(events).sort(), ['Consent Updated', 'GPC Analytics', 'page'].sort());
    for (const e of events) {
      assert.equal('campaign' in e.context, false, `${e.event ?? e.type}: no campaign under GPC`);
      assert.equal(e.context.page.url, `${base}?mode=opt-out&utm_source=ads`);
      assert.equal(e.context.consent.marketing, 'denied');
    }
    const gpcAudit = events.find((e) => e.event === 'Consent Updated');
    assert.deepEqual(gpcAudit.properties, { analytics: 'granted', personalization: 'granted', marketing: 'denied', source: 'gpc' });
    for (const req of h.net) assert.equal(JSON.stringify(req.body).includes('gclid'), false);

    await delivered(h);
    let s = await storage(h);
    assert.deepEqual(keys(s), ['kizuna:anonymousId', 'kizuna:consent']);
    let record = storedRecord(s, 'GPC opt-out');
    assert.equal(record.source, 'gpc');
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'granted', marketing: 'denied' });

    // The visitor lifts it explicitly.
    const state = await kzEval(page, () => window.kz.consent.set({ marketing: true }));
    assert.deepEqual(state, ALL_GRANTED);
    assert.equal(await kzEval(page, () => window.kz.track('GPC Lifted Ad', {}, { category: 'marketing' })), true);
    const [ad] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'GPC Lifted Ad');
    assert.deepEqual(ad.context.consent, ALL_GRANTED);
    assert.deepEqual(ad.context.campaign, { source: 'ads' });
    assert.equal(ad.context.page.url, `${base}?mode=opt-out&utm_source=ads&gclid=abc`);
    assert.equal(names(sentEvents(h)).includes('GPC Ad'), false, 'the refused event never goes');
    s = await storage(h);
    record = storedRecord(s, 'GPC lifted');
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'granted', marketing: 'granted' });
    assert.equal(record.source, 'api');

    // The explicit grant holds on the next page, GPC still on.
    await page.reload();
    await waitForReady(page);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_GRANTED);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 5: GPC in opt-in with no choice: marketing denied, nothing stored, nothing sent', async () => {
  const h = await open('/', { initScripts: [GPC_ON] });
  const { page, context, pageErrors } = h;
  try {
    await waitForReady(page);
    assert.equal(await page.isVisible('#banner'), true);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()),
      { necessary: 'granted', analytics: 'unknown', personalization: 'unknown', marketing: 'denied' });
    const calls = await kzEval(page, () => [window.kz.track('GPC Ad', {}, { category: 'marketing' }), window.kz.track('GPC Waits')]);
    assert.deepEqual(calls, [false, true]);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 2, dropped: 0 }, 'page() and the analytics event wait');
    await sleep(1200);
    assert.equal(h.net.length, 0);
    assertNothingStored(await storage(h), 'GPC opt-in');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 6: IAB TCF v2.2
// ---------------------------------------------------------------------------

test('rule 6: TCF: nothing before the CMP has a choice; purposes 1,7-10 grant analytics only (source "tcf"); a later change applies at once', async () => {
  const h = await open('/cmp.html?gcm=0');
  const { page, context, pageErrors } = h;
  try {
    await waitForKz(page);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), UNKNOWN, 'cmpuishown: no choice yet');
    await page.click('#send');
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 2, dropped: 0 });
    await sleep(1200);
    assert.equal(h.net.length, 0, 'nothing sent before the CMP has a choice');
    assertNothingStored(await storage(h), 'before the TCF choice');

    const id = await kzEval(page, () => window.kz.anonymousId());
    await page.click('#tcf-measure');
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()),
      { necessary: 'granted', analytics: 'granted', personalization: 'denied', marketing: 'denied' });
    const events = await arrived((e) => e.anonymousId === id, 3, 500);
    assert.deepEqual(names(events), ['page', 'CMP Demo Event', 'Consent Updated']);
    assert.deepEqual(events[0].context.consent, UNKNOWN);
    assert.deepEqual(events[1].context.consent, UNKNOWN);
    assert.deepEqual(events[2].properties, { analytics: 'granted', personalization: 'denied', marketing: 'denied', source: 'tcf' });
    assert.equal(await kzEval(page, () => window.kz.track('TCF Ad', {}, { category: 'marketing' })), false, 'marketing is denied');

    await delivered(h);
    const s = await storage(h);
    assert.deepEqual(keys(s), ['kizuna:anonymousId', 'kizuna:consent']);
    assert.equal(s.local['kizuna:anonymousId'], id);
    const record = storedRecord(s, 'after TCF 1,7-10');
    assert.equal(record.source, 'tcf');
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'denied', marketing: 'denied' });
    assert.equal(await page.textContent('#consent-source'), 'tcf');

    // The visitor changes their mind in the CMP: storage only.
    const requestsBefore = h.net.length;
    await kzEval(page, () => window.cmp.choose([1]));
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_DENIED);
    assert.equal(await kzEval(page, () => window.kz.track('After TCF Withdrawal')), false);
    const after = await storage(h);
    assert.deepEqual(keys(after), ['kizuna:consent'], 'the ids are deleted at once');
    assert.deepEqual(storedRecord(after, 'after TCF [1]').categories, { analytics: 'denied', personalization: 'denied', marketing: 'denied' });
    await sleep(1100);
    assert.equal(h.net.length, requestsBefore, 'nothing sent after the CMP withdrew analytics');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 6: TCF without purpose 1: events are sent but nothing is written; choose([1]) then denies analytics at once', async () => {
  const h = await open('/cmp.html?gcm=0');
  const { page, context, pageErrors } = h;
  try {
    await waitForKz(page);
    const id = await kzEval(page, () => window.kz.anonymousId());
    await kzEval(page, () => window.cmp.choose([7, 8, 9, 10]));
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()),
      { necessary: 'granted', analytics: 'granted', personalization: 'denied', marketing: 'denied' });
    await page.click('#send');
    await kzEval(page, () => window.kz.identify('user-12', { plan: 'pro' }));
    const events = await arrived((e) => e.anonymousId === id, 4, 500);
    assert.deepEqual(names(events), ['page', 'Consent Updated', 'CMP Demo Event', 'identify']);
    assertNothingStored(await storage(h), 'TCF without purpose 1');

    await kzEval(page, () => window.cmp.choose([1]));
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_DENIED);
    assert.equal(await kzEval(page, () => window.kz.track('After Purpose 1 Only')), false);
    const s = await storage(h);
    for (const key of IDENTITY_KEYS) assert.equal(key in s.local, false, `${key} is not stored`);
    assert.deepEqual(keys(s), ['kizuna:consent'], 'purpose 1 now given: only the (necessary) record is written');
    assert.deepEqual(storedRecord(s, 'TCF [1]').categories, { analytics: 'denied', personalization: 'denied', marketing: 'denied' });
    const count = h.net.length;
    await sleep(1100);
    assert.equal(h.net.length, count);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 6: TCF gdprApplies:false is treated as opt-out: events are sent without a choice, ids stored, no record', async () => {
  const h = await open('/cmp.html?gcm=0&gdpr=0');
  const { page, context, pageErrors } = h;
  try {
    await waitForKz(page);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_GRANTED);
    const id = await kzEval(page, () => window.kz.anonymousId());
    await page.click('#send');
    const events = (await arrived((e) => e.anonymousId === id && e.event !== 'Consent Updated', 2, 400));
    assert.deepEqual(names(events), ['page', 'CMP Demo Event']);
    for (const e of events) assert.deepEqual(e.context.consent, ALL_GRANTED);
    const s = await storage(h);
    assert.deepEqual(s.local, { 'kizuna:anonymousId': id }, 'ids stored, no record (no choice was made)');
    assert.equal(s.cookie, '');
    assert.deepEqual(s.jar, []);
    assert.deepEqual(s.session, {});
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 6/8: TCF gdprApplies:false makes no Consent Updated event (nobody made a choice)', async () => {
  const h = await open('/cmp.html?gcm=0&gdpr=0');
  const { page, context } = h;
  try {
    await waitForKz(page);
    await page.click('#send');
    await kzEval(page, () => window.kz.flush());
    await sleep(300);
    assert.deepEqual(names(sentEvents(h)), ['page', 'CMP Demo Event'], 'no Consent Updated without a change of choice');
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 7: Google Consent Mode v2
// ---------------------------------------------------------------------------

test('rule 7: Consent Mode: the default (all denied) sends nothing; updates grant analytics, and marketing only with all three ad keys', async () => {
  const h = await open('/cmp.html?tcf=0');
  const { page, context, pageErrors } = h;
  try {
    await waitForKz(page);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_DENIED);
    await page.click('#send');
    assert.equal(await kzEval(page, () => window.kz.track('Under Default')), false);
    assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 0, dropped: 0 });
    await sleep(1200);
    assert.equal(h.net.length, 0);
    assertNothingStored(await storage(h), 'Consent Mode default');

    await page.click('#gcm-analytics');
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()),
      { necessary: 'granted', analytics: 'granted', personalization: 'denied', marketing: 'denied' });
    await page.click('#send');
    const id = await kzEval(page, () => window.kz.anonymousId());
    const events = await arrived((e) => e.anonymousId === id, 2, 400);
    assert.deepEqual(names(events), ['Consent Updated', 'CMP Demo Event'], 'the page() made under the default never goes');
    assert.deepEqual(events[0].properties, { analytics: 'granted', personalization: 'denied', marketing: 'denied', source: 'gcm' });
    await delivered(h);
    let s = await storage(h);
    assert.deepEqual(keys(s), ['kizuna:anonymousId', 'kizuna:consent']);
    const record = storedRecord(s, 'after gcm update');
    assert.equal(record.source, 'gcm');
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'denied', marketing: 'denied' });

    // Two of the three ad keys: still no marketing.
    await kzEval(page, () => window.gtag('consent', 'update', { ad_storage: 'granted', ad_user_data: 'granted' }));
    assert.equal(await kzEval(page, () => window.kz.consent.get().marketing), 'denied');
    assert.equal(await kzEval(page, () => window.kz.track('Ad Two Keys', {}, { category: 'marketing' })), false);
    // The third: marketing granted.
    await kzEval(page, () => window.gtag('consent', 'update', { ad_personalization: 'granted' }));
    assert.equal(await kzEval(page, () => window.kz.consent.get().marketing), 'granted');
    assert.equal(await kzEval(page, () => window.kz.track('Ad Three Keys', {}, { category: 'marketing' })), true);
    const all = await arrived((e) => e.anonymousId === id, 4, 400);
    assert.deepEqual(names(all), ['Consent Updated', 'CMP Demo Event', 'Consent Updated', 'Ad Three Keys']);
    assert.deepEqual(all[2].properties, { analytics: 'granted', personalization: 'denied', marketing: 'granted', source: 'gcm' });
    assert.equal(names(sentEvents(h)).includes('Ad Two Keys'), false);
    s = await storage(h);
    assert.deepEqual(storedRecord(s, 'after ads').categories, { analytics: 'granted', personalization: 'denied', marketing: 'granted' });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

/** Accepts all on `/`, then opens `/cmp.html?tcf=0` (Consent Mode default: all denied) in the same context. */
async function bannerThenConsentMode() {
  const h = await open('/');
  await waitForReady(h.page);
  await h.page.click('#accept-all');
  await kzEval(h.page, () => window.kz.flush());
  const stored = await storage(h);
  await sleep(50); // so that a rewrite of updatedAt shows
  await h.page.goto(`${env.collector.url}/cmp.html?tcf=0`);
  await waitForKz(h.page);
  return { h, stored };
}

test('rule 7: a stored banner choice is not overridden by the page\'s Consent Mode default', async () => {
  const { h, stored } = await bannerThenConsentMode();
  const { page, context, pageErrors } = h;
  try {
    const id = stored.local['kizuna:anonymousId'];
    assert.equal(JSON.parse(stored.local['kizuna:consent']).source, 'banner');
    assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), ALL_GRANTED, 'the banner choice wins over the default');
    assert.equal(await kzEval(page, () => window.kz.anonymousId()), id, 'same visitor');
    const [pageView] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.type === 'page' && e.context.page.path === '/cmp.html');
    assert.deepEqual(pageView.context.consent, ALL_GRANTED);
    await page.click('#send');
    await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'CMP Demo Event');
    await delivered(h);
    const s = await storage(h);
    assert.deepEqual(keys(s), ['kizuna:anonymousId', 'kizuna:consent']);
    const record = storedRecord(s, 'on the Consent Mode page');
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'granted', marketing: 'granted' });
    assert.equal(record.source, 'banner');
    await sleep(300);
    assert.deepEqual(names(sentEvents(h).filter((e) => e.context.page.path === '/cmp.html')), ['page', 'CMP Demo Event'],
      'no Consent Updated on the Consent Mode page: nothing changed');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('rule 7: the Consent Mode default leaves the stored record byte for byte (updatedAt is when the visitor chose)', async () => {
  const { h, stored } = await bannerThenConsentMode();
  try {
    const s = await storage(h);
    assert.equal(s.local['kizuna:consent'], stored.local['kizuna:consent'], 'the record is unchanged');
    assert.equal(decodeURIComponent(s.cookie.slice('kz_consent='.length)), stored.local['kizuna:consent'], 'the cookie is unchanged');
  } finally {
    await h.context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 8: audit
// ---------------------------------------------------------------------------

test('rule 8: one Consent Updated per change while analytics is granted, none for a no-op set, none for a withdrawal', async () => {
  const h = await open('/');
  const { page, context, pageErrors } = h;
  try {
    await waitForReady(page);
    const id = await kzEval(page, () => window.kz.anonymousId());
    await page.click('#accept-all');
    const r = await kzEval(page, async () => {
      const kz = window.kz;
      const s = [];
      s.push(kz.consent.set({ marketing: false }, { source: 'settings' }));
      s.push(kz.consent.set({ marketing: false }, { source: 'settings' })); // no change
      s.push(kz.consent.set({ analytics: true, personalization: true })); // no change
      s.push(kz.consent.set({ personalization: false })); // source api
      await kz.flush();
      s.push(kz.consent.set({ analytics: false }, { source: 'settings' })); // withdrawal
      return s;
    });
    assert.deepEqual(r, [
      { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'denied' },
      { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'denied' },
      { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'denied' },
      { necessary: 'granted', analytics: 'granted', personalization: 'denied', marketing: 'denied' },
      ALL_DENIED,
    ], 'what each set() returned');
    await sleep(1200);
    const audits = consentUpdates(sentEvents(h));
    assert.deepEqual(audits.map((e) => e.properties), [
      { analytics: 'granted', personalization: 'granted', marketing: 'granted', source: 'banner' },
      { analytics: 'granted', personalization: 'granted', marketing: 'denied', source: 'settings' },
      { analytics: 'granted', personalization: 'denied', marketing: 'denied', source: 'api' },
    ]);
    assert.deepEqual(audits.map((e) => e.context.consent), [
      ALL_GRANTED,
      { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'denied' },
      { necessary: 'granted', analytics: 'granted', personalization: 'denied', marketing: 'denied' },
    ], 'each audit event is stamped with the state it reports');
    for (const e of audits) {
      assert.equal(e.anonymousId, id);
      assert.equal(e.type, 'track');
    }
    const atCollector = collected(env.collector).filter(({ event }) => event.anonymousId === id && event.event === 'Consent Updated');
    assert.equal(atCollector.length, 3, 'exactly three arrived');
    assert.deepEqual(duplicateIds(atCollector.map(({ event }) => event)), []);
    const record = storedRecord(await storage(h), 'after the audit sequence');
    assert.equal(record.source, 'settings');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// Rule 9: a damaged stored record
// ---------------------------------------------------------------------------

for (const [label, value, why] of [
  ['not JSON', '{broken', 'it is not JSON'],
  ['version 9', JSON.stringify({ v: 9, categories: { analytics: 'granted', personalization: 'granted', marketing: 'granted' }, updatedAt: 1, source: 'banner' }), 'it has an unknown version'],
]) {
  test(`rule 9: a stored record that does not parse (${label}) warns, counts as no choice: banner shown, nothing sent`, async () => {
    const h = await open(undefined);
    const { page, context, consoleMessages, pageErrors } = h;
    try {
      await context.addInitScript((v) => {
        if (location.protocol === 'http:') localStorage.setItem('kizuna:consent', v);
      }, value);
      await page.goto(`${env.collector.url}/`);
      await waitForReady(page);
      const warnings = kizunaMessages(consoleMessages).filter((m) => m.text.includes('stored consent record'));
      assert.equal(warnings.length, 1, JSON.stringify(kizunaMessages(consoleMessages)));
      assert.equal(warnings[0].type, 'warning');
      assert.equal(warnings[0].text, `[kizuna] the stored consent record was ignored because ${why}; it counts as no choice`);
      assert.equal(await page.isVisible('#banner'), true, 'the banner asks again');
      assert.deepEqual(await kzEval(page, () => window.kz.consent.get()), UNKNOWN);
      assert.equal(await kzEval(page, () => window.kz.track('After Bad Record')), true);
      assert.deepEqual(await kzEval(page, () => window.kz.consent.pending()), { buffered: 2, dropped: 0 });
      await sleep(1200);
      assert.equal(h.net.length, 0, 'nothing sent');
      const s = await storage(h);
      assert.deepEqual(s.local, { 'kizuna:consent': value }, 'Kizuna wrote nothing (the damaged record is left as it was)');
      assert.equal(s.cookie, '');
      assert.deepEqual(s.jar, []);
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });
}

// ---------------------------------------------------------------------------
// Rule 10: onChange
// ---------------------------------------------------------------------------

test('rule 10: consent.onChange calls back with the new state on each change, not for a no-op, and not after unsubscribing', async () => {
  const h = await openBlank({});
  const { page, context, pageErrors } = h;
  try {
    const r = await kzEval(page, () => {
      const kz = window.kz;
      const a = [];
      const b = [];
      const unsubscribe = kz.consent.onChange((state) => a.push({ state: JSON.parse(JSON.stringify(state)), now: kz.consent.get() }));
      kz.consent.onChange((state) => b.push(JSON.parse(JSON.stringify(state))));
      const returned = [];
      returned.push(kz.consent.set({ analytics: true }));
      returned.push(kz.consent.set({ analytics: true })); // no change
      returned.push(kz.consent.set({ marketing: false }));
      const unsubType = typeof unsubscribe;
      unsubscribe();
      returned.push(kz.consent.set({ personalization: true }));
      return { a, b, returned, unsubType };
    });
    assert.equal(r.unsubType, 'function');
    const s1 = { necessary: 'granted', analytics: 'granted', personalization: 'unknown', marketing: 'unknown' };
    const s2 = { necessary: 'granted', analytics: 'granted', personalization: 'unknown', marketing: 'denied' };
    const s3 = { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'denied' };
    assert.deepEqual(r.returned, [s1, s1, s2, s3]);
    assert.deepEqual(r.a, [{ state: s1, now: s1 }, { state: s2, now: s2 }], 'two changes before unsubscribing, the callback saw the state already applied');
    assert.deepEqual(r.b, [s1, s2, s3], 'a subscriber still subscribed hears all three changes');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
