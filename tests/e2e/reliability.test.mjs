// Nothing lost: every case of reliability-cases.mjs (offline, leaving at
// once, a reset, a burst before navigating, a renderer crash, a hung or
// flaky collector, two tabs) against the local collector, in Chromium or
// Firefox (the crash case in Chromium only: see its chromiumOnly). Each
// must deliver every tracked event, never under a new messageId (the
// collector deduplicates on it); where no request's fate was in doubt, each
// exactly once. The memory case holds the queue under its byte cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, chromiumOnly } from './helpers.mjs';
import { CASES } from './reliability-cases.mjs';

let env;
before(async () => { env = await setup('reliability'); });
after(async () => { await teardown(env); });

// Cases where a request may have reached the collector without its answer
// reaching the page (a reset, a page cut off mid-request, the emulated
// network switched back on under a request): the only way not to lose it
// is to send it again, so a duplicate (same messageId) is allowed.
const IN_DOUBT = /reset|closed mid-send|navigate away|offline/;

/**
 * The environment a case runs in, its browser handing out contexts whose
 * pages' [kizuna] console lines and page errors are kept in `said`: a
 * failure shows what the SDK said (each distinct line once, with its count).
 */
function watched(said) {
  const browser = new Proxy(env.browser, {
    get(target, key) {
      if (key === 'newContext') {
        return async (...args) => {
          const context = await target.newContext(...args);
          context.on('console', (m) => { if (m.text().startsWith('[kizuna]')) said.push(`${m.type()}: ${m.text()}`); });
          context.on('weberror', (e) => said.push(`pageerror: ${e.error().message}`));
          return context;
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...env, browser };
}

const summary = (said) => {
  const counts = new Map();
  for (const line of said) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].slice(0, 12).map(([line, n]) => (n > 1 ? `${n}× ${line}` : line)).join(' | ') || 'nothing';
};

for (const c of CASES) {
  test(c.name, { timeout: 180_000, skip: c.chromiumOnly ? chromiumOnly(c.chromiumOnly) : false }, async (t) => {
    const said = [];
    const r = await c.run(watched(said));
    if (said.length) t.diagnostic(`the page said: ${summary(said)}`);
    if (c.name.startsWith('memory')) {
      // 50,000 events against a hung collector, a 2 MiB queue: the queue
      // stays within its cap (dropping the oldest, counted), and wasm
      // memory stays within the cap plus the engine's working set.
      assert.ok(r.stats.dropped > 0, `the oldest were dropped and counted: ${JSON.stringify(r.stats)}`);
      assert.ok(r.stats.queued < 50_000, JSON.stringify(r.stats));
      assert.ok(r.wasmMiB < 6, `wasm memory ${r.wasmMiB.toFixed(2)} MiB`);
      return;
    }
    assert.equal(r.arrived, c.tracked, `${r.arrived} of ${c.tracked} arrived; missing ${r.missing}; the page said: ${summary(said)}`);
    assert.equal(r.newIds, 0, 'no event is sent again under a new messageId');
    if (!IN_DOUBT.test(c.name)) assert.equal(r.duplicates, 0, `${r.duplicates} duplicates`);
  });
}
