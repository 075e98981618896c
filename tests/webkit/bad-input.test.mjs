// Bad input in WebKit: every bad call is reported once on the console with
// a [kizuna] message, nothing is thrown into the page, what can be sent is
// sent, and tracking goes on. The same cases as tests/e2e/bad-input.test.mjs.
// The console is read from the recorder the served pages carry (helpers.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, newTab, waitForEvents, waitUntil, matching, kizunaMessages, sleep, NO_AUTOTRACK,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('bad-input'); });
after(async () => { await teardown(env); });

/** The [kizuna] messages logged from index `from` on, once `count` of them came and no more came for a moment. */
async function newKizunaMessages(tab, from, count) {
  await waitUntil(async () => kizunaMessages(await tab.console(from)).length >= count, 5000, `${count} [kizuna] message(s)`)
    .catch(() => {});
  await sleep(300); // anything extra would show up now
  return kizunaMessages(await tab.console(from));
}

test('#bad: each bad call gives exactly one [kizuna] message, nothing throws, and tracking goes on', async () => {
  const tab = await openDemo(env);
  try {
    const anonymousId = await tab.eval(() => window.kz.anonymousId());
    const from = (await tab.console()).length;
    await tab.click('#bad');
    const msgs = await newKizunaMessages(tab, from, 4);
    const show = JSON.stringify(msgs, null, 1);
    assert.equal(msgs.length, 4, `one message per bad call: ${show}`);
    const [missing, notString, badProps, notObject] = msgs;

    assert.equal(missing.type, 'error', show);
    assert.ok(missing.text.includes('event name is missing'), missing.text);
    assert.ok(missing.text.includes('event dropped'), missing.text);
    assert.equal(notString.type, 'error', show);
    assert.ok(notString.text.includes('must be a string, got a number'), notString.text);
    assert.ok(notString.text.includes('event dropped'), notString.text);
    assert.equal(badProps.type, 'warning', show);
    for (const p of ['properties.cyclic.self', 'properties.fn', 'properties.big', 'properties.sym']) {
      assert.ok(badProps.text.includes(p), `warning names ${p}: ${badProps.text}`);
    }
    assert.equal(notObject.type, 'warning', show);
    assert.ok(notObject.text.includes('must be a plain object'), notObject.text);

    assert.equal(await tab.eval(() => window.kz.track('After Bad', { ok: true })), true);
    const [bad, afterBad, notAnObject] = await Promise.all([
      waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'Bad Properties', 10_000),
      waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'After Bad', 10_000),
      waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'Not An Object', 10_000),
    ]);
    assert.deepEqual(bad[0].properties, { cyclic: { ok: true } }, 'the cyclic part is cut and fn/big/sym are left out');
    assert.deepEqual(afterBad[0].properties, { ok: true });
    assert.deepEqual(notAnObject[0].properties, {}, 'string properties: sent without them');
    await sleep(500); // the dropped calls sent nothing
    const types = matching(env.collector, (e) => e.anonymousId === anonymousId).map((e) => e.event ?? e.type);
    assert.deepEqual(types.sort(), ['After Bad', 'Bad Properties', 'Not An Object', 'page']);
    assert.deepEqual((await tab.record()).errors, [], 'nothing thrown into the page');
  } finally {
    await tab.close();
  }
});

const BAD_CONFIGS = [
  { label: 'missing endpoint', config: { writeKey: 'x' }, field: 'endpoint' },
  { label: 'endpoint: 42', config: { endpoint: 42 }, field: 'endpoint' },
  { label: "endpoint: 'ftp://x'", config: { endpoint: 'ftp://x' }, field: 'endpoint' },
  { label: 'batch: {maxEvents: 0}', config: { endpoint: '/collect', batch: { maxEvents: 0 } }, field: 'batch.maxEvents' },
  { label: "debug: 'yes'", config: { endpoint: '/collect', debug: 'yes' }, field: 'debug' },
];

/** Runs `init(config)` in the page (importing the package as a site would); reports how it settled. */
function initInPage(tab, config) {
  return tab.eval(async (config) => {
    const { init } = await import('/kizuna/index.js');
    try {
      const kz = await init(config);
      return { resolved: true, inert: kz.inert, methods: Object.keys(kz).filter((k) => typeof kz[k] === 'function').sort() };
    } catch (e) {
      return { resolved: false, isError: e instanceof Error, message: String(e && e.message) };
    }
  }, config);
}

