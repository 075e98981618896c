// The script-tag personalization module (dist/kizuna/personalize.js, with
// its engine's glue bundled in), loaded by the loader from its own folder
// on pages that personalize. It fetches personalize.wasm beside it
// (checked against its SRI hash) and hands the loader a start function.

import initWasm, { personalize_run as run, personalize_start as start, personalize_stop as stop } from './pkg/personalize.js';
import { startPersonalization } from './edge/personalize.js';

const WASM_INTEGRITY = typeof __KIZUNA_PERSONALIZE_WASM_SRI__ === 'string' ? __KIZUNA_PERSONALIZE_WASM_SRI__ : '';

(function () {
  const script = document.currentScript;
  const base = new URL('.', (script && script.src) || location.href).href;
  // The loader started the fetch already; on its own, this script does.
  const wasm = window.__kizunaPersonalizeWasm || fetch(new URL('personalize.wasm', base), WASM_INTEGRITY ? { integrity: WASM_INTEGRITY } : undefined);
  window.__kizunaPersonalize = initWasm({ module_or_path: wasm }).then(() => (d, config, watchers) => startPersonalization({ start, run, stop }, d, config, watchers));
})();
