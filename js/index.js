// Kizuna (絆): in-browser engagement SDK. ES module entry of the npm package.
//
// Importing it does nothing at all (safe for server-side rendering); init()
// loads the tracking engine's wasm and, where the config personalizes
// (slots or profile) or the page has data-kz-slot, and consent allows it,
// the personalization module beside it (a separate chunk: other pages, and
// visitors who have not granted personalization, never load it).

import { inert, wrap } from './edge/api.js';
import { complain, PREFIX } from './edge/console.js';
import { startEngine } from './edge/driver.js';
import { holder, likelyAllowed, personalizeWhenAllowed, wantsEngage } from './edge/later.js';

const cache = {};

// The glue module and its wasm, fetched together (not one after the other).
// The URLs are written out: bundlers only see literal ones.
function load(name) {
  if (!cache[name]) {
    const kizuna = name === 'kizuna';
    const engage = name === 'engage';
    const wasm = fetch(kizuna ? new URL('./pkg/kizuna_bg.wasm', import.meta.url)
      : engage ? new URL('./pkg/engage_bg.wasm', import.meta.url) : new URL('./pkg/personalize_bg.wasm', import.meta.url));
    const glue = kizuna ? import('./pkg/kizuna.js') : engage ? import('./pkg/engage.js') : import('./pkg/personalize.js');
    cache[name] = glue.then(async (g) => {
      await g.default({ module_or_path: wasm });
      return g;
    });
    // A failed load (offline, CSP) may be retried by a later init().
    cache[name].catch(() => { delete cache[name]; });
  }
  return cache[name];
}

function wantsPersonalization(config) {
  return !!(config && typeof config === 'object' && (config.slots || config.profile)) || !!window.__kizunaSlots ||
    !!document.querySelector('[data-kz-slot]') || wantsEngage(config);
}

function failed(e) {
  const message = 'could not load its WebAssembly module (' + (e && e.message ? e.message : String(e)) +
    '). If the page has a Content-Security-Policy, script-src needs \'wasm-unsafe-eval\'.';
  complain(message);
  return new Error(PREFIX + message);
}

/**
 * Starts Kizuna. Resolves to the instance; rejects with an Error naming the
 * bad field when the config is invalid (the reason is also on the console).
 * Outside a browser (SSR) it resolves to an inert instance.
 */
export async function init(config) {
  if (typeof window === 'undefined' || typeof document === 'undefined') return inert();
  const wanted = wantsPersonalization(config);
  let personal = null;
  const personalize = () => {
    if (!personal) {
      // The engage build (recommendations) only where the page has them.
      const engage = wantsEngage(config);
      personal = Promise.all([import('./edge/personalize.js'), load(engage ? 'engage' : 'personalize'),
        engage ? Promise.all([import('./edge/recs.js'), import('./edge/journeys.js')]).then(([r, j]) => [r.recs, j.journeys]) : []]);
      personal.catch(() => {});
    }
    return personal;
  };
  // Fetched in parallel with the tracker when the stored choice allows it.
  if (wanted && likelyAllowed(config)) personalize();
  let glue;
  try {
    glue = await load('kizuna');
  } catch (e) {
    throw failed(e);
  }
  const d = startEngine(glue, config);
  const late = wanted ? holder() : null;
  if (late) {
    const begin = () => personalize().then(([edge, g, extras]) =>
      edge.startPersonalization({ start: g.personalize_start, run: g.personalize_run, stop: g.personalize_stop }, d, config, late.watchers, extras));
    try {
      await personalizeWhenAllowed(d, late, begin);
    } catch (e) {
      // Only a start at init fails init (a bad slots field); a start after a later grant reports on the console.
      d.stop();
      if (e && String(e.message).startsWith(PREFIX)) throw e;
      throw failed(e);
    }
  }
  return wrap(d, late);
}

export default { init };
