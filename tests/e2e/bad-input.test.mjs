// Bad input never throws into the page: every bad call is reported once on
// the console with a [kizuna] message, what can be sent is sent, and the SDK
// keeps working afterwards. Also: init() with invalid configs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, openDemo, newPage, waitForEvents, waitUntil, allEvents, kizunaMessages, sleep,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('bad-input'); });
after(async () => { await teardown(env); });

/** The [kizuna] messages logged from index `from` on, once `count` of them arrived and no more came for a moment. */
async function newKizunaMessages(consoleMessages, from, count) {
  await waitUntil(() => kizunaMessages(consoleMessages.slice(from)).length >= count, 3000, `${count} [kizuna] message(s)`)
    .catch(() => {});
  await sleep(200); // anything extra would show up now
  return kizunaMessages(consoleMessages.slice(from));
}

test('#bad: each bad call gives exactly one [kizuna] message, nothing throws, and tracking goes on', async () => {
  const { page, context, consoleMessages, pageErrors } = await openDemo(env);
  try {
    const anonymousId = await page.evaluate(() => window.kz.anonymousId());
    const from = consoleMessages.length;
    await page.click('#bad');
    const msgs = await newKizunaMessages(consoleMessages, from, 4);
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
    for (const path of ['properties.cyclic.self', 'properties.fn', 'properties.big', 'properties.sym']) {
      assert.ok(badProps.text.includes(path), `warning names ${path}: ${badProps.text}`);
    }

    assert.equal(notObject.type, 'warning', show);
    assert.ok(notObject.text.includes('must be a plain object'), notObject.text);

    const ok = await page.evaluate(() => window.kz.track('After Bad', { ok: true }));
    assert.equal(ok, true);
    const [bad, after] = await Promise.all([
      waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'Bad Properties'),
      waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'After Bad'),
    ]);
    assert.deepEqual(bad[0].properties, { cyclic: { ok: true } }, 'the cyclic part is cut and fn/big/sym are left out');
    assert.deepEqual(after[0].properties, { ok: true });
    const notAnObject = await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.event === 'Not An Object');
    assert.deepEqual(notAnObject[0].properties, {}, 'string properties: sent without them');
    // The dropped calls sent nothing.
    await sleep(300);
    const types = allEvents(env.collector).filter((e) => e.anonymousId === anonymousId).map((e) => e.event ?? e.type);
    assert.deepEqual(types.sort(), ['After Bad', 'Bad Properties', 'Not An Object', 'page']);
    assert.deepEqual(pageErrors, [], 'no pageerror');
  } finally {
    await context.close();
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
function initInPage(page, config) {
  return page.evaluate(async (config) => {
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
  const { page, context, consoleMessages, pageErrors } = await newPage(env.browser);
  try {
    await page.goto(`${env.collector.url}/next.html`);
    for (const { label, config, field } of BAD_CONFIGS) {
      const from = consoleMessages.length;
      const result = await initInPage(page, config);
      assert.equal(result.resolved, false, `${label}: init() rejects`);
      assert.equal(result.isError, true, `${label}: with an Error`);
      assert.ok(result.message.includes(field), `${label}: message names ${field}: ${result.message}`);
      const msgs = await newKizunaMessages(consoleMessages, from, 1);
      assert.equal(msgs.length, 1, `${label}: one [kizuna] message: ${JSON.stringify(msgs)}`);
      assert.equal(msgs[0].type, 'error', `${label}: ${JSON.stringify(msgs)}`);
      assert.ok(msgs[0].text.includes(field), `${label}: console names ${field}: ${msgs[0].text}`);
    }

    const from = consoleMessages.length;
    const result = await initInPage(page, { endpoint: '/collect', writekey: 'x' });
    assert.equal(result.resolved, true, `an unknown key only warns: ${JSON.stringify(result)}`);
    assert.equal(result.inert, false);
    assert.deepEqual(result.methods, ['alias', 'anonymousId', 'decide', 'explain', 'flush', 'forget', 'group', 'identify', 'onDecision', 'page', 'profile', 'queued',
      'recommend', 'recommendationClicked', 'recommendationViewed', 'reset', 'stats', 'track', 'userId']);
    // (Besides the hint that events wait for a consent choice: this page is opt-in.)
    const msgs = (await newKizunaMessages(consoleMessages, from, 1)).filter((m) => m.type !== 'info');
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.equal(msgs[0].type, 'warning');
    assert.ok(msgs[0].text.includes('did you mean writeKey'), msgs[0].text);
    assert.deepEqual(pageErrors, [], 'no pageerror');
  } finally {
    await context.close();
  }
});

test('throwing getters, a revoked Proxy, a huge string and a Map: nothing throws, and a valid call still works', async (t) => {
  const { page, context, consoleMessages, pageErrors } = await openDemo(env);
  try {
    const anonymousId = await page.evaluate(() => window.kz.anonymousId());
    const cases = {
      getter: () => ({ ok: 1, get boom() { throw new Error('getter says no'); } }),
      revokedProxy: () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; },
      hugeString: () => ({ text: 'y'.repeat(40_000) }),
      map: () => new Map([['a', 1]]),
    };
    const results = {};
    for (const [name, make] of Object.entries(cases)) {
      const from = consoleMessages.length;
      results[name] = await page.evaluate(([name, src]) => {
        // eslint-disable-next-line no-new-func
        const properties = new Function(`return (${src})()`)();
        try {
          return { returned: window.kz.track(`Weird ${name}`, properties) };
        } catch (e) {
          return { threw: String(e) };
        }
      }, [name, make.toString()]);
      results[name].messages = await newKizunaMessages(consoleMessages, from, 1);
    }
    const show = JSON.stringify(results, null, 1);
    for (const [name, r] of Object.entries(results)) t.diagnostic(`${name}: ${r.messages.map((m) => `${m.type}: ${m.text}`).join(' | ')}`);
    for (const [name, r] of Object.entries(results)) {
      assert.equal(r.threw, undefined, `${name} did not throw: ${show}`);
      assert.equal(r.messages.length, 1, `${name}: one [kizuna] message: ${show}`);
    }

    // A throwing getter: that member is left out, the rest is sent.
    assert.equal(results.getter.returned, true);
    assert.equal(results.getter.messages[0].type, 'warning');
    assert.ok(results.getter.messages[0].text.includes('properties.boom'), show);
    // A revoked proxy cannot be read at all: sent without properties.
    assert.equal(results.revokedProxy.returned, true);
    assert.equal(results.revokedProxy.messages[0].type, 'warning');
    assert.ok(results.revokedProxy.messages[0].text.includes('unreadable'), show);
    // 40,000 characters: over the 32 KB event limit, dropped.
    assert.equal(results.hugeString.returned, false);
    assert.equal(results.hugeString.messages[0].type, 'error');
    assert.ok(results.hugeString.messages[0].text.includes('over the limit'), show);
    assert.ok(results.hugeString.messages[0].text.includes('event dropped'), show);
    // A Map is not a plain object: sent without properties.
    assert.equal(results.map.returned, true);
    assert.equal(results.map.messages[0].type, 'warning');
    assert.ok(results.map.messages[0].text.includes('must be a plain object'), show);
    assert.ok(results.map.messages[0].text.includes('Map'), show);

    const after = await page.evaluate(async () => ({
      queued: window.kz.track('After Weird', { ok: true }),
      summary: await window.kz.flush(),
    }));
    assert.equal(after.queued, true);
    assert.equal(after.summary.failed, 0);
    assert.equal(after.summary.pending, 0);
    const events = await waitForEvents(env.collector, (e) => e.anonymousId === anonymousId && e.type === 'track', 3000, 4);
    const byName = Object.fromEntries(events.map((e) => [e.event, e]));
    assert.deepEqual(Object.keys(byName).sort(), ['After Weird', 'Weird getter', 'Weird map', 'Weird revokedProxy']);
    assert.deepEqual(byName['Weird getter'].properties, { ok: 1 });
    assert.deepEqual(byName['Weird revokedProxy'].properties, {});
    assert.deepEqual(byName['Weird map'].properties, {});
    assert.deepEqual(byName['After Weird'].properties, { ok: true });
    assert.deepEqual(pageErrors, [], 'no pageerror');
  } finally {
    await context.close();
  }
});
