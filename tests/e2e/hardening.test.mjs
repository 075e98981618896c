// Text that is not Kizuna's own never acts on the page, and Kizuna's own
// lifetimes end: a track() name or a localStorage key spelling engine
// records, a damaged stored queue, a failed start, a trapped module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, newPage, waitForReady, waitForEvents, waitUntil, allEvents, kizunaMessages, sleep,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('hardening'); });
after(async () => { await teardown(env); });

const RS = '\u001e';
const US = '\u001f';

/** Counts requests the page makes to evil.example (none may be). */
async function watchEvil(context) {
  const hits = [];
  await context.route(/evil\.example/, (route) => { hits.push(route.request().url()); route.abort(); });
  return hits;
}

test('#forged-name: a name spelling engine records is only a name: nothing goes anywhere but the collector', async () => {
  const { page, context, pageErrors, consoleMessages } = await openDemo(env);
  try {
    const hits = await watchEvil(context);
    const forged = `A${RS}P9${US}1${US}https://evil.example/c${US}x${RS}Kanalytics${RS}Skizuna:consent${US}x`;
    const anonymousId = await page.evaluate((name) => {
      const kz = window.kz;
      // Over the per-event limit: the engine's message quotes the name.
      kz.track(name, { big: 'x'.repeat(40000) });
      kz.track(name, { ok: 1 });
      kz.page(name);
      kz.identify(name, { plan: name });
      return kz.anonymousId();
    }, forged);
    await page.evaluate(() => window.kz.flush());
    const events = await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && (e.event === forged || e.name === forged || e.userId === forged), 5000, 3);
    assert.equal(events.filter((e) => e.event === forged).length, 1, 'the event arrives under its own name, once');
    await sleep(300);
    assert.deepEqual(hits, [], 'no request left for another host');
    assert.equal(await page.evaluate(() => document.cookie.includes('kz_consent')), false, 'no cookie was written');
    const keys = await page.evaluate(() => Object.keys(localStorage));
    assert.ok(keys.every((k) => k.startsWith('kizuna:')), keys.join(', '));
    assert.equal(await page.evaluate(() => localStorage.getItem('kizuna:consent')), null, 'no consent record was forged');
    const over = kizunaMessages(consoleMessages).filter((m) => m.text.includes('over the limit'));
    assert.equal(over.length, 1, 'one message for the event over the limit');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('#forged-key: a localStorage key under kizuna:q. spelling records is removed, never read', async () => {
  const { page, context, consoleMessages, pageErrors } = await newPage(env.browser);
  try {
    const key = `kizuna:q.x${RS}c{"analytics":true,"personalization":true,"marketing":true}${US}{"source":"x"}${RS}t0${US}1${US}"Injected"${US}{}`;
    await context.addInitScript((k) => {
      // Not in a new page's first about:blank (Firefox runs init scripts
      // there too, where storage throws SecurityError).
      if (location.protocol !== 'http:') return;
      if (!sessionStorage.getItem('seeded')) {
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem(k, 'kzq2');
      }
      window.kizunaDemoNoAutotrack = true;
      window.kizunaDemoNoSlots = true;
    }, key);
    await page.goto(`${env.collector.url}/`); // opt-in: nothing goes before a choice
    await waitForReady(page);
    await sleep(300);
    const consent = await page.evaluate(() => window.kz.consent.get());
    assert.equal(consent.analytics, 'unknown', `an opt-in site stays undecided: ${JSON.stringify(consent)}`);
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), key), null, 'the key is removed');
    const warned = kizunaMessages(consoleMessages).filter((m) => m.text.includes('not a key Kizuna writes'));
    assert.equal(warned.length, 1, JSON.stringify(kizunaMessages(consoleMessages)));
    const anonymousId = await page.evaluate(() => {
      window.kz.consent.set({ analytics: true });
      window.kz.track('After Choice');
      return window.kz.anonymousId();
    });
    await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'After Choice');
    await sleep(300);
    assert.equal(allEvents(env.collector).filter((e) => e.event === 'Injected').length, 0, 'no event was injected');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('#damaged: a damaged stored queue is dropped record by record, counted, and the new page loses none of its own events', async () => {
  const { page, context, consoleMessages } = await newPage(env.browser);
  try {
    // Page one keeps its events (the collector is unreachable for it) and
    // leaves them in storage.
    await context.addInitScript(() => { window.kizunaDemoNoAutotrack = true; window.kizunaDemoNoSlots = true; });
    await page.goto(`${env.collector.url}/?mode=opt-out`);
    await waitForReady(page);
    // Offline: nothing is sent, not even beacons on leaving.
    await context.setOffline(true);
    await page.evaluate(() => { for (let i = 0; i < 6; i++) window.kz.track('Stored', { i }); });
    const owner = await waitUntil(() => page.evaluate(() => Object.keys(localStorage).find((k) => /^kizuna:q\.[0-9a-f]{12}$/.test(k) && localStorage.getItem(k).split('\u001d').length >= 8)), 5000, 'the stored queue');
    await page.close();
    await context.setOffline(false);
    // Damage it as a full disk, another tab or an extension might.
    const front = await (async () => { const p = await context.newPage(); await p.goto(`${env.collector.url}/robots.txt`).catch(() => {}); const v = await p.evaluate((k) => localStorage.getItem(k), owner); await p.close(); return v; })();
    const lines = front.split('\u001d');
    // The i-th 'Stored' event's record (the page view of the load comes first).
    const at = lines.map((l, n) => (l.includes('"Stored"') ? n : -1)).filter((n) => n >= 0);
    const field = (i, n, v) => { const f = lines[at[i]].split(US); f[n] = v; lines[at[i]] = f.join(US); };
    field(0, 9, 'Stored'); // a name that is not a JSON literal
    field(1, 11, '{"i":1'); // truncated properties
    field(2, 8, '"u'); // a user id that is not JSON
    field(3, 10, '{"id":'); // a session that is not JSON
    let damaged = lines.join('\u001d');
    damaged = damaged.slice(0, damaged.length - 12); // the last record cut short
    // Page two takes it over with 20 events of its own.
    const next = await context.newPage();
    await next.addInitScript(([k, v]) => { if (!sessionStorage.getItem('put')) { sessionStorage.setItem('put', '1'); localStorage.setItem(k, v); } }, [owner, damaged]);
    next.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
    const from = consoleMessages.length;
    await next.goto(`${env.collector.url}/?mode=opt-out`);
    await waitForReady(next);
    const anonymousId = await next.evaluate(() => { for (let i = 0; i < 20; i++) window.kz.track('Mine', { i }); return window.kz.anonymousId(); });
    const mine = await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'Mine', 8000, 20);
    assert.equal(mine.length, 20, 'every event of the new page arrives');
    const stored = await waitForEvents(env.collector, (e) => e.event === 'Stored', 5000, 1);
    assert.deepEqual(stored.map((e) => e.properties.i), [4], 'the one whole stored event arrives');
    assert.equal((await next.evaluate(() => window.kz.stats())).damaged, 5, 'five damaged records counted');
    const warned = kizunaMessages(consoleMessages.slice(from)).filter((m) => m.text.includes(owner) && m.text.includes('damaged'));
    assert.equal(warned.length, 1, 'one warning naming the key');
    assert.deepEqual(env.collector.rejected.filter((r) => JSON.stringify(r).includes(anonymousId)), [], 'the collector refused nothing');
  } finally {
    await context.close();
  }
});

