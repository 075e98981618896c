// The script-tag engage module (dist/kizuna/engage.js): the
// personalization module built with recommendations, journeys and surveys
// (its engine is the `engage` build), loaded instead of personalize.js on
// pages that configure them. It fetches engage.wasm beside it.

import initWasm, { personalize_run as run, personalize_start as start, personalize_stop as stop } from './pkg/engage.js';
import { journeys } from './edge/journeys.js';
import { recs } from './edge/recs.js';
import { startTag } from './module-tag.js';

startTag(initWasm, { start, run, stop }, 'engage.wasm',
  typeof __KIZUNA_ENGAGE_WASM_SRI__ === 'string' ? __KIZUNA_ENGAGE_WASM_SRI__ : '', [recs, journeys]);
