// Personalization only where it is allowed: its module (script and wasm)
// is fetched on pages that personalize, and only once the visitor's consent
// allows it, so a visitor who declined (or has not chosen, in opt-in mode)
// never pays its bytes or its start-up time. Granting later loads it then.

const NO_CONSENT = 'personalization is not granted, so the default';

/**
 * A guess, before the engine runs, from the stored consent record and the
 * config's mode: whether to fetch the module in parallel with the tracker.
 * The engine's own state decides; a wrong guess only costs a fetch.
 */
/**
 * Whether the page needs the engage build: it has a `data-kz-recs` row or
 * a slot with `data-kz-why`, or the config has `journeys` or `insights` or says
 * `recommendations: true` (an app that calls kz.recommend).
 */
export function wantsEngage(config) {
  return !!(config && typeof config === 'object' && (config.recommendations === true || config.journeys || config.insights)) ||
    !!document.querySelector('[data-kz-recs],[data-kz-slot][data-kz-why]');
}

export function likelyAllowed(config) {
  try {
    const record = JSON.parse(localStorage.getItem('kizuna:consent'));
    const choice = record && record.categories && record.categories.personalization;
    if (choice === 'granted' || choice === 'denied') return choice === 'granted';
  } catch (_) { /* no storage, no record: the mode says */ }
  return !!(config && config.consent && config.consent.mode === 'opt-out');
}

/**
 * Where the API finds the personalization module: `p` once it runs;
 * `waiting` while consent keeps it away; `watchers`, the onDecision
 * callbacks, shared with the module so those subscribed before it loaded
 * hear its first decisions.
 */
export function holder() {
  return { p: null, waiting: false, watchers: new Set() };
}

/** What decide() answers while the module waits for consent (the shape the engine writes). */
export function noConsentDecision(slot) {
  return { slot, variant: null, reason: 'no-consent', propensity: 1, holdout: false, explanation: NO_CONSENT };
}

/**
 * While the module waits, every slot shows its default, and says so the
 * way the module would (`data-kz-shown="default"`, a hook for styles).
 */
export function showDefaults() {
  const mark = () => {
    for (const el of document.querySelectorAll('[data-kz-slot]')) {
      if (!el.hasAttribute('data-kz-shown')) el.setAttribute('data-kz-shown', 'default');
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mark, { once: true });
  else mark();
}

/** Why, while the module waits for consent. */
export const NO_CONSENT_EXPLANATION = NO_CONSENT;

/**
 * Starts personalization for engine `d` into `late` now if consent allows
 * it, else at the first change that does. `begin()` loads the module and
 * resolves to it started. Resolves once the module runs, or at once while
 * it waits.
 */
export function personalizeWhenAllowed(d, late, begin) {
  const start = () => begin().then((p) => {
    late.p = p;
    late.waiting = false;
  });
  if (d.status().topics) return start();
  late.waiting = true;
  showDefaults();
  // A profile left from before a refusal made elsewhere is not kept.
  if (d.consent() && d.consent().personalization === 'denied') for (const k of ['kizuna:profile', 'kizuna:remote']) d.storage.remove(k);
  let off = null;
  off = d.onConsent(() => {
    if (!d.status().topics || !late.waiting || !off) return;
    off();
    off = null;
    start().catch(() => { /* the reason is on the console; the page goes on without it */ });
  });
  return Promise.resolve();
}
