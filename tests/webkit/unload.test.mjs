// Leaving the page in WebKit: events queued when the page goes away must
// still reach the collector (sendBeacon / keepalive on pagehide), each once.
// The same cases as tests/e2e/unload.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, waitAndSettle, waitUntilQuiet, collected, duplicateIds, kizunaMessages, runId,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('unload'); });
after(async () => { await teardown(env); });

const RUNS = 5;
const PER_RUN = 20;

/** Tracks `count` events and navigates away in the same task (a link click's worst case); waits for /next.html. */
async function trackAndLeave(tab, { run, count, pad = '' }) {
  try {
    await tab.eval((run, count, pad) => {
      for (let i = 0; i < count; i++) window.kz.track('Leaving', pad ? { i, run, pad } : { i, run });
      location.href = '/next.html';
    }, run, count, pad);
  } catch (e) {
    // The navigation may tear the page down before the script's answer is read.
    if (!/unload|navigat|no such window|JavaScript|script/i.test(String(e?.message))) throw e;
  }
  await tab.waitForPath('/next.html');
}

const ofRun = (run) => (e) => e.properties?.run === run;

test(`${RUNS} runs: ${PER_RUN} events tracked right before location.href changes all arrive, each once`, async () => {
  for (let n = 0; n < RUNS; n++) {
    const run = runId(`nav-${n}`);
    const tab = await openDemo(env);
    try {
      const recordsBefore = env.collector.records.length;
      await trackAndLeave(tab, { run, count: PER_RUN });
      assert.equal(await tab.driver.getTitle(), 'Kizuna demo: next page');
      const arrived = await waitAndSettle(env.collector, ofRun(run), 10_000, PER_RUN, 500);
      assert.equal(arrived.length, PER_RUN, `run ${n}: ${arrived.length} of ${PER_RUN} arrived (duplicates: ${duplicateIds(arrived).length})`);
      assert.equal(duplicateIds(arrived).length, 0, `run ${n}: each messageId once (${duplicateIds(arrived).length} arrived twice)`);
      assert.deepEqual(arrived.map((e) => e.properties.i).sort((a, b) => a - b), [...Array(PER_RUN).keys()]);
      assert.ok(env.collector.records.length > recordsBefore, 'they came in at least one request');
      const left = await tab.leftPage('/');
      assert.deepEqual(left?.errors, [], `run ${n}: no page error on the page that was left`);
    } finally {
      await tab.close();
    }
  }
});

// The 2,000-event burst runs once, for whichever of its tests runs first.
let burstRun = null;
function burst() {
  burstRun ??= (async () => {
    const TOTAL = 2000;
    const run = runId('burst');
    const pad = 'x'.repeat(180); // with i and run: ~200 bytes of properties
    const tab = await openDemo(env);
    try {
      await trackAndLeave(tab, { run, count: TOTAL, pad });
      // Deliveries have stopped once nothing new came for 1.5 s (15 s at most).
      await waitUntilQuiet(env.collector, ofRun(run), { quietMs: 1500, timeoutMs: 15_000 });
      const mine = collected(env.collector).filter(({ event }) => ofRun(run)(event));
      const events = mine.map(({ event }) => event);
      const records = [...new Set(mine.map(({ record }) => record))];
      const left = await tab.leftPage('/');
      return { TOTAL, events, records, left };
    } finally {
      await tab.close();
    }
  })();
  return burstRun;
}

test('a burst of 2,000 events (~200-byte properties) then navigating away: at least a keepalive quota\'s worth arrives, oldest first', async (t) => {
  const { TOTAL, events, records, left } = await burst();
  const unique = new Set(events.map((e) => e.messageId));
  const eventBytes = events.length ? Math.max(...events.map((e) => Buffer.byteLength(JSON.stringify(e)))) : 0;
  // What one beacon chunk (60 KiB, under the 64 KB keepalive quota) carries at least.
  const quotaWorth = Math.floor((60 * 1024 - 100) / (eventBytes + 1));
  const summary = `WebKit burst: ${unique.size} of ${TOTAL} events arrived (${events.length} deliveries, `
    + `${duplicateIds(events).length} duplicated, ${records.length} requests, ~${eventBytes} B per event, one 60 KiB beacon holds ~${quotaWorth})`;
  t.diagnostic(summary);
  const said = kizunaMessages(left?.console ?? []);
  if (said.length) t.diagnostic(`SDK console: ${said.map((m) => m.text).join(' | ')}`);

  assert.ok(events.length > 0, 'something arrived');
  assert.ok(eventBytes >= 500, `events are realistic in size (${eventBytes} B)`);
  assert.ok(unique.size >= quotaWorth, `at least a keepalive quota's worth arrived (${unique.size} >= ${quotaWorth})`);
  const indices = [...new Set(events.map((e) => e.properties.i))].sort((a, b) => a - b);
  assert.deepEqual(indices, [...Array(indices.length).keys()], 'the events that arrived are the first ones, without gaps: '
    + JSON.stringify(records.map((r) => [r.path, r.body.batch.length, r.body.batch[0]?.properties?.i, r.body.batch.at(-1)?.properties?.i])));
  assert.deepEqual(left?.errors, [], 'no page error on the page that was left');
});

test('the burst: nothing arrives twice', async () => {
  const { events } = await burst();
  const dups = duplicateIds(events);
  assert.equal(dups.length, 0, `${dups.length} events arrived twice (${events.length} deliveries of ${new Set(events.map((e) => e.messageId)).size} events)`);
});

test('a batch in flight on a slow network when the page goes away arrives once', async () => {
  const run = runId('inflight');
  const tab = await openDemo(env);
  try {
    // The collector records the batch at once and answers 500 ms later.
    env.collector.delayNext(500, 1);
    // 100 events (with the page view): maxEvents is reached, a batch goes out
    // at once; 100 ms later, with its answer still on the way, the user leaves.
    await tab.eval((run) => {
      for (let i = 0; i < 100; i++) window.kz.track('Leaving', { i, run });
      setTimeout(() => { location.href = '/next.html'; }, 100);
    }, run);
    await tab.waitForPath('/next.html');
    const arrived = await waitAndSettle(env.collector, ofRun(run), 10_000, 100, 1000);
    assert.equal(new Set(arrived.map((e) => e.messageId)).size, 100, `all 100 arrived (${new Set(arrived.map((e) => e.messageId)).size})`);
    assert.equal(duplicateIds(arrived).length, 0,
      `${duplicateIds(arrived).length} events arrived twice (${arrived.length} deliveries of 100 events)`);
    const left = await tab.leftPage('/');
    assert.deepEqual(left?.errors, [], 'no page error on the page that was left');
  } finally {
    env.collector.delayNext(0, 0);
    await tab.close();
  }
});
