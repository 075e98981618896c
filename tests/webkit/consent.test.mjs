// Consent gating in WebKit: the demo shop without ?mode=opt-out is opt-in.
// Nothing is sent or stored before a choice; a grant (the API or the
// banner) releases what waited; a refusal sends nothing.
//
// WebDriver cannot see the page's requests, so "nothing sent" is read at the
// collector: its request counter (every request to a collect path) does not
// move, and no event of the visitor arrives. Only one tab talks to the
// collector at a time (each test closes its tab), so the counter is the tab's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, newTab, waitForReady, waitAndSettle, waitForEvents, matching, duplicateIds, sleep,
  NO_AUTOTRACK, NO_SLOTS, UUID_V4,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('consent'); });
after(async () => { await teardown(env); });

const UNKNOWN = { necessary: 'granted', analytics: 'unknown', personalization: 'unknown', marketing: 'unknown' };
const ALL_GRANTED = { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'granted' };
const ALL_DENIED = { necessary: 'granted', analytics: 'denied', personalization: 'denied', marketing: 'denied' };
const names = (events) => events.map((e) => e.event ?? e.type);

/** The opt-in shop (no ?mode), without autotrack and slots (their events would mix in). */
async function openOptIn() {
  const tab = await newTab(env, { initScripts: [NO_AUTOTRACK, NO_SLOTS] });
  await tab.goto('/');
  await waitForReady(tab);
  return tab;
}

/** localStorage, sessionStorage (without the test machinery's kzwk:* keys), document.cookie and the cookie jar. */
async function storage(tab) {
  const inPage = await tab.eval(() => {
    const dump = (s) => Object.fromEntries(Object.keys(s).filter((k) => !k.startsWith('kzwk:')).sort().map((k) => [k, s.getItem(k)]));
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie };
  });
  const profile = inPage.local['kizuna:profile'] ?? inPage.local['kizuna:signals'] ?? null;
  delete inPage.local['kizuna:profile'];
  delete inPage.local['kizuna:signals'];
  const jar = (await tab.driver.manage().getCookies()).map((c) => c.name);
  return { ...inPage, profile, jar };
}

function assertNothingStored(s, what) {
  assert.deepEqual(s.local, {}, `${what}: localStorage is empty`);
  assert.equal(s.profile, null, `${what}: no profile either`);
  assert.deepEqual(s.session, {}, `${what}: sessionStorage is empty`);
  assert.equal(s.cookie, '', `${what}: document.cookie is empty`);
  assert.deepEqual(s.jar, [], `${what}: no cookie in the jar`);
}

/**
 * Tracks in the undecided page, then waits past the 1 s send timer: nothing
 * may reach the collector (there is no event to wait for, so this waits a
 * fixed 2.5 s, as tests/e2e/consent.test.mjs does).
 */
async function assertNothingSentFor(tab, id, what) {
  const requestsBefore = env.collector.stats.requests;
  await sleep(2500);
  assert.equal(env.collector.stats.requests, requestsBefore, `${what}: zero requests to the collector`);
  assert.deepEqual(names(matching(env.collector, (e) => e.anonymousId === id)), [], `${what}: nothing arrived`);
}

