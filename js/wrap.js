// The guarded public API around the wasm handle, shared by the npm entry
// (index.js) and the script-tag loader (loader.js), so the two never drift.
// Every method catches whatever the wasm throws: nothing reaches the page.

export const PREFIX = '[kizuna] ';
export const EMPTY_SUMMARY = Object.freeze({ sent: 0, failed: 0, pending: 0 });
const NOOP = () => {};

/** Writes one `[kizuna]` console error (never throws). */
export function complain(message) {
  try {
    console.error(PREFIX + message);
  } catch (_) { /* a console that throws is not ours to report */ }
}

export function report(what, error) {
  try {
    console.error(PREFIX + what + ' failed inside Kizuna and was ignored: ' + (error && error.message ? error.message : String(error)));
  } catch (_) { /* a console that throws is not our problem to report */ }
}

// Each method is written out (no generic wrapper with rest arguments): this
// is the hot path of every call, and spreading arguments allocates.
export function wrap(handle) {
  return Object.freeze({
    track(name, properties, options) {
      try { return handle.track(name, properties, options); } catch (e) { report('track()', e); return false; }
    },
    page(name, properties, options) {
      try { return handle.page(name, properties, options); } catch (e) { report('page()', e); return false; }
    },
    identify(userId, traits, options) {
      try { return handle.identify(userId, traits, options); } catch (e) { report('identify()', e); return false; }
    },
    reset() {
      try { handle.reset(); } catch (e) { report('reset()', e); }
    },
    flush() {
      try { return handle.flush(); } catch (e) { report('flush()', e); return Promise.resolve(EMPTY_SUMMARY); }
    },
    anonymousId() {
      try { return handle.anonymousId(); } catch (e) { report('anonymousId()', e); return null; }
    },
    userId() {
      try { return handle.userId() ?? null; } catch (e) { report('userId()', e); return null; }
    },
    queued() {
      try { return handle.queued(); } catch (e) { report('queued()', e); return 0; }
    },
    decide(slot) {
      try { return handle.decide(slot); } catch (e) { report('decide()', e); return null; }
    },
    explain(slot) {
      try { return handle.explain(slot); } catch (e) { report('explain()', e); return ''; }
    },
    profile() {
      try { return handle.profile(); } catch (e) { report('profile()', e); return null; }
    },
    forget() {
      try { handle.forget(); } catch (e) { report('forget()', e); }
    },
    onDecision(callback) {
      try { return handle.onDecision(callback) ?? NOOP; } catch (e) { report('onDecision()', e); return NOOP; }
    },
    consent: Object.freeze({
      get() {
        try { return handle.consentGet(); } catch (e) { report('consent.get()', e); return null; }
      },
      set(choices, options) {
        try { return handle.consentSet(choices, options); } catch (e) { report('consent.set()', e); return null; }
      },
      onChange(callback) {
        try { return handle.consentOnChange(callback) ?? NOOP; } catch (e) { report('consent.onChange()', e); return NOOP; }
      },
      pending() {
        try { return handle.consentPending(); } catch (e) { report('consent.pending()', e); return { buffered: 0, dropped: 0 }; }
      },
    }),
    inert: false,
  });
}

/**
 * A call queued by the snippet before the SDK loaded, replayed with the
 * time, URL, referrer and title it was made with. `call` is
 * `[time, url, referrer, title, [method, ...args]]`.
 */
export function replay(handle, api, call) {
  const [time, url, referrer, title, args] = call;
  const [method, a, b, c] = args;
  try {
    if (method === 'track' || method === 'page' || method === 'identify') {
      return handle.replay(method, a, b, c, time, String(url), String(referrer), String(title));
    }
  } catch (e) {
    report(method + '()', e);
    return undefined;
  }
  return dispatch(api, method, args.slice(1));
}

/** `kizuna('track', …)` and the other calls by name, on the real API. */
export function dispatch(api, method, args) {
  switch (method) {
    case 'track': return api.track(args[0], args[1], args[2]);
    case 'page': return api.page(args[0], args[1], args[2]);
    case 'identify': return api.identify(args[0], args[1], args[2]);
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
    reset: () => {},
    flush: () => Promise.resolve(EMPTY_SUMMARY),
    anonymousId: () => null,
    userId: () => null,
    queued: () => 0,
    decide: () => null,
    explain: () => '',
    profile: () => null,
    forget: () => {},
    onDecision: () => NOOP,
    consent: Object.freeze({ get: () => null, set: () => null, onChange: () => NOOP, pending: () => ({ buffered: 0, dropped: 0 }) }),
    inert: true,
  });
}

