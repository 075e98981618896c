// The script-tag personalization module (dist/kizuna/personalize.js, with
// its engine's glue bundled in), loaded by the loader from its own folder
// on pages that personalize. It fetches personalize.wasm beside it.

import initWasm, { personalize_run as run, personalize_start as start, personalize_stop as stop } from './pkg/personalize.js';
import { startTag } from './module-tag.js';

startTag(initWasm, { start, run, stop }, 'personalize.wasm',
  typeof __KIZUNA_PERSONALIZE_WASM_SRI__ === 'string' ? __KIZUNA_PERSONALIZE_WASM_SRI__ : '', []);
