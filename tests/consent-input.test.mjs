// The consent inputs the edge reads into numbers for the engine:
// kz.consent.set() (js/edge/consent.js), a TCF CMP's TCData and Consent
// Mode commands (js/edge/signals.js). Each against the golden fixture the
// engine's decisions are held to (tests/fixtures/consent.json: what each
// signal crosses as), and TCData objects at random against the mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { consentRecord } from '../js/edge/consent.js';
import { gcmRecord, tcfRecord } from '../js/edge/signals.js';

function said(f) {
  const out = [];
  const [error, warn] = [console.error, console.warn];
  console.error = (m) => out.push(['error', m.replace(/^\[kizuna\] /, '')]);
  console.warn = (m) => out.push(['warn', m.replace(/^\[kizuna\] /, '')]);
  try {
    return [f(), out];
  } finally {
    [console.error, console.warn] = [error, warn];
  }
}

test('consent.set(): each category as a number, the source, and one message for what is wrong', () => {
  assert.deepEqual(said(() => consentRecord({ analytics: true, marketing: false }, { source: 'banner' })), [['c', 1, 0, 2, 'banner'], []]);
  assert.deepEqual(said(() => consentRecord({ personalization: true })), [['c', 0, 1, 0, 'api'], []]);
  assert.deepEqual(said(() => consentRecord({ analytics: true }, { source: 'b'.repeat(100) }))[0][4], 'b'.repeat(64));
  assert.deepEqual(said(() => consentRecord('yes')),
    [null, [['error', 'consent.set(): the choices must be an object like { analytics: true }, got a string; nothing changed']]]);
  assert.deepEqual(said(() => consentRecord({ analytic: true })), [null, [
    ['warn', 'consent.set(): analytic is not a category (necessary, analytics, personalization, marketing)'],
    ['error', 'consent.set(): no category to set; nothing changed']]]);
  assert.deepEqual(said(() => consentRecord({ analytics: 'yes', marketing: false, necessary: false }, { source: 42 })), [['c', 0, 0, 2, 'api'], [
    ['warn', 'consent.set(): analytics must be true or false, got a string, necessary is always granted and was left as it is, options.source must be a non-empty string (api used)']]]);
  assert.deepEqual(said(() => consentRecord({ analytics: undefined, marketing: true }, null)), [['c', 0, 0, 1, 'api'], []]);
  assert.deepEqual(said(() => consentRecord({ get analytics() { throw new Error('no'); }, marketing: true }))[1],
    [['warn', 'consent.set(): analytics must be true or false, got unreadable (reading it threw)']]);
  assert.deepEqual(said(() => consentRecord({ marketing: true }, { source: '' }))[1], [['warn', 'consent.set(): options.source must be a non-empty string (api used)']]);
});

test('TCData and Consent Mode commands cross as the golden fixture says', () => {
  const doc = JSON.parse(fs.readFileSync(new URL('./fixtures/consent.json', import.meta.url), 'utf8'));
  let n = 0;
  for (const c of doc.cases) {
    for (const s of c.signals) {
      if ('tcf' in s) { assert.deepEqual(tcfRecord(s.tcf), s.q && ['q', ...s.q], `${c.name}: ${JSON.stringify(s.tcf)}`); n++; }
      if ('gcm' in s) {
        // gtag pushes its arguments object: { 0: 'consent', 1: …, 2: … } in the fixture.
        assert.deepEqual(gcmRecord(s.gcm), s.m && ['m', ...s.m], `${c.name}: ${JSON.stringify(s.gcm)}`);
        n++;
      }
    }
  }
  assert.ok(n >= 20, `${n} signals`);
  (function () { assert.deepEqual(gcmRecord(arguments), ['m', 1, 0, 0, 0, 1, 0]); })('consent', 'update', { analytics_storage: 'granted' });
  for (const v of [null, undefined, 5, 'consent', [], ['consent'], ['consent', 'update'], ['consent', 'grant', {}], ['consent', 'default', { region: 'DE' }]]) {
    assert.equal(gcmRecord(v), null, JSON.stringify(v));
  }
  assert.deepEqual(gcmRecord(['consent', 'update', null]), ['m', 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(gcmRecord(['consent', 'update', { ad_storage: 'GRANTED', analytics_storage: true }]), ['m', 1, 0, 0, 0, 0, 0]);
  const hostile = new Proxy([], { get() { throw new Error('no'); } });
  assert.equal(gcmRecord(hostile), null);
  assert.equal(tcfRecord(hostile), null);
});

/** A seeded generator (xorshift), so a failure is the same on every run. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

test('random TCData objects read as the mapping says', () => {
  const r = rng(0x74636621);
  const pick = (xs) => xs[r(xs.length)];
  for (let i = 0; i < 5000; i++) {
    const tc = {};
    if (r(5)) tc.eventStatus = pick(['tcloaded', 'useractioncomplete', 'cmpuishown', 'tclo\u0061ded', null, 1]);
    if (!r(4)) tc.cmpStatus = pick(['loaded', 'error', 'err\u006fr', undefined]);
    if (!r(3)) tc.gdprApplies = pick([true, false, 'false', 0, undefined]);
    const consents = {};
    for (let n = 0; n <= 11; n++) if (r(6)) consents[n] = pick([true, true, true, false, 1, 'true']);
    if (r(8)) tc.purpose = r(9) ? { consents, legitimateInterests: { 1: true } } : pick([null, 5, {}, { consents: null }]);
    if (!r(5)) Object.assign(tc, { addEventListener() {}, vendor: new Map() });
    // The mapping: a CMP error is no signal; gdprApplies false needs no TCF
    // consent; an eventStatus string other than the two is the CMP asking;
    // purposes 1-10 with consent true, bit by bit.
    let want = null;
    if (tc.cmpStatus !== 'error') {
      let purposes = 0;
      for (let n = 1; n <= 10; n++) if (tc.purpose && tc.purpose.consents && tc.purpose.consents[n] === true) purposes |= 1 << n;
      const ready = typeof tc.eventStatus !== 'string' || ['tcloaded', 'useractioncomplete'].includes(tc.eventStatus);
      want = ['q', tc.gdprApplies === false ? 0 : 1, ready ? 1 : 0, purposes];
    }
    assert.deepEqual(tcfRecord(tc), want, JSON.stringify(tc));
  }
});
