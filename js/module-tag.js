// What the script-tag personalization modules share (personalize.js and
// its engage build, engage.js): fetch the module's wasm beside the script
// (checked against its SRI hash, unless the loader started that fetch
// already) and hand the loader a start function.

import { startPersonalization } from './edge/personalize.js';

export function startTag(initWasm, glue, file, integrity, extras) {
  const script = document.currentScript;
  const base = new URL('.', (script && script.src) || location.href).href;
  const wasm = window.__kizunaPersonalizeWasm || fetch(new URL(file, base), integrity ? { integrity } : undefined);
  window.__kizunaPersonalize = initWasm({ module_or_path: wasm }).then(() => (d, config, watchers) => startPersonalization(glue, d, config, watchers, extras));
}
