// Kizuna (絆): in-browser engagement SDK. ES module entry of the npm package.
//
// The only JavaScript between a site and the WebAssembly core: it loads the
// module lazily and hands out the guarded API of wrap.js. Importing it does
// nothing at all, which keeps it safe for server-side rendering.

import { complain, inert, wrap, PREFIX } from './wrap.js';

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
    const message = 'could not load its WebAssembly module (' + (e && e.message ? e.message : String(e)) +
      '). If the page has a Content-Security-Policy, script-src needs \'wasm-unsafe-eval\'.';
    complain(message);
    throw new Error(PREFIX + message);
  }
  return wrap(glue.start(config));
}

export default { init };
