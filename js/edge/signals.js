// The page's consent signals, passed to the engine as they are (it decides
// what they mean): Global Privacy Control, an IAB TCF v2.2 CMP
// (`__tcfapi('addEventListener')`), an IAB GPP CMP (`__gpp`: its string
// and the sections that apply) and Google Consent Mode commands in
// `dataLayer`, those already there and those pushed later.

import { describe } from './capture.js';
import { hook } from './life.js';

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
        // What the engine reads of a TCData (vendor lists can be large).
        const purpose = tc.purpose ? { consents: tc.purpose.consents } : undefined;
        push(['q', describe({ gdprApplies: tc.gdprApplies, eventStatus: tc.eventStatus, cmpStatus: tc.cmpStatus, purpose }, 65536)]);
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
        const text = ids + '\x1f' + p.gppString.replace(/[^\w~.-]/g, '').slice(0, 65536);
        if (text !== last) push(['G', last = text]);
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
        for (const entry of layer) push(['m', describe(entry, 65536)]);
        hook(layer, 'push', life, (args) => {
          for (let i = 0; i < args.length; i++) push(['m', describe(args[i], 65536)]);
        });
      }
    }
  } catch (_) { /* leave a dataLayer we cannot read alone */ }
}
