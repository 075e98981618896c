// Storage that is missing, blocked or full: Kizuna says so once on the
// console, keeps its data in memory for the page and goes on delivering.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, newPage, kizunaMessages, waitAndSettle } from './helpers.mjs';
import { openReliable, track } from './reliability-cases.mjs';

let env;
before(async () => { env = await setup('storage'); });
after(async () => { await teardown(env); });

const CASES = {
  // Chromium with cookies blocked: reading window.localStorage throws.
  'the localStorage getter throws': () => {
    Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('blocked', 'SecurityError'); } });
  },
  // A full origin: every write throws QuotaExceededError.
  'every localStorage write throws (full)': () => {
    Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };
  },
};

for (const [name, breakIt] of Object.entries(CASES)) {
  test(`${name}: one [kizuna] warning, nothing thrown, 300 events delivered each once`, async () => {
    const { context, page, consoleMessages, pageErrors } = await newPage(env.browser);
    try {
      await context.addInitScript(breakIt);
      await openReliable(page, env.collector);
      const run = `storage-${Date.now()}-${Math.random()}`;
      await track(page, run, 300);
      await page.evaluate(() => window.kz.identify('user-1', { plan: 'pro' }));
      const got = await waitAndSettle(env.collector, (e) => e.properties?.run === run, 10_000, 300, 500);
      assert.equal(got.length, 300);
      assert.equal(new Set(got.map((e) => e.messageId)).size, 300);
      const warnings = kizunaMessages(consoleMessages).filter((m) => m.text.includes('localStorage'));
      assert.equal(warnings.length, 1, JSON.stringify(kizunaMessages(consoleMessages)));
      assert.equal(warnings[0].type, 'warning');
      assert.deepEqual(pageErrors, []);
      // The ids are kept in memory for the page.
      assert.equal(await page.evaluate(() => window.kz.userId()), 'user-1');
    } finally {
      await context.close();
    }
  });
}
