// The page's consent signals, read into numbers for the engine (it decides
// what they mean): Global Privacy Control, an IAB TCF v2.2 CMP
// (`__tcfapi('addEventListener')`: whether GDPR applies, whether the choice
// is made, the purposes consented), an IAB GPP CMP (`__gpp`: its string and
// the sections that apply; the engine decodes the string) and Google
// Consent Mode commands in `dataLayer`, those already there and those
// pushed later (each key granted, denied or not set).

import { hook } from './life.js';

const GCM_KEYS = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage', 'personalization_storage'];

/** The `q` record of a TCData; null for a CMP error or what is not one. */
export function tcfRecord(tc) {
  try {
    if (!tc || typeof tc !== 'object' || tc.cmpStatus === 'error') return null;
    const status = tc.eventStatus;
    const consents = tc.purpose && tc.purpose.consents;
    let purposes = 0;
    for (let n = 1; n <= 10; n++) if (consents && consents[n] === true) purposes += 2 ** n;
    return ['q', tc.gdprApplies === false ? 0 : 1, typeof status !== 'string' || status === 'tcloaded' || status === 'useractioncomplete' ? 1 : 0, purposes];
  } catch (_) {
    return null;
  }
}

/**
 * The `m` record of a dataLayer entry; null when it is not a consent
 * command or is scoped to regions (the page cannot know which region
 * Google would apply, and guessing could grant). gtag pushes its
 * `arguments` object; a plain array is read alike.
 */
export function gcmRecord(entry) {
  try {
    if (!entry || typeof entry !== 'object' || entry[0] !== 'consent' || (entry[1] !== 'default' && entry[1] !== 'update')) return null;
    const p = entry[2];
    if (p === undefined || (p && p.region != null)) return null;
    return ['m', entry[1] === 'update' ? 1 : 0, ...GCM_KEYS.map((k) => (p && p[k] === 'granted' ? 1 : p && p[k] === 'denied' ? 2 : 0))];
  } catch (_) {
    return null;
  }
}

/**
 * Listens as `config.consent` allows, for as long as `life` lasts;
 * `push(record)` hands each signal on.
 */
export function listenForConsent(config, push, life) {
  const c = (config && typeof config.consent === 'object' && config.consent) || {};
  try {
    if (c.gpc !== false && navigator.globalPrivacyControl === true) push(['g']);
  } catch (_) { /* no navigator */ }
  try {
    if (c.tcf !== false && typeof window.__tcfapi === 'function') {
      const tcfapi = window.__tcfapi;
      let id = null;
      window.__tcfapi('addEventListener', 2, (tc, success) => {
        if (life.over || success === false || !tc) return;
        if (id === null && typeof tc.listenerId === 'number') id = tc.listenerId;
        const record = tcfRecord(tc);
        if (record) push(record);
      });
      life.end(() => { if (id !== null) tcfapi('removeEventListener', 2, () => {}, id); });
    }
  } catch (_) { /* a CMP that throws is no signal */ }
  try {
    if (c.gpp !== false && typeof window.__gpp === 'function') {
      // The GPP string and the sections that apply, each time they change.
      let last = '';
      const send = (p) => {
        if (!p || p.signalStatus !== 'ready' || typeof p.gppString !== 'string') return;
        // Numbers only: a section id is a CMP's value, not text to pass on.
        const ids = Array.isArray(p.applicableSections) ? p.applicableSections.filter((n) => Number.isInteger(n) && n >= 0).join(',') : '';
        const text = p.gppString.replace(/[^\w~.-]/g, '').slice(0, 65536);
        if (ids + ' ' + text !== last) push(['G', ids, text]);
        last = ids + ' ' + text;
      };
      const gpp = window.__gpp;
      let id = null;
      gpp('addEventListener', (evt, success) => {
        if (life.over || success === false || !evt) return;
        if (id === null && typeof evt.listenerId === 'number') id = evt.listenerId;
        send(evt.pingData);
      });
      gpp('ping', (p, success) => { if (!life.over && success !== false) send(p); });
      life.end(() => { if (id !== null) gpp('removeEventListener', () => {}, id); });
    }
  } catch (_) { /* a CMP that throws is no signal */ }
  try {
    if (c.googleConsentMode !== false) {
      let layer = window.dataLayer;
      if (layer === undefined) layer = window.dataLayer = [];
      if (Array.isArray(layer)) {
        const read = (entry) => { const record = gcmRecord(entry); if (record) push(record); };
        for (const entry of layer) read(entry);
        hook(layer, 'push', life, (args) => {
          for (let i = 0; i < args.length; i++) read(args[i]);
        });
      }
    }
  } catch (_) { /* leave a dataLayer we cannot read alone */ }
}