test('init() with an invalid config rejects with an Error naming the field, and says so on the console', async () => {
  const tab = await newTab(env, { initScripts: [NO_AUTOTRACK] });
  try {
    await tab.goto('/next.html');
    for (const { label, config, field } of BAD_CONFIGS) {
      const from = (await tab.console()).length;
      const result = await initInPage(tab, config);
      assert.equal(result.resolved, false, `${label}: init() rejects`);
      assert.equal(result.isError, true, `${label}: with an Error`);
      assert.ok(result.message.includes(field), `${label}: message names ${field}: ${result.message}`);
      const msgs = await newKizunaMessages(tab, from, 1);
      assert.equal(msgs.length, 1, `${label}: one [kizuna] message: ${JSON.stringify(msgs)}`);
      assert.equal(msgs[0].type, 'error', `${label}: ${JSON.stringify(msgs)}`);
      assert.ok(msgs[0].text.includes(field), `${label}: console names ${field}: ${msgs[0].text}`);
    }

    const from = (await tab.console()).length;
    const result = await initInPage(tab, { endpoint: '/collect', writekey: 'x' });
    assert.equal(result.resolved, true, `an unknown key only warns: ${JSON.stringify(result)}`);
    assert.equal(result.inert, false);
    assert.ok(result.methods.includes('track') && result.methods.includes('flush'), JSON.stringify(result.methods));
    const msgs = await newKizunaMessages(tab, from, 1);
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.equal(msgs[0].type, 'warning');
    assert.ok(msgs[0].text.includes('did you mean writeKey'), msgs[0].text);
    assert.deepEqual((await tab.record()).errors, [], 'nothing thrown into the page');
  } finally {
    await tab.close();
  }
});

test('throwing getters, a revoked Proxy, a huge string and a Map: nothing throws, and a valid call still works', async (t) => {
  const tab = await openDemo(env);
  try {
    const anonymousId = await tab.eval(() => window.kz.anonymousId());
    // Built in the page's realm (a Map or Proxy made by the test runner's realm would not be the page's).
    const cases = {
      getter: () => ({ ok: 1, get boom() { throw new Error('getter says no'); } }),
      revokedProxy: () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; },
      hugeString: () => ({ text: 'y'.repeat(40_000) }),
      map: () => new Map([['a', 1]]),
    };
    const results = {};
    for (const [name, make] of Object.entries(cases)) {
      const from = (await tab.console()).length;
      results[name] = await tab.eval((name, src) => {
        // eslint-disable-next-line no-new-func
        const properties = new Function(`return (${src})()`)();
        try {
          return { returned: window.kz.track(`Weird ${name}`, properties) };
        } catch (e) {
          return { threw: String(e) };
        }
      }, name, make.toString());
      results[name].messages = await newKizunaMessages(tab, from, 1);
    }
    const show = JSON.stringify(results, null, 1);
    for (const [name, r] of Object.entries(results)) t.diagnostic(`${name}: ${r.messages.map((m) => `${m.type}: ${m.text}`).join(' | ')}`);
    for (const [name, r] of Object.entries(results)) {
      assert.equal(r.threw, undefined, `${name} did not throw: ${show}`);
      assert.equal(r.messages.length, 1, `${name}: one [kizuna] message: ${show}`);
    }
    assert.equal(results.getter.returned, true);
    assert.equal(results.getter.messages[0].type, 'warning');
    assert.ok(results.getter.messages[0].text.includes('properties.boom'), show);
    assert.equal(results.revokedProxy.returned, true);
    assert.equal(results.revokedProxy.messages[0].type, 'warning');
    assert.ok(results.revokedProxy.messages[0].text.includes('unreadable'), show);
    assert.equal(results.hugeString.returned, false);
    assert.equal(results.hugeString.messages[0].type, 'error');
    assert.ok(results.hugeString.messages[0].text.includes('over the limit'), show);
    assert.ok(results.hugeString.messages[0].text.includes('event dropped'), show);
    assert.equal(results.map.returned, true);
    assert.equal(results.map.messages[0].type, 'warning');
    assert.ok(results.map.messages[0].text.includes('must be a plain object'), show);
    assert.ok(results.map.messages[0].text.includes('Map'), show);

    const afterWeird = await tab.eval(async () => ({
      queued: window.kz.track('After Weird', { ok: true }),
      summary: await window.kz.flush(),
    }));
    assert.equal(afterWeird.queued, true);
    assert.equal(afterWeird.summary.failed, 0);
    assert.equal(afterWeird.summary.pending, 0);
    const events = await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.type === 'track', 10_000, 4);
    const byName = Object.fromEntries(events.map((e) => [e.event, e]));
    assert.deepEqual(Object.keys(byName).sort(), ['After Weird', 'Weird getter', 'Weird map', 'Weird revokedProxy']);
    assert.deepEqual(byName['Weird getter'].properties, { ok: 1 });
    assert.deepEqual(byName['Weird revokedProxy'].properties, {});
    assert.deepEqual(byName['Weird map'].properties, {});
    assert.deepEqual(byName['After Weird'].properties, { ok: true });
    assert.deepEqual((await tab.record()).errors, [], 'nothing thrown into the page');
  } finally {
    await tab.close();
  }
});
