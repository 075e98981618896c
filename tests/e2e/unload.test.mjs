// Leaving the page: events queued when the page goes away must still reach
// the collector (sendBeacon on pagehide / visibilitychange), each once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, waitAndSettle, allEvents, collected, duplicateIds, kizunaMessages, sleep,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('unload'); });
after(async () => { await teardown(env); });

const RUNS = 5;
const PER_RUN = 20;

/** Tracks `count` events and navigates away in the same task (a link click's worst case). */
async function trackAndLeave(page, { run, count, pad = '' }) {
  try {
    await page.evaluate(({ run, count, pad }) => {
      for (let i = 0; i < count; i++) window.kz.track('Leaving', pad ? { i, run, pad } : { i, run });
      location.href = '/next.html';
    }, { run, count, pad });
  } catch (e) {
    // The navigation may tear down the execution context before evaluate answers.
    if (!/Execution context was destroyed|navigation/i.test(String(e?.message))) throw e;
  }
  await page.waitForURL('**/next.html', { timeout: 10_000 });
  await page.waitForLoadState('load');
}

test(`${RUNS} runs: ${PER_RUN} events tracked right before location.href changes all arrive, each once`, async () => {
  for (let n = 0; n < RUNS; n++) {
    const run = `nav-${n}-${Date.now()}`;
    const { page, context, pageErrors } = await openDemo(env);
    try {
      const recordsBefore = env.collector.records.length;
      await trackAndLeave(page, { run, count: PER_RUN });
      assert.equal(await page.title(), 'Kizuna demo: next page');
      const arrived = await waitAndSettle(env.collector, (e) => e.properties?.run === run, 5000, PER_RUN, 300);
      assert.equal(arrived.length, PER_RUN, `run ${n}: ${arrived.length} of ${PER_RUN} arrived (duplicates: ${duplicateIds(arrived).length})`);
      assert.deepEqual(duplicateIds(arrived), [], `run ${n}: each messageId once`);
      assert.deepEqual(arrived.map((e) => e.properties.i).sort((a, b) => a - b), [...Array(PER_RUN).keys()]);
      assert.ok(env.collector.records.length > recordsBefore, 'they came in at least one request');
      for (const e of arrived) assert.equal(e.event, 'Leaving');
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  }
});

test(`${PER_RUN} events tracked, then the page is closed: all arrive, each once`, async () => {
  const run = `close-${Date.now()}`;
  const { page, context } = await openDemo(env);
  try {
    const queued = await page.evaluate(({ run, count }) => {
      for (let i = 0; i < count; i++) window.kz.track('Leaving', { i, run });
      return window.kz.queued();
    }, { run, count: PER_RUN });
    assert.ok(queued >= PER_RUN, `${queued} queued before close`);
    await page.close({ runBeforeUnload: true });
    const arrived = await waitAndSettle(env.collector, (e) => e.properties?.run === run, 5000, PER_RUN, 300);
    assert.equal(arrived.length, PER_RUN, `${arrived.length} of ${PER_RUN} arrived`);
    assert.deepEqual(duplicateIds(arrived), []);
    assert.deepEqual(arrived.map((e) => e.properties.i).sort((a, b) => a - b), [...Array(PER_RUN).keys()]);
  } finally {
    await context.close();
  }
});

// The burst is run once; the tests after it look at what arrived.
let burst = null;

test('a burst of 2,000 events (~200-byte properties) then navigating away: at least a keepalive quota\'s worth arrives, oldest first', async (t) => {
  const TOTAL = 2000;
  const run = `burst-${Date.now()}`;
  const pad = 'x'.repeat(180); // with i and run: ~200 bytes of properties
  const { page, context, pageErrors, consoleMessages } = await openDemo(env);
  try {
    const recordsBefore = env.collector.records.length;
    await trackAndLeave(page, { run, count: TOTAL, pad });
    // Wait for deliveries to stop: nothing new for 1.5 s (10 s at most).
    const deadline = Date.now() + 10_000;
    let last = -1;
    let stableSince = Date.now();
    while (Date.now() < deadline) {
      const n = allEvents(env.collector).filter((e) => e.properties?.run === run).length;
      if (n !== last) { last = n; stableSince = Date.now(); }
      if (Date.now() - stableSince > 1500) break;
      await sleep(50);
    }
    const mine = collected(env.collector).filter(({ event }) => event.properties?.run === run);
    const events = mine.map(({ event }) => event);
    const unique = new Set(events.map((e) => e.messageId));
    const records = [...new Set(mine.map(({ record }) => record))];
    const eventBytes = Math.max(...events.map((e) => Buffer.byteLength(JSON.stringify(e))));
    // What one beacon chunk (60 KiB, under the 64 KB keepalive quota) carries at least.
    const quotaWorth = Math.floor((60 * 1024 - 100) / (eventBytes + 1));
    const dups = duplicateIds(events);
    burst = { events, dups, unique: unique.size };
    const summary = `burst: ${unique.size} of ${TOTAL} events arrived (${events.length} deliveries, ` +
      `${dups.length} duplicated, ${records.length} requests, ~${eventBytes} B per event, one 60 KiB beacon holds ~${quotaWorth})`;
    t.diagnostic(summary);
    console.log(`# ${summary}`);
    const refused = kizunaMessages(consoleMessages);
    if (refused.length) t.diagnostic(`SDK console: ${refused.map((m) => m.text).join(' | ')}`);

    assert.ok(env.collector.records.length > recordsBefore);
    assert.ok(eventBytes >= 700, `events are realistic in size (${eventBytes} B)`);
    assert.ok(unique.size >= quotaWorth, `at least a keepalive quota's worth arrived (${unique.size} >= ${quotaWorth})`);
    // Queue order is kept: what arrived is the oldest events, with no gaps.
    const indices = [...new Set(events.map((e) => e.properties.i))].sort((a, b) => a - b);
    assert.deepEqual(indices, [...Array(indices.length).keys()], `the events that arrived are the first ones, without gaps: ${JSON.stringify(records.map((r) => [r.path, r.body.batch.length, r.body.batch.map((e) => e.properties?.i)[0], r.body.batch.map((e) => e.properties?.i).at(-1)]))}`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the burst: nothing arrives twice', () => {
  assert.ok(burst, 'the burst ran');
  assert.equal(burst.dups.length, 0,
    `${burst.dups.length} events arrived twice (${burst.events.length} deliveries of ${burst.unique} events)`);
});

test('a batch in flight on a slow network when the page goes away arrives once', async () => {
  const run = `inflight-${Date.now()}`;
  const { page, context, pageErrors } = await openDemo(env);
  try {
    // Real networks take time to answer: the collector records the batch at
    // once and answers 500 ms later.
    env.collector.delayNext(500, 1);
    // 100 events (with the page view): maxEvents is reached, a batch goes out
    // at once; 100 ms later, with its answer still on the way, the user leaves.
    await page.evaluate((run) => {
      for (let i = 0; i < 100; i++) window.kz.track('Leaving', { i, run });
      setTimeout(() => { location.href = '/next.html'; }, 100);
    }, run);
    await page.waitForURL('**/next.html', { timeout: 10_000 });
    const arrived = await waitAndSettle(env.collector, (e) => e.properties?.run === run, 5000, 100, 1000);
    assert.equal(new Set(arrived.map((e) => e.messageId)).size, 100, 'all 100 arrived');
    assert.deepEqual(pageErrors, []);
    assert.equal(duplicateIds(arrived).length, 0,
      `${duplicateIds(arrived).length} events arrived twice (${arrived.length} deliveries of 100 events)`);
  } finally {
    await context.close();
  }
});
