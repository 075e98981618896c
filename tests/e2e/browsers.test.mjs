// What differs between browsers, and what the edge does about it: a batch
// in flight when the page is left (and another pagehide listener ran
// first), properties made in another realm, keepalive quotas, Web Locks
// and the back/forward cache. Run in Chromium and in Firefox
// (KIZUNA_BROWSER=firefox); tests/webkit covers WebKit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, newPage, waitForReady, waitForEvents, allEvents, duplicateIds, kizunaMessages, sleep,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('browsers'); });
after(async () => { await teardown(env); });

/** The demo shop in opt-out mode without autotrack or slots; `init` runs first in the page. */
async function shop(init) {
  const handle = await newPage(env.browser);
  if (init) await handle.context.addInitScript(init);
  await handle.context.addInitScript(() => { window.kizunaDemoNoAutotrack = true; window.kizunaDemoNoSlots = true; });
  await handle.page.goto(`${env.collector.url}/?mode=opt-out`);
  await waitForReady(handle.page);
  return handle;
}

test('a batch in flight when the page is left arrives once, also when another pagehide listener runs before Kizuna\'s', async () => {
  for (let run = 0; run < 3; run++) {
    // A site's own listener (analytics, a consent tool), added before Kizuna's.
    const { page, context } = await shop(() => { addEventListener('pagehide', () => {}); });
    try {
      const tag = `inflight-${run}-${Date.now()}`;
      env.collector.delayNext(800, 1); // the batch is on the wire as the page goes
      await page.evaluate((tag) => { for (let i = 0; i < 77; i++) window.kz.track('In Flight', { tag, i }); window.kz.flush(); }, tag);
      await waitForEvents(env.collector, (e) => e.properties?.tag === tag, 5000, 77);
      await page.evaluate(() => { location.href = '/next.html'; }).catch(() => {});
      await page.waitForURL('**/next.html');
      await sleep(2000); // a second copy would come by beacon at once, or by a retry within 1 s
      const arrived = allEvents(env.collector).filter((e) => e.properties?.tag === tag);
      assert.deepEqual(duplicateIds(arrived), [], `run ${run}: each of the batch's ${arrived.length} arrivals once`);
      assert.equal(arrived.length, 77);
    } finally {
      await context.close();
    }
  }
});

test('properties made in another realm (a same-origin iframe) are plain objects and dates like any other', async () => {
  const { page, context, consoleMessages, pageErrors } = await shop();
  try {
    const anonymousId = await page.evaluate(async () => {
      const frame = document.createElement('iframe');
      document.body.append(frame);
      const w = frame.contentWindow;
      const props = w.eval('({ plan: "pro", nested: { n: 1, list: [1, 2] }, when: new Date(0) })');
      window.kz.track('Other Realm', props);
      window.kz.identify('u-realm', w.eval('({ since: new Date(86400000), tags: ["a"] })'));
      return window.kz.anonymousId();
    });
    const [e] = await waitForEvents(env.collector, (x) => x.anonymousId === anonymousId && x.event === 'Other Realm');
    assert.deepEqual(e.properties, { plan: 'pro', nested: { n: 1, list: [1, 2] }, when: '1970-01-01T00:00:00.000Z' });
    const [id] = await waitForEvents(env.collector, (x) => x.anonymousId === anonymousId && x.type === 'identify');
    assert.deepEqual(id.traits, { since: '1970-01-02T00:00:00.000Z', tags: ['a'] });
    assert.deepEqual(kizunaMessages(consoleMessages), [], 'nothing to say about them');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
