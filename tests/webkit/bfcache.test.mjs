// The back/forward cache in WebKit with a request in flight.
//
// A 2,000-event burst sends a batch at once (maxBytes is reached) and the
// page is left in the same task; the collector answers that batch 1.5 s
// late, so it is still in flight at pagehide. Back restores the page from
// the back/forward cache. Events tracked then must still be sent.
//
// WebKit (like Firefox) never settles a fetch that was in flight at pagehide
// once the page is restored (abort() is ignored too; see ../shared/
// TOOLCHAIN.md, "what differs"). Kizuna waits for that answer, so today the
// restored page sends nothing more: this test fails in WebKit until the
// product copes with it (0 of 5 arrived when it was written; Chromium
// delivers 5 of 5). The first test is its control: the same Back with
// nothing in flight at pagehide, which WebKit handles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, waitForEvents, waitAndSettle, matching, duplicateIds, runId,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('bfcache'); });
after(async () => { await teardown(env); });

const AFTER_BACK = 5;

/** Runs `fn` (which navigates the page away) in the page; the navigation may swallow the answer. */
async function leave(tab, fn, ...args) {
  try {
    await tab.eval(fn, ...args);
  } catch (e) {
    if (!/unload|navigat|no such window|JavaScript|script/i.test(String(e?.message))) throw e;
  }
  await tab.waitForPath('/next.html');
}

/** Back to the shop; asserts it came from the back/forward cache (the same page, pageshow persisted). */
async function backFromCache(tab, loadId) {
  await tab.back();
  await tab.waitForPath('/');
  const restored = await tab.record();
  assert.equal(restored.loadId, loadId, 'Back restored the same page (from the back/forward cache), it did not load it again');
  assert.ok(restored.lifecycle.some((l) => l.type === 'pageshow' && l.persisted), `pageshow persisted: ${JSON.stringify(restored.lifecycle)}`);
}

/** Tracks AFTER_BACK events of run `run` in the page; asserts track() took them; returns kz.queued() after. */
async function trackAfterBack(tab, run) {
  const state = await tab.eval((run, n) => {
    const accepted = [];
    for (let i = 0; i < n; i++) accepted.push(window.kz.track('After Back', { i, run }));
    return { accepted, queued: window.kz.queued() };
  }, run, AFTER_BACK);
  assert.deepEqual(state.accepted, Array(AFTER_BACK).fill(true), 'track() took them');
  return state.queued;
}

test(`control: Back from the bfcache with nothing in flight: the ${AFTER_BACK} events tracked after the restore arrive, each once`, async () => {
  const tab = await openDemo(env);
  try {
    await tab.eval(() => window.kz.flush());
    const { loadId } = await tab.record();
    const before = runId('before');
    await leave(tab, (run) => {
      for (let i = 0; i < 20; i++) window.kz.track('Leaving', { i, run });
      location.href = '/next.html';
    }, before);
    // Everything was delivered (by beacon) before going back: nothing in flight.
    await waitForEvents(env.collector, (e) => e.properties?.run === before, 10_000, 20);
    await backFromCache(tab, loadId);
    const afterBack = runId('after-back');
    await trackAfterBack(tab, afterBack);
    const arrived = await waitAndSettle(env.collector, (e) => e.properties?.run === afterBack, 10_000, AFTER_BACK, 500);
    assert.equal(new Set(arrived.map((e) => e.messageId)).size, AFTER_BACK, `${arrived.length} of ${AFTER_BACK} arrived`);
    assert.equal(duplicateIds(arrived).length, 0, 'each once');
    assert.deepEqual((await tab.record()).errors, [], 'no page error on the restored page');
  } finally {
    await tab.close();
  }
});

test(`after a burst with a batch in flight, Back from the bfcache: the ${AFTER_BACK} events tracked after the restore arrive, each once`, async (t) => {
  const tab = await openDemo(env);
  try {
    // The page view is delivered first, so the delayed answer is the burst's batch.
    const flushed = await tab.eval(() => window.kz.flush());
    assert.equal(flushed.pending, 0, `the page view went out: ${JSON.stringify(flushed)}`);
    const { loadId } = await tab.record();

    const burst = runId('burst');
    const recordsBefore = env.collector.records.length;
    // The next 3 collect requests (the burst's batch, the beacons on pagehide)
    // are recorded at once and answered 1.5 s later: a slow network.
    env.collector.delayNext(1500, 3);
    await leave(tab, (run) => {
      const pad = 'x'.repeat(180);
      for (let i = 0; i < 2000; i++) window.kz.track('Leaving', { i, run, pad });
      location.href = '/next.html';
    }, burst);
    const sentBeforeLeaving = env.collector.records.slice(recordsBefore).filter((r) => r.body.batch?.some((e) => e.properties?.run === burst));
    assert.ok(sentBeforeLeaving.length >= 1, 'a batch of the burst went out (and waits for its answer) as the page was left');

    await backFromCache(tab, loadId);
    const afterBack = runId('after-back');
    const queuedAtTracking = await trackAfterBack(tab, afterBack);

    const ofAfterBack = (e) => e.properties?.run === afterBack;
    try {
      // What is still queued from the burst goes first (~30 batches of 60 KiB), so this allows 20 s.
      await waitForEvents(env.collector, ofAfterBack, 20_000, AFTER_BACK);
    } catch {
      // Evidence for the report: what the restored page holds.
      const held = await tab.eval(() => ({ queued: window.kz.queued(), stats: window.kz.stats() })).catch((e) => String(e));
      const burstArrived = new Set(matching(env.collector, (e) => e.properties?.run === burst).map((e) => e.messageId)).size;
      t.diagnostic(`after 20 s: ${matching(env.collector, ofAfterBack).length} of ${AFTER_BACK} arrived; `
        + `${burstArrived} of 2000 burst events arrived; the restored page holds ${JSON.stringify(held)} (queued at tracking: ${queuedAtTracking})`);
    }
    const arrived = await waitAndSettle(env.collector, ofAfterBack, 0, AFTER_BACK, 500);
    assert.equal(new Set(arrived.map((e) => e.messageId)).size, AFTER_BACK,
      `all ${AFTER_BACK} events tracked after Back arrive: ${new Set(arrived.map((e) => e.messageId)).size} of ${AFTER_BACK} did`);
    assert.equal(duplicateIds(arrived).length, 0, `each once: ${duplicateIds(arrived).length} arrived twice`);
    assert.deepEqual(arrived.map((e) => e.properties.i).sort((a, b) => a - b), [...Array(AFTER_BACK).keys()]);
    const burstEvents = matching(env.collector, (e) => e.properties?.run === burst);
    const burstDups = duplicateIds(burstEvents).length;
    assert.equal(burstDups, 0, `no burst event arrived twice: ${burstDups} did (${burstEvents.length} deliveries of ${new Set(burstEvents.map((e) => e.messageId)).size} events)`);
    assert.deepEqual((await tab.record()).errors, [], 'no page error on the restored page');
  } finally {
    env.collector.delayNext(0, 0);
    await tab.close();
  }
});
