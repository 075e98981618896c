// Kizuna (絆): in-browser engagement SDK. ES module entry of the npm package.
//
// This file is the only JavaScript between a site and the WebAssembly core:
// it loads the module lazily, and guards every call so that nothing Kizuna
// does can throw into the host page. Importing it does nothing at all, which
// keeps it safe for server-side rendering.

const PREFIX = '[kizuna] ';
const EMPTY_SUMMARY = Object.freeze({ sent: 0, failed: 0, pending: 0 });
const NOOP = () => {};

let loading = null;

function loadModule() {
  if (!loading) {
    // Fetch the wasm while the glue module loads, not after it.
    const wasm = fetch(new URL('./pkg/kizuna_bg.wasm', import.meta.url));
    loading = import('./pkg/kizuna.js').then(async (glue) => {
      await glue.default({ module_or_path: wasm });
      return glue;
    });
    // A failed load (offline, CSP) may be retried by a later init().
    loading.catch(() => { loading = null; });
  }
  return loading;
}

function report(what, error) {
  try {
    console.error(PREFIX + what + ' failed inside Kizuna and was ignored: ' + (error && error.message ? error.message : String(error)));
  } catch (_) { /* a console that throws is not our problem to report */ }
}

// Each method is written out (no generic wrapper with rest arguments): this
// is the hot path of every call, and spreading arguments allocates.
function wrap(handle) {
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

/** An instance whose calls do nothing: what init() gives outside a browser. */
function inert() {
  return Object.freeze({
    track: () => false,
    page: () => false,
    identify: () => false,
    reset: () => {},
    flush: () => Promise.resolve(EMPTY_SUMMARY),
    anonymousId: () => null,
    userId: () => null,
    queued: () => 0,
    consent: Object.freeze({ get: () => null, set: () => null, onChange: () => NOOP, pending: () => ({ buffered: 0, dropped: 0 }) }),
    inert: true,
  });
}

/**
 * Starts Kizuna. Resolves to the instance; rejects with an Error naming the
 * bad field when the config is invalid (the reason is also on the console).
 * Outside a browser (SSR) it resolves to an inert instance.
 */
export async function init(config) {
  if (typeof window === 'undefined' || typeof document === 'undefined') return inert();
  let glue;
  try {
    glue = await loadModule();
  } catch (e) {
    const message = PREFIX + 'could not load its WebAssembly module (' + (e && e.message ? e.message : String(e)) +
      '). If the page has a Content-Security-Policy, script-src needs \'wasm-unsafe-eval\'.';
    console.error(message);
    throw new Error(message);
  }
  return wrap(glue.start(config));
}

export default { init };
