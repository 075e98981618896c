// The reliability cases: what a site's visitors do to an analytics SDK
// (go offline, leave at once, crash, open two tabs) against a collector
// that fails the way real ones do. Each case tracks events carrying a run
// id and a sequence number and counts, at the collector, how many distinct
// ones arrived, how many arrived more than once, and whether any came
// back under a new messageId (it never may).
//
// Used by tests/e2e/reliability.test.mjs (which asserts) and by
// tools/reliability.mjs (which prints the table for the README).

import { BROWSER, CHROMIUM_ARGS, newPage } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The reliability page (www/reliable.html) with `cfg` merged into its config. */
export async function openReliable(page, collector, cfg = {}) {
  await page.goto(`${collector.url}/reliable.html?cfg=${encodeURIComponent(JSON.stringify(cfg))}`);
  await page.waitForFunction(() => window.kz, null, { timeout: 10_000 });
}

/** Tracks `n` events of run `run` from `from` on, in one task. */
export function track(page, run, n, from = 0, pad = 0) {
  return page.evaluate(([run, n, from, pad]) => {
    const p = 'x'.repeat(pad);
    for (let i = from; i < from + n; i++) window.kz.track('Reliability', { run, seq: i, pad: p });
  }, [run, n, from, pad]);
}

/** What the collector holds of `run`. */
export function count(collector, run) {
  const ids = new Map();
  let deliveries = 0;
  for (const record of collector.records) {
    for (const e of record.body.batch ?? []) {
      if (e.properties?.run !== run) continue;
      deliveries++;
      const seq = e.properties.seq;
      if (!ids.has(seq)) ids.set(seq, new Set());
      ids.get(seq).add(e.messageId);
    }
  }
  let newIds = 0;
  for (const s of ids.values()) newIds += s.size - 1;
  return { arrived: ids.size, duplicates: deliveries - ids.size, newIds };
}

/** Waits until `want` distinct events of `run` arrived or `ms` passed, then `settle` ms more. */
export async function waitFor(collector, run, want, ms, settle = 1000) {
  const end = Date.now() + ms;
  while (Date.now() < end && count(collector, run).arrived < want) await sleep(100);
  await sleep(settle);
  const counts = count(collector, run);
  if (counts.arrived < want) {
    // Which sequence numbers never came, as ranges (for the failure message).
    const seen = new Set();
    for (const record of collector.records) for (const e of record.body.batch ?? []) if (e.properties?.run === run) seen.add(e.properties.seq);
    const missing = [];
    for (let i = 0; i < want; i++) {
      if (seen.has(i)) continue;
      const last = missing[missing.length - 1];
      if (last && last[1] === i - 1) last[1] = i; else missing.push([i, i]);
    }
    counts.missing = missing.slice(0, 20).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ');
  }
  return counts;
}

/** The growth of the JS heap between two `memory()` readings, for a note ("+1.23 MiB JS heap"). */
const heapGrowth = (before, after) => (after.heap === null
  ? 'JS heap not measured (CDP only)'
  : `+${(after.heap - before.heap).toFixed(2)} MiB JS heap`);

/** Crashes `page`'s renderer (CDP), then opens the site again in `context`. */
async function crashAndReopen(context, page, collector) {
  const cdp = await context.newCDPSession(page);
  // The renderer dies at once; the command itself never answers.
  cdp.send('Page.crash').catch(() => {});
  await sleep(500);
  await openReliable(await context.newPage(), collector);
}

