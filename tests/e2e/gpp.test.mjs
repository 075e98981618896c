// US privacy signals through IAB GPP, in Chromium: www/gpp.html with the
// stub GPP CMP (www/gpp-stub.js, a usnat section) and Kizuna in opt-out
// mode, as US state laws are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, newPage, waitForEvents } from './helpers.mjs';

let env;
before(async () => { env = await setup('gpp'); });
after(async () => { await teardown(env); });

const open = async (query) => {
  const h = await newPage(env.browser);
  await h.page.goto(`${env.collector.url}/gpp.html${query}`);
  await h.page.waitForFunction(() => window.kz, null, { timeout: 10_000 });
  return h;
};
const consent = (page) => page.evaluate(() => window.kz.consent.get());

test('usnat: an opt-out of sale, sharing or targeted ads denies marketing; no opt-out grants it; stored with source gpp', async () => {
  const { page, context, pageErrors } = await open('?gpp=optout');
  try {
    assert.deepEqual(await consent(page), { necessary: 'granted', analytics: 'granted', personalization: 'granted', marketing: 'denied' });
    assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('kizuna:consent'))).source, 'gpp');
    assert.equal(await page.evaluate(() => window.kz.track('GPP Ad', {}, { category: 'marketing' })), false, 'a marketing event is refused');
    // The visitor changes their mind in the CMP.
    await page.click('#gpp-none');
    assert.equal((await consent(page)).marketing, 'granted');
    const id = await page.evaluate(() => window.kz.anonymousId());
    await page.click('#send-ad');
    const [e] = await waitForEvents(env.collector, (ev) => ev.anonymousId === id && ev.event === 'GPP Demo Event');
    assert.equal(e.context.consent.marketing, 'granted');
    const audit = await waitForEvents(env.collector, (ev) => ev.anonymousId === id && ev.event === 'Consent Updated' && ev.properties.source === 'gpp');
    assert.ok(audit.length >= 1);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('usnat: a sensitive-data opt-out denies personalization; the GPC segment denies marketing like the browser\'s GPC', async () => {
  const { page, context, pageErrors } = await open('?gpp=sensitive');
  try {
    const c = await consent(page);
    assert.deepEqual([c.personalization, c.marketing, c.analytics], ['denied', 'granted', 'granted']);
    await page.click('#gpp-gpc');
    assert.equal((await consent(page)).marketing, 'denied');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('a GPP section that does not apply (applicableSections [-1]) changes nothing', async () => {
  const { page, context, pageErrors } = await open('?gpp=optout&applies=0');
  try {
    assert.equal((await consent(page)).marketing, 'granted', 'opt-out mode, no signal');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
