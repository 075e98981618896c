// The script-tag loader (bundled with the wasm-bindgen glue into
// dist/kizuna/kizuna.js): fetches the wasm from its own folder, replays the
// calls the snippet queued, in order and with their original page context,
// and replaces the stub with the real API.
//
//   <script async src="/kizuna/kizuna.js" data-global="kizuna" data-base="/kizuna/"></script>
//
// data-global: the snippet's global name (default kizuna); data-base: where
// kizuna.wasm is (default: the folder this script came from).

import initWasm, { start } from './pkg/kizuna.js';
import { complain, dispatch, replay, wrap } from './wrap.js';

// Replaced at build time with the wasm's Subresource Integrity hash.
const WASM_INTEGRITY = typeof __KIZUNA_WASM_SRI__ === 'string' ? __KIZUNA_WASM_SRI__ : '';
// While the SDK cannot start, at most this many calls are kept.
const MAX_KEPT = 1000;

(function boot() {
  const script = document.currentScript;
  const name = (script && script.dataset.global) || 'kizuna';
  const base = (script && script.dataset.base) || new URL('.', (script && script.src) || location.href).href;
  const queue = [];
  let started = false;

  // Until the SDK runs, calls keep queuing here (with their context).
  const holding = function () {
    if (queue.length < MAX_KEPT) {
      queue.push([Date.now(), document.URL, document.referrer, document.title, [].slice.call(arguments)]);
    }
    if (arguments[0] === 'init' && loaded) startWith(arguments[1]);
  };
  const earlier = window[name];
  if (earlier && earlier.q) queue.push(...earlier.q);
  holding.q = queue;
  window[name] = holding;

  let loaded = false;
  const wasm = fetch(new URL('kizuna.wasm', base), WASM_INTEGRITY ? { integrity: WASM_INTEGRITY } : undefined);
  initWasm({ module_or_path: wasm }).then(() => {
    loaded = true;
    const init = queue.find((call) => call[4][0] === 'init');
    if (init) startWith(init[4][1]);
  }, (error) => {
    const blocked = /unsafe-eval|Content Security Policy|CSP/i.test(String(error && error.message));
    complain(blocked
      ? 'WebAssembly is blocked by this page\'s Content-Security-Policy: add \'wasm-unsafe-eval\' to script-src. Calls are kept, not sent.'
      : 'could not load ' + new URL('kizuna.wasm', base).href + ' (' + (error && error.message ? error.message : String(error)) +
        '). Calls are kept, not sent.');
  });

  function startWith(config) {
    if (started) return;
    started = true;
    let handle;
    try {
      handle = start(config);
    } catch (e) {
      // The reason is on the console already; another init() may follow.
      started = false;
      queue.splice(0, queue.length, ...queue.filter((call) => call[4][0] !== 'init'));
      return;
    }
    const api = wrap(handle);
    const live = function (method) {
      return dispatch(api, method, [].slice.call(arguments, 1));
    };
    Object.assign(live, api);
    let initSeen = false;
    for (const call of queue.splice(0)) {
      if (call[4][0] === 'init' && !initSeen) {
        initSeen = true;
        continue;
      }
      replay(handle, live, call);
    }
    window[name] = live;
  }
})();
