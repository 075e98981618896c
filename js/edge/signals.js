// The page's consent signals, passed to the engine as they are (it decides
// what they mean): Global Privacy Control, an IAB TCF v2.2 CMP
// (`__tcfapi('addEventListener')`), an IAB GPP CMP (`__gpp`: its string
// and the sections that apply) and Google Consent Mode commands in
// `dataLayer`, those already there and those pushed later.

import { describe } from './capture.js';

/** Listens as `config.consent` allows; `push(record)` hands each signal on. */
export function listenForConsent(config, push) {
  const c = (config && typeof config.consent === 'object' && config.consent) || {};
  try {
    if (c.gpc !== false && navigator.globalPrivacyControl === true) push('g');
  } catch (_) { /* no navigator */ }
  try {
    if (c.tcf !== false && typeof window.__tcfapi === 'function') {
      window.__tcfapi('addEventListener', 2, (tc, success) => {
        if (success === false || !tc) return;
        // What the engine reads of a TCData (vendor lists can be large).
        const purpose = tc.purpose ? { consents: tc.purpose.consents } : undefined;
        push('q' + describe({ gdprApplies: tc.gdprApplies, eventStatus: tc.eventStatus, cmpStatus: tc.cmpStatus, purpose }, 65536));
      });
    }
  } catch (_) { /* a CMP that throws is no signal */ }
  try {
    if (c.gpp !== false && typeof window.__gpp === 'function') {
      // The GPP string and the sections that apply, each time they change.
      let last = '';
      const send = (p) => {
        if (!p || p.signalStatus !== 'ready' || typeof p.gppString !== 'string') return;
        const ids = Array.isArray(p.applicableSections) ? p.applicableSections.filter((n) => n >= 0).join(',') : '';
        const record = 'G' + ids + '\x1f' + p.gppString.replace(/[^\w~.-]/g, '').slice(0, 65536);
        if (record !== last) push(last = record);
      };
      window.__gpp('addEventListener', (evt, success) => { if (success !== false && evt) send(evt.pingData); });
      window.__gpp('ping', (p, success) => { if (success !== false) send(p); });
    }
  } catch (_) { /* a CMP that throws is no signal */ }
  try {
    if (c.googleConsentMode !== false) {
      let layer = window.dataLayer;
      if (layer === undefined) layer = window.dataLayer = [];
      if (Array.isArray(layer)) {
        for (const entry of layer) push('m' + describe(entry, 65536));
        const original = layer.push;
        layer.push = function () {
          const result = original.apply(this, arguments);
          for (let i = 0; i < arguments.length; i++) push('m' + describe(arguments[i], 65536));
          return result;
        };
      }
    }
  } catch (_) { /* leave a dataLayer we cannot read alone */ }
}
