// Re-entrant calls: site callbacks (consent.onChange, onDecision, ready)
// that call back into Kizuna while it is announcing something. The old
// edge trapped on a second borrow and killed the module; now a callback's
// calls are a crossing of their own, after the one that announced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, openDemo, newPage, waitAndSettle, duplicateIds, kizunaMessages } from './helpers.mjs';

let env;
before(async () => { env = await setup('reentrancy'); });
after(async () => { await teardown(env); });

test('a consent.onChange callback that tracks, reads, flushes and changes consent again', async () => {
  const { page, context, pageErrors } = await openDemo(env);
  try {
    const result = await page.evaluate(async () => {
      const kz = window.kz;
      const seen = [];
      const flushes = [];
      kz.consent.onChange((state) => {
        seen.push([state.marketing, kz.consent.get().marketing]);
        kz.track('From Consent Callback', { marketing: state.marketing });
        flushes.push(kz.flush());
        if (state.marketing === 'denied') kz.consent.set({ marketing: true }, { source: 'callback' });
      });
      kz.consent.set({ marketing: false }, { source: 'test' });
      await new Promise((r) => setTimeout(r, 50));
      const summaries = await Promise.all(flushes);
      return { seen, summaries, state: kz.consent.get(), anonymousId: kz.anonymousId(), queued: kz.queued() };
    });
    assert.deepEqual(result.seen, [['denied', 'denied'], ['granted', 'granted']], 'each change announced once, with the state already current');
    assert.equal(result.state.marketing, 'granted');
    for (const s of result.summaries) assert.equal(s.failed, 0, JSON.stringify(s));
    const events = await waitAndSettle(env.collector,
      (e) => e.anonymousId === result.anonymousId && e.event === 'From Consent Callback', 5000, 2, 800);
    assert.deepEqual(events.map((e) => e.properties.marketing), ['denied', 'granted']);
    assert.deepEqual(duplicateIds(events), []);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('an onDecision callback that decides, explains and tracks; a throwing callback is reported, the rest go on', async () => {
  const { page, context, pageErrors, consoleMessages } = await newPage(env.browser);
  try {
    await page.goto(`${env.collector.url}/slots.html?mode=opt-out`);
    await page.waitForFunction(() => typeof window.kizuna === 'function' && typeof window.kizuna.decide === 'function', null, { timeout: 10_000 });
    const result = await page.evaluate(async () => {
      const kz = window.kizuna;
      const inner = [];
      kz.onDecision(() => { throw new Error('site bug'); });
      kz.onDecision((d) => {
        const again = kz.decide(d.slot);
        inner.push([d.slot, d.variant, again.variant, typeof kz.explain(d.slot)]);
        kz.track('From Decision Callback', { slot: d.slot });
      });
      kz.page(); // an SPA route: every slot decided, and announced, again
      await kz.flush();
      return { inner, anonymousId: kz.anonymousId() };
    });
    assert.ok(result.inner.length >= 1, 'the callback ran');
    for (const [slot, variant, again, explained] of result.inner) {
      assert.equal(again, variant, `${slot}: decide() inside the callback gives the same decision`);
      assert.equal(explained, 'string');
    }
    const events = await waitAndSettle(env.collector,
      (e) => e.anonymousId === result.anonymousId && e.event === 'From Decision Callback', 5000, result.inner.length, 800);
    assert.equal(events.length, result.inner.length);
    assert.ok(kizunaMessages(consoleMessages).some((m) => m.text.includes('onDecision callback threw')), 'the throwing callback is reported');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// A timeout: once (1 in ~20 runs, under load) this hung instead of failing.
test('a ready() callback that calls kizuna(…) and the API inside it', { timeout: 60_000 }, async () => {
  const { page, context, pageErrors } = await newPage(env.browser);
  try {
    await page.goto(`${env.collector.url}/script-tag.html`);
    const anonymousId = await page.evaluate(() => new Promise((resolve) => {
      window.kizuna('ready', (kz) => {
        window.kizuna('track', 'From Ready Callback', { n: 1 });
        kz.track('From Ready Callback', { n: 2 });
        window.kizuna('ready', (again) => { again.track('From Ready Callback', { n: 3 }); resolve(again.anonymousId()); });
      });
    }));
    await page.evaluate(() => window.kizuna.flush());
    const events = await waitAndSettle(env.collector,
      (e) => e.anonymousId === anonymousId && e.event === 'From Ready Callback', 5000, 3, 800);
    assert.deepEqual(events.map((e) => e.properties.n), [1, 2, 3]);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