const runId = (name) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Memory the page holds: JS heap used and every wasm memory (MiB). The JS
 * heap is read over CDP (a garbage collection, then the heap's use), so
 * only in Chromium: elsewhere `heap` is null; the wasm memories are read
 * in the page, in any browser.
 */
async function memory(page) {
  if (BROWSER !== 'chromium') {
    const wasm = await page.evaluate(() => (window.__kzMems || []).reduce((s, m) => s + m.buffer.byteLength, 0));
    return { heap: null, wasm: wasm / 2 ** 20 };
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() => (window.__kzMems || []).reduce((s, m) => s + m.buffer.byteLength, 0));
  await cdp.detach();
  return { heap: usedSize / 2 ** 20, wasm: wasm / 2 ** 20 };
}

// Keeps the wasm memories the page instantiates, to measure them.
function keepMemories() {
  window.__kzMems = [];
  const keep = (r) => {
    const inst = r.instance || r;
    for (const v of Object.values(inst.exports || {})) if (v instanceof WebAssembly.Memory) window.__kzMems.push(v);
    return r;
  };
  const a = WebAssembly.instantiateStreaming;
  const b = WebAssembly.instantiate;
  WebAssembly.instantiateStreaming = function () { return a.apply(this, arguments).then(keep); };
  WebAssembly.instantiate = function () { return b.apply(this, arguments).then(keep); };
}

/** Every case: `name`, what it does, `tracked`, and `run(env)` → counts; `chromiumOnly`: why it runs in Chromium only. */
export const CASES = [
  {
    name: 'offline, 100 events, the visitor navigates, back online on the next page',
    tracked: 100,
    async run({ browser, collector }) {
      const run = runId('offline-next');
      const { context, page } = await newPage(browser);
      try {
        await openReliable(page, collector);
        await context.setOffline(true);
        await track(page, run, 100);
        await sleep(1500);
        await page.evaluate(() => { location.href = '/reliable.html'; }).catch(() => {});
        await sleep(800);
        await context.setOffline(false);
        await openReliable(page, collector);
        return await waitFor(collector, run, 100, 10_000);
      } finally {
        await context.close();
      }
    },
  },
  {
    name: 'offline, back online, leaves at once',
    tracked: 100,
    async run({ browser, collector }) {
      const run = runId('offline-online-leave');
      const { context, page } = await newPage(browser);
      try {
        await openReliable(page, collector);
        await context.setOffline(true);
        await track(page, run, 100);
        await sleep(1500);
        await context.setOffline(false);
        await openReliable(page, collector);
        return await waitFor(collector, run, 100, 10_000);
      } finally {
        await context.close();
      }
    },
  },
  {
    name: 'one connection reset, the visitor leaves 0.3 s later (collector up)',
    tracked: 100,
    async run({ browser, collector }) {
      const run = runId('reset-leave');
      const { context, page } = await newPage(browser);
      try {
        await openReliable(page, collector);
        const rule = collector.fault({ mode: 'reset', count: 1 });
        await track(page, run, 100);
        const end = Date.now() + 5000;
        while (rule.taken < 1 && Date.now() < end) await sleep(20);
        await sleep(300);
        await openReliable(page, collector);
        return await waitFor(collector, run, 100, 10_000);
      } finally {
        collector.clearFaults();
        await context.close();
      }
    },
  },
  {
    name: '2,000 events in a burst, then navigate away',
    tracked: 2000,
    async run({ browser, collector }) {
      const run = runId('burst-leave');
      const { context, page } = await newPage(browser);
      try {
        await openReliable(page, collector);
        await page.evaluate((run) => {
          for (let i = 0; i < 2000; i++) window.kz.track('Reliability', { run, seq: i, pad: 'x'.repeat(200) });
          location.href = '/reliable.html';
        }, run);
        await page.waitForFunction(() => window.kz, null, { timeout: 10_000 });
        return await waitFor(collector, run, 2000, 15_000);
      } finally {
        await context.close();
      }
    },
  },
  {
    name: 'renderer crash 0.5 s after 20 events, site reopened',
    tracked: 20,
    // Set where a case cannot run outside Chromium: why.
    chromiumOnly: 'the renderer is crashed with CDP\'s Page.crash; WebDriver BiDi (Firefox) has no command that crashes a content process',
    async run({ browser, collector }) {
      const run = runId('crash');
      const { context, page } = await newPage(browser);
      try {
        // Another tab of the browser stays open (the context would close
        // with its only page), on another site.
        await (await context.newPage()).goto('about:blank');
        await openReliable(page, collector);
        await track(page, run, 20);
        await sleep(500);
        await crashAndReopen(context, page, collector);
        return await waitFor(collector, run, 20, 10_000);
      } finally {
        await context.close();
      }
    },
  },
  {
    name: 'renderer crash right after 20 events, before they reach storage, site reopened',
    tracked: 20,
    chromiumOnly: 'fetchLater() is Chromium\'s (135 and later), and the renderer is crashed with CDP\'s Page.crash',
    async run({ browser, collector }) {
      const run = runId('crash-now');
      const { context, page } = await newPage(browser);
      try {
        // Counts the deferred requests the SDK arms (it calls the global).
        await context.addInitScript(() => {
          const real = window.fetchLater;
          window.kzArmed = 0;
          if (real) window.fetchLater = function (...args) { window.kzArmed++; return real.apply(this, args); };
        });
        await (await context.newPage()).goto('about:blank');
        await openReliable(page, collector);
        await track(page, run, 20);
        // Armed at the next timer (a few ms): wait for it, then crash well
        // inside the 250 ms before storage would have held the events.
        await page.waitForFunction(() => window.kzArmed > 0, null, { timeout: 5000 });
        const stored = await page.evaluate((r) => Object.keys(localStorage).some((k) => (localStorage.getItem(k) || '').includes(r)), run);
        await crashAndReopen(context, page, collector);
        const counts = await waitFor(collector, run, 20, 10_000);
        // Not yet in storage as it crashed: the deferred request carried them.
        return stored ? { ...counts, arrived: -1, missing: 'the events were in storage before the crash: the case did not test the window' } : counts;
      } finally {
        await context.close();
      }
    },
  },
  {
    name: 'collector hangs 30 s while 26,000 events are tracked',
    tracked: 26000,
    async run({ browser, collector }) {
      const run = runId('hang');
      const { context, page } = await newPage(browser);
      try {
        await context.addInitScript(keepMemories);
        await openReliable(page, collector);
        const before = await memory(page);
        collector.fault({ mode: 'hang', ms: 30_000 });
        const started = Date.now();
        for (let i = 0; i < 26; i++) {
          await track(page, run, 1000, i * 1000);
          await sleep(500);
        }
        const during = await memory(page);
        await sleep(Math.max(0, 30_000 - (Date.now() - started)));
        collector.clearFaults();
        const counts = await waitFor(collector, run, 26000, 60_000);
        return { ...counts, note: `memory during the hang: ${heapGrowth(before, during)}, ${during.wasm.toFixed(2)} MiB wasm` };
      } finally {
        collector.clearFaults();
        await context.close();
      }
    },
  },
  {
    name: '10,000 events, every 3rd request reset and every 5th answered 500',
    tracked: 10000,
    async run({ browser, collector }) {
      const run = runId('flaky');
      const { context, page } = await newPage(browser);
      try {
        await openReliable(page, collector);
        collector.fault({ mode: 'reset', every: 3 });
        collector.fault({ mode: 'status', status: 500, every: 5 });
        await track(page, run, 10000);
        return await waitFor(collector, run, 10000, 90_000);
      } finally {
        collector.clearFaults();
        await context.close();
      }
    },
  },
  {
    name: 'two tabs × 5,000 events, one closed mid-send',
    tracked: 10000,
    async run({ browser, collector }) {
      const run = runId('two-tabs');
      const context = await browser.newContext();
      try {
        const a = await context.newPage();
        const b = await context.newPage();
        await openReliable(a, collector);
        await openReliable(b, collector);
        await track(b, run, 5000, 5000);
        await sleep(300);
        await b.close();
        await track(a, run, 5000, 0);
        return await waitFor(collector, run, 10000, 30_000);
      } finally {
        await context.close();
      }
    },
  },
  {
    name: 'memory with a hung collector and 50,000 events (queue.maxBytes 2 MiB)',
    tracked: 50000,
    async run({ browser, collector }) {
      const run = runId('cap');
      const { context, page } = await newPage(browser);
      try {
        await context.addInitScript(keepMemories);
        await openReliable(page, collector, { queue: { maxBytes: 2 << 20 } });
        const before = await memory(page);
        collector.fault({ mode: 'hang' });
        for (let i = 0; i < 50; i++) await track(page, run, 1000, i * 1000);
        await sleep(1000);
        const after = await memory(page);
        const stats = await page.evaluate(() => window.kz.stats());
        return { arrived: null, duplicates: 0, newIds: 0, stats, heapMiB: after.heap === null ? null : after.heap - before.heap, wasmMiB: after.wasm,
          note: `${heapGrowth(before, after)}, ${after.wasm.toFixed(2)} MiB wasm; ${stats.queued} queued, ${stats.dropped} dropped` };
      } finally {
        collector.clearFaults();
        await context.close();
      }
    },
  },
];

export { CHROMIUM_ARGS };
