// The public API, shared by the npm entry (index.js) and the script-tag
// loader (loader.js), so the two never drift. Every method catches what
// could go wrong inside Kizuna: nothing reaches the page.

import { complain, report } from './console.js';
import { NO_CONSENT_EXPLANATION, noConsentDecision, showDefaults } from './later.js';

const EMPTY = Object.freeze({ sent: 0, failed: 0, pending: 0, waitingForConsent: 0 });
const NOOP = () => {};
const NO_PENDING = () => ({ buffered: 0, dropped: 0 });
const NO_STATS = () => ({ queued: 0, sent: 0, dropped: 0, expired: 0, rejected: 0, damaged: 0, waitingForConsent: 0 });

/**
 * The API of a running engine (`d`, from driver.js) and, on pages that
 * personalize, its personalization module (`late.p`, from personalize.js,
 * which may start after the API does: see later.js).
 */
export function wrap(d, late) {
  const guard = (what, f, fallback) => function () {
    try {
      return f.apply(null, arguments);
    } catch (e) {
      report(what, e);
      return typeof fallback === 'function' ? fallback() : fallback;
    }
  };
  const off = (what, fallback) => {
    complain(what + ' needs the personalization module, which loads where the config has slots or profile, or the page has data-kz-slot');
    return fallback;
  };
  const slotName = (what, slot) => {
    if (typeof slot === 'string') return true;
    complain(what + ' needs a slot name (a string)');
    return false;
  };
  return Object.freeze({
    // Written out, not guard(): the hot path of every call (no `arguments`).
    track(name, properties, options) {
      try {
        return d.track(name, properties, options);
      } catch (e) {
        report('track()', e);
        return false;
      }
    },
    page: guard('page()', (n, props, o) => {
      const ok = d.call('page', n, props, o);
      if (late && late.p) late.p.pageView();
      else if (late && late.waiting) showDefaults();
      return ok;
    }, false),
    identify: guard('identify()', (u, traits, o) => d.call('identify', u, traits, o), false),
    group: guard('group()', (g, traits, o) => d.call('group', g, traits, o), false),
    alias: guard('alias()', (u, previous, o) => d.call('alias', u, previous, o), false),
    reset: guard('reset()', () => { d.reset(); }),
    flush: guard('flush()', () => d.flush(), () => Promise.resolve(EMPTY)),
    anonymousId: guard('anonymousId()', () => d.status().anonymousId, null),
    userId: guard('userId()', () => d.status().userId, null),
    queued: guard('queued()', () => d.status().queued, 0),
    stats: guard('stats()', () => {
      const s = d.status();
      return { queued: s.queued, sent: s.sent, dropped: s.lost, expired: s.expired, rejected: s.rejected, damaged: s.damaged, waitingForConsent: s.held };
    }, NO_STATS),
    decide: guard('decide()', (slot) => {
      if (late && late.p) return late.p.decide(slot);
      if (!late || !late.waiting) return off('decide()', null);
      return slotName('decide()', slot) ? noConsentDecision(slot) : null;
    }, null),
    explain: guard('explain()', (slot) => {
      if (late && late.p) return late.p.explain(slot);
      if (!late || !late.waiting) return off('explain()', '');
      return slotName('explain()', slot) ? NO_CONSENT_EXPLANATION : '';
    }, ''),
    // Until the engage build runs (no consent yet, or no recommendations
    // on the page): the site's own first n, unranked.
    recommend: guard('recommend()', (items, o) => (late && late.p && late.p.recommend ? late.p.recommend(items, o)
      : Array.isArray(items) ? items.slice(0, (o && Number(o.n)) || 4).map((x, i) => ({ id: x && x.id, position: i + 1, reason: 'no-consent', explanation: 'not personalized' })) : []), []),
    recommendationViewed: guard('recommendationViewed()', (slot, id) => { if (late && late.p && late.p.recommend) late.p.recommendationViewed(slot, id); }),
    recommendationClicked: guard('recommendationClicked()', (slot, id) => { if (late && late.p && late.p.recommend) late.p.recommendationClicked(slot, id); }),
    profile: guard('profile()', () => (late && late.p ? late.p.profile() : late && late.waiting ? null : off('profile()', null)), null),
    forget: guard('forget()', () => {
      d.forget();
      if (late && late.p) late.p.forget();
      else for (const k of ['kizuna:profile', 'kizuna:remote']) d.storage.remove(k);
    }),
    onDecision: guard('onDecision()', (cb) => {
      if (late && late.p) return late.p.onDecision(cb);
      if (!late || !late.waiting) return off('onDecision()', NOOP);
      if (typeof cb !== 'function') {
        complain('onDecision() needs a function; nothing subscribed');
        return NOOP;
      }
      late.watchers.add(cb);
      return () => { late.watchers.delete(cb); };
    }, NOOP),
    consent: Object.freeze({
      get: guard('consent.get()', () => d.consent(), null),
      set: guard('consent.set()', (choices, options) => d.setConsent(choices, options), null),
      onChange: guard('consent.onChange()', (cb) => {
        if (typeof cb !== 'function') {
          complain('consent.onChange() needs a function; nothing subscribed');
          return NOOP;
        }
        return d.onConsent(cb);
      }, NOOP),
      pending: guard('consent.pending()', () => {
        const s = d.status();
        return { buffered: s.held, dropped: s.dropped };
      }, NO_PENDING),
    }),
    inert: false,
  });
}

/** `kizuna('track', …)` and the other calls by name, on the real API. */
export function dispatch(api, method, args) {
  switch (method) {
    case 'track':
    case 'page':
    case 'identify':
    case 'group':
    case 'alias': return api[method](args[0], args[1], args[2]);
    case 'reset': return api.reset();
    case 'flush': return api.flush();
    case 'consent': return api.consent.set(args[0], args[1]);
    case 'ready':
      if (typeof args[0] === 'function') {
        try { args[0](api); } catch (e) { report('a ready() callback', e); }
      }
      return undefined;
    case 'init':
      complain('init was already called; this second init() was ignored');
      return undefined;
    default:
      complain('unknown call ' + JSON.stringify(String(method)) + '; ignored');
      return undefined;
  }
}

/** An instance whose calls do nothing: what init() gives outside a browser. */
export function inert() {
  return Object.freeze({
    track: () => false,
    page: () => false,
    identify: () => false,
    group: () => false,
    alias: () => false,
    reset: NOOP,
    flush: () => Promise.resolve(EMPTY),
    anonymousId: () => null,
    userId: () => null,
    queued: () => 0,
    stats: NO_STATS,
    decide: () => null,
    explain: () => '',
    profile: () => null,
    recommend: () => [],
    recommendationViewed: NOOP,
    recommendationClicked: NOOP,
    forget: NOOP,
    onDecision: () => NOOP,
    consent: Object.freeze({ get: () => null, set: () => null, onChange: () => NOOP, pending: NO_PENDING }),
    inert: true,
  });
}
