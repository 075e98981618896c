// The script-tag loader (dist/kizuna/kizuna.js, with the tracking engine's
// glue bundled in): fetches the wasm from its own folder (checked against
// its SRI hash), replays the calls the snippet queued, in order and with
// their own page context, and replaces the stub with the real API. Where
// the config personalizes or the page has slots, and consent allows it, it
// loads personalize.js (the personalization module) from the same folder:
// in parallel when the stored choice says so, else once it is granted.
//
//   <script async src="/kizuna/kizuna.js" data-global="kizuna" data-base="/kizuna/"></script>

import initWasm, { run, start, stop } from './pkg/kizuna.js';
import { dispatch, wrap } from './edge/api.js';
import { complain } from './edge/console.js';
import { startEngine } from './edge/driver.js';
import { holder, likelyAllowed, personalizeWhenAllowed, wantsEngage } from './edge/later.js';

// Replaced at build time with the SRI hashes of the files this loads.
const WASM_INTEGRITY = typeof __KIZUNA_WASM_SRI__ === 'string' ? __KIZUNA_WASM_SRI__ : '';
const PERSONALIZE_INTEGRITY = typeof __KIZUNA_PERSONALIZE_SRI__ === 'string' ? __KIZUNA_PERSONALIZE_SRI__ : '';
const PERSONALIZE_WASM_INTEGRITY = typeof __KIZUNA_PERSONALIZE_WASM_SRI__ === 'string' ? __KIZUNA_PERSONALIZE_WASM_SRI__ : '';
const ENGAGE_INTEGRITY = typeof __KIZUNA_ENGAGE_SRI__ === 'string' ? __KIZUNA_ENGAGE_SRI__ : '';
const ENGAGE_WASM_INTEGRITY = typeof __KIZUNA_ENGAGE_WASM_SRI__ === 'string' ? __KIZUNA_ENGAGE_WASM_SRI__ : '';
// While the SDK cannot start, at most this many calls are kept.
const MAX_KEPT = 1000;
const REPLAYED = { track: 1, page: 1, identify: 1, group: 1, alias: 1 };

(function boot() {
  const script = document.currentScript;
  const name = (script && script.dataset.global) || 'kizuna';
  const base = (script && script.dataset.base) || new URL('.', (script && script.src) || location.href).href;
  const queue = [];
  let started = false;
  let loaded = false;

  // Until the SDK runs, calls keep queuing here (with their context).
  const holding = function () {
    if (queue.length < MAX_KEPT) queue.push([Date.now(), document.URL, document.referrer, document.title, [].slice.call(arguments)]);
    if (arguments[0] === 'init' && loaded) begin(arguments[1]);
  };
  const earlier = window[name];
  if (earlier && earlier.q) queue.push(...earlier.q);
  holding.q = queue;
  window[name] = holding;

  const configOf = () => {
    const init = queue.find((call) => call[4][0] === 'init');
    return init && init[4][1];
  };
  // The personalization module, fetched at once where it will be needed.
  let personal = null;
  const personalize = () => {
    if (!personal) {
      // Its engage build where the page has recommendations (or the
      // config journeys, surveys): only those pages download it.
      const engage = wantsEngage(configOf());
      const file = engage ? 'engage' : 'personalize';
      const wasmSri = engage ? ENGAGE_WASM_INTEGRITY : PERSONALIZE_WASM_INTEGRITY;
      const jsSri = engage ? ENGAGE_INTEGRITY : PERSONALIZE_INTEGRITY;
      // Its wasm is fetched now too, not after its script ran.
      window.__kizunaPersonalizeWasm = fetch(new URL(file + '.wasm', base), wasmSri ? { integrity: wasmSri } : undefined);
      personal = new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = new URL(file + '.js', base).href;
        if (jsSri) s.integrity = jsSri;
        s.crossOrigin = 'anonymous';
        s.onload = () => (window.__kizunaPersonalize ? window.__kizunaPersonalize.then(resolve, reject) : reject(new Error('personalize.js did not start')));
        s.onerror = () => reject(new Error('could not load ' + s.src));
        document.head.appendChild(s);
      });
    }
    return personal;
  };
  const needsPersonalization = (config) => !!(config && (config.slots || config.profile)) || !!window.__kizunaSlots ||
    !!document.querySelector('[data-kz-slot]') || wantsEngage(config);
  if (needsPersonalization(configOf()) && likelyAllowed(configOf())) personalize().catch(() => {});

  const wasm = fetch(new URL('kizuna.wasm', base), WASM_INTEGRITY ? { integrity: WASM_INTEGRITY } : undefined);
  initWasm({ module_or_path: wasm }).then(() => {
    loaded = true;
    const config = configOf();
    if (config) begin(config);
  }, (error) => {
    const blocked = /unsafe-eval|Content Security Policy|CSP/i.test(String(error && error.message));
    complain(blocked
      ? 'WebAssembly is blocked by this page\'s Content-Security-Policy: add \'wasm-unsafe-eval\' to script-src. Calls are kept, not sent.'
      : 'could not load ' + new URL('kizuna.wasm', base).href + ' (' + (error && error.message ? error.message : String(error)) +
        '). Calls are kept, not sent.');
  });

  function begin(config) {
    if (started) return;
    started = true;
    let d;
    try {
      d = startEngine({ start, run, stop }, config);
    } catch (_) {
      // The reason is on the console already; another init() may follow.
      started = false;
      queue.splice(0, queue.length, ...queue.filter((call) => call[4][0] !== 'init'));
      return;
    }
    const late = needsPersonalization(config) ? holder() : null;
    const go = () => {
      const api = wrap(d, late);
      const live = function (method) {
        return dispatch(api, method, [].slice.call(arguments, 1));
      };
      Object.assign(live, api);
      let initSeen = false;
      // Live before the replay: a replayed callback (ready) that calls
      // window[name] runs its calls at once, in its own order. Calls made
      // through a reference to the holder kept from before still join the
      // queue, and are replayed in turn.
      window[name] = live;
      for (let calls = queue.splice(0); calls.length; calls = queue.splice(0)) for (const call of calls) {
        const [time, url, referrer, title, args] = call;
        if (args[0] === 'init' && !initSeen) {
          initSeen = true;
          continue;
        }
        if (REPLAYED[args[0]]) {
          try {
            d.replay(args[0], args.slice(1), time, url, referrer, title);
          } catch (e) {
            complain(args[0] + '() could not be replayed: ' + (e && e.message));
          }
        } else dispatch(live, args[0], args.slice(1));
      }
    };
    if (!late) return go();
    personalizeWhenAllowed(d, late, () => personalize().then((startPersonalization) => {
      try {
        return startPersonalization(d, config, late.watchers);
      } catch (_) {
        return null; // the reason is on the console: the page goes on without personalization
      }
    }, (e) => {
      complain('personalization is off on this page: ' + (e && e.message ? e.message : String(e)));
      return null;
    })).then(go, go);
  }
})();