test('opt-in with no choice: banner shown, nothing sent or stored, events buffered; consent.set({analytics: true}) releases them', async () => {
  const requestsAtStart = env.collector.stats.requests;
  const tab = await openOptIn();
  try {
    assert.equal(await tab.isVisible('#banner'), true, 'the banner is shown');
    assert.deepEqual(await tab.eval(() => window.kz.consent.get()), UNKNOWN);
    assertNothingStored(await storage(tab), 'after load');

    await tab.click('.product[data-sku=A1] button[data-action=view]');
    const r = await tab.eval(async () => {
      const kz = window.kz;
      const accepted = [kz.track('Undecided 1', { n: 1 }), kz.track('Undecided 2', { n: 2 })];
      const summary = await kz.flush();
      return { accepted, summary, queued: kz.queued(), pending: kz.consent.pending(), id: kz.anonymousId() };
    });
    assert.deepEqual(r.accepted, [true, true], 'track() accepts the event (it waits for a choice)');
    assert.deepEqual(r.summary, { sent: 0, failed: 0, pending: 0, waitingForConsent: 4 }, 'flush() sends nothing that waits for consent');
    assert.equal(r.queued, 0, 'nothing is queued for sending');
    assert.deepEqual(r.pending, { buffered: 4, dropped: 0 }, 'page() + the click + 2 tracks wait');
    assert.match(r.id, UUID_V4);

    await assertNothingSentFor(tab, r.id, 'before a choice');
    assert.equal(env.collector.stats.requests, requestsAtStart, 'not one request since the page opened');
    assertNothingStored(await storage(tab), 'after 2.5 s of tracking');

    await tab.eval(() => window.kz.consent.set({ analytics: true }));
    const events = await waitAndSettle(env.collector, (e) => e.anonymousId === r.id, 10_000, 5, 500);
    assert.deepEqual(names(events), ['page', 'Product Viewed', 'Undecided 1', 'Undecided 2', 'Consent Updated'],
      'the buffered events in call order, then the audit event');
    assert.deepEqual(duplicateIds(events), []);
    for (const e of events.slice(0, 4)) assert.deepEqual(e.context.consent, UNKNOWN, `${e.event ?? e.type} carries the consent of its call time`);
    assert.deepEqual(events[4].properties, { analytics: 'granted', personalization: 'unknown', marketing: 'unknown', source: 'api' });
    assert.deepEqual(await tab.eval(() => window.kz.consent.pending()), { buffered: 0, dropped: 0 });

    // Afterwards events go straight out.
    await tab.eval(() => window.kz.track('After Choice'));
    const [afterChoice] = await waitForEvents(env.collector, (e) => e.anonymousId === r.id && e.event === 'After Choice', 10_000);
    assert.equal(afterChoice.context.consent.analytics, 'granted');
    const s = await storage(tab);
    assert.equal(s.local['kizuna:anonymousId'], r.id, 'the id is stored once analytics is granted');
    assert.deepEqual(JSON.parse(s.local['kizuna:consent']).categories, { analytics: 'granted', personalization: 'unknown', marketing: 'unknown' });
    assert.deepEqual(s.jar, ['kz_consent'], 'the consent cookie');
    assert.deepEqual((await tab.record()).errors, [], 'no page error');
  } finally {
    await tab.close();
  }
});

test('the banner: #accept-all (a real click) releases the buffered events, closes the banner, stores the record', async () => {
  const tab = await openOptIn();
  try {
    const id = await tab.eval(() => { window.kz.track('Before Choice', { n: 1 }); return window.kz.anonymousId(); });
    assert.deepEqual(await tab.eval(() => window.kz.consent.pending()), { buffered: 2, dropped: 0 });
    await tab.click('#accept-all');
    await tab.waitFor(() => document.getElementById('banner').hidden, { what: 'the banner to close' });
    assert.equal(await tab.isVisible('#banner'), false);
    assert.deepEqual(await tab.eval(() => window.kz.consent.get()), ALL_GRANTED);
    const events = await waitAndSettle(env.collector, (e) => e.anonymousId === id, 10_000, 3, 500);
    assert.deepEqual(names(events), ['page', 'Before Choice', 'Consent Updated']);
    assert.deepEqual(events[2].properties, { analytics: 'granted', personalization: 'granted', marketing: 'granted', source: 'banner' });
    assert.deepEqual(events[2].context.consent, ALL_GRANTED);
    const s = await storage(tab);
    const record = JSON.parse(s.local['kizuna:consent']);
    assert.deepEqual(record.categories, { analytics: 'granted', personalization: 'granted', marketing: 'granted' });
    assert.equal(record.source, 'banner');
    assert.equal(decodeURIComponent(s.cookie.replace(/^kz_consent=/, '')), s.local['kizuna:consent'], 'the cookie holds the same record');
    assert.deepEqual((await tab.record()).errors, [], 'no page error');
  } finally {
    await tab.close();
  }
});

test('the banner: #reject-all sends nothing, then or later', async () => {
  const tab = await openOptIn();
  try {
    const id = await tab.eval(() => { window.kz.track('Before Refusal'); return window.kz.anonymousId(); });
    await tab.click('#reject-all');
    await tab.waitFor(() => document.getElementById('banner').hidden, { what: 'the banner to close' });
    assert.deepEqual(await tab.eval(() => window.kz.consent.get()), ALL_DENIED);
    assert.equal(await tab.eval(() => window.kz.track('After Refusal')), false, 'track() says the event was not kept');
    await assertNothingSentFor(tab, id, 'after refusing');
    assert.deepEqual(await tab.eval(() => window.kz.consent.pending()).then((p) => p.buffered), 0, 'nothing waits either');
    assert.deepEqual((await tab.record()).errors, [], 'no page error');
  } finally {
    await tab.close();
  }
});