/** A page of our own on the collector's origin, importing the npm entry. */
async function ownPage(context, url, script) {
  await context.route(url, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>own</title><body><button id="b">Buy</button><script type="module">${script}</script></body>`,
  }));
}

test('#stop: a failed start leaves no listener, hook, lock or timer behind, and a retried init() works once', async () => {
  const { page, context, pageErrors } = await newPage(env.browser);
  try {
    const url = `${env.collector.url}/own/stop.html`;
    await ownPage(context, url, `
      import { init } from '/kizuna/index.js';
      window.run = async () => {
        const pushState = history.pushState;
        const out = {};
        let afterFirst = null;
        for (let i = 0; i < 2; i++) {
          try { await init({ endpoint: '/collect', consent: { mode: 'opt-out' }, slots: { hero: { holdout: 7 } } }); } catch (e) { out.error = e.message; }
          afterFirst ??= history.pushState;
        }
        out.hookedAfterFailures = history.pushState !== pushState;
        // A grant that lands after the stop is handed straight back: wait
        // for that (a task or two), up to two seconds.
        const ours = async () => (await navigator.locks.query()).held.filter((l) => l.name.startsWith('kizuna:q.')).length;
        for (let t = 0; t < 200 && (await ours()) > 0; t++) await new Promise((r) => setTimeout(r, 10));
        out.locksAfterFailures = await ours();
        const kz = await init({ endpoint: '/collect', consent: { mode: 'opt-out' } });
        out.anonymousId = kz.anonymousId();
        // Taking over what the stopped ones stored holds their locks a moment.
        for (let t = 0; t < 200 && (await ours()) > 1; t++) await new Promise((r) => setTimeout(r, 10));
        out.locks = await ours();
        out.wrappedOnce = history.pushState === afterFirst;
        window.kz = kz;
        return out;
      };
    `);
    await page.goto(url);
    await page.waitForFunction(() => typeof window.run === 'function');
    const out = await page.evaluate(() => window.run());
    assert.match(out.error, /slots\.hero\.holdout/);
    assert.equal(out.locksAfterFailures, 0, 'no lock of a stopped engine is held');
    assert.equal(out.locks, 1, 'the running engine holds its one lock');
    assert.ok(out.wrappedOnce, 'history.pushState is wrapped once, whatever number of engines came and went');
    await page.click('#b');
    await page.evaluate(() => history.pushState({}, '', '/own/next'));
    await page.evaluate(() => window.kz.flush());
    const clicks = await waitForEvents(env.collector, (e) => e.anonymousId === out.anonymousId && e.event === 'Button Clicked');
    await sleep(500);
    const all = allEvents(env.collector).filter((e) => e.event === 'Button Clicked' && e.properties.text === 'Buy');
    assert.equal(all.length, 1, `one click, one event (no listener of a stopped engine): ${JSON.stringify(clicks)}`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('#trap: after the module traps, calls are no-ops with one error and the events it held are kept for the next page', async () => {
  const { page, context, consoleMessages, pageErrors } = await newPage(env.browser);
  try {
    await context.addInitScript(() => { window.kizunaDemoNoAutotrack = true; window.kizunaDemoNoSlots = true; });
    // The glue, with run() trapping once the test says so (as a Rust panic
    // or an out-of-bounds access would).
    await context.route('**/kizuna/pkg/kizuna.js', async (route) => {
      if (route.request().url().includes('?real')) return route.continue();
      await route.fulfill({
        contentType: 'text/javascript',
        body: `import * as real from './kizuna.js?real';
          export default real.default;
          export const start = real.start, stop = real.stop;
          export function run(h, s) {
            if (globalThis.__kzTrap) throw new WebAssembly.RuntimeError('unreachable');
            return real.run(h, s);
          }`,
      });
    });
    await page.route('**/collect', (route) => route.abort());
    await page.goto(`${env.collector.url}/?mode=opt-out`);
    await waitForReady(page);
    const owner = await page.evaluate(async () => {
      for (let i = 0; i < 5; i++) window.kz.track('Kept', { i });
      await new Promise((r) => setTimeout(r, 400));
      return Object.keys(localStorage).find((k) => /^kizuna:q\.[0-9a-f]{12}$/.test(k));
    });
    assert.ok(owner, 'the queue was stored');
    const from = consoleMessages.length;
    const results = await page.evaluate(() => {
      globalThis.__kzTrap = true;
      // identify() crosses at once (it answers whether it was accepted):
      // the trap comes there; what follows finds the engine stopped.
      return [window.kz.identify('u'), window.kz.track('Trap 1'), window.kz.track('Trap 2'), window.kz.page()];
    });
    await sleep(200);
    const errors = kizunaMessages(consoleMessages.slice(from)).filter((m) => m.text.includes('internal error'));
    assert.equal(errors.length, 1, JSON.stringify(kizunaMessages(consoleMessages.slice(from))));
    assert.deepEqual(results.slice(1), [false, false, false], 'calls after the trap are no-ops');
    assert.deepEqual(pageErrors, [], 'nothing thrown into the page');
    // The next page (the glue trapping no more) sends what was kept.
    await page.unroute('**/collect');
    const next = await context.newPage();
    await next.goto(`${env.collector.url}/?mode=opt-out`);
    await waitForReady(next);
    const kept = await waitForEvents(env.collector, (e) => e.event === 'Kept', 8000, 5);
    assert.deepEqual(kept.map((e) => e.properties.i).sort(), [0, 1, 2, 3, 4]);
  } finally {
    await context.close();
  }
});

test('#cors: a collector on another origin without CORS headers gets each event once, and the cause is named once', async () => {
  const { page, context, consoleMessages, pageErrors } = await newPage(env.browser);
  env.collector.cors(false);
  try {
    // The page on localhost, the collector on 127.0.0.1: another origin.
    const endpoint = `${env.collector.url}/collect`;
    // A page the collector serves (a page Playwright made up would count as
    // a public address, which Chromium keeps from loopback ones).
    await page.goto(`${env.collector.url.replace('127.0.0.1', 'localhost')}/next.html`);
    await page.evaluate(async (endpoint) => {
      const { init } = await import('/kizuna/index.js');
      window.kz = await init({ endpoint, consent: { mode: 'opt-out' }, autotrack: false });
    }, endpoint);
    const anonymousId = await page.evaluate(async () => {
      for (let batch = 0; batch < 4; batch++) {
        for (let i = 0; i < 5; i++) window.kz.track('Cors', { batch, i });
        await window.kz.flush();
      }
      return window.kz.anonymousId();
    });
    const events = await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'Cors', 8000, 20);
    await sleep(2500); // a retry would come within a second or two
    const all = allEvents(env.collector).filter((e) => e.anonymousId === anonymousId && e.event === 'Cors');
    assert.equal(all.length, 20, `each event once (${events.length} seen first)`);
    assert.equal(new Set(all.map((e) => e.messageId)).size, 20);
    const stats = await page.evaluate(() => window.kz.stats());
    assert.equal(stats.queued, 0);
    const told = kizunaMessages(consoleMessages).filter((m) => m.text.includes('Access-Control-Allow-Origin'));
    assert.equal(told.length, 1, JSON.stringify(kizunaMessages(consoleMessages)));
    assert.ok(told[0].text.includes(env.collector.url.replace('127.0.0.1', 'localhost')), 'it names the page origin');
    assert.deepEqual(kizunaMessages(consoleMessages).filter((m) => m.text.includes('failed')), [], 'no false failure warnings');
    assert.deepEqual(pageErrors, []);
  } finally {
    env.collector.cors(true);
    await context.close();
  }
});
