// The remote document at the edge: a collector's model (GET /v1/model,
// www/schemas/dev.kizuna/model/jsonschema/1-0-0) fetched from the config's
// `model` URL, or printed into the page as
// <script type="application/json" data-kz-model>. Of it the personalization
// engine gets the `slots`, `journeys`, `journeyCaps` and `insights` of its
// `config` with the page's own config laid over them field by field, and
// each slot variant's published views and clicks (the engine validates the
// one as init does and starts each variant without a prior of the site's
// from the other: src/engine/personalize/remote.rs). The engine keeps the
// last good one in storage: the document as `readRemote` reduced it, which
// `readRemote` reads back the same (tests/fixtures/stored-formats.json).

const SECTIONS = ['slots', 'journeys', 'journeyCaps', 'insights'];
const plain = (x) => x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
const count = (x) => Number.isInteger(x) && x >= 0;
const id = (x) => x.length <= 128;

/**
 * `inline` laid over `remote`: where both are plain objects, each field
 * merged the same way; anywhere else `inline` wins when it has a value.
 */
export function overlay(remote, inline) {
  if (!plain(remote) || !plain(inline)) return inline === undefined ? remote : inline;
  const out = { ...remote };
  for (const k of Object.keys(inline)) if (k !== '__proto__') out[k] = overlay(remote[k], inline[k]);
  return out;
}

/**
 * What Kizuna takes of a model document (or of its stored form): `{
 * version: 1, config, learned }` (config: the sections a remote config may
 * set; learned: [[slot, variant, views, clicks], …], at most 500), or why
 * it is not one it reads.
 */
export function readRemote(doc) {
  if (!plain(doc) || doc.version !== 1) return 'not a version 1 model';
  const config = {};
  const learned = [];
  for (const k of SECTIONS) if (plain(doc.config) && doc.config[k] !== undefined) config[k] = doc.config[k];
  // The stored form keeps the counts as they were read.
  for (const l of Array.isArray(doc.learned) ? doc.learned : []) {
    if (Array.isArray(l) && l.length === 4) learned.push(l);
  }
  const slots = plain(doc.slots) ? doc.slots : {};
  for (const slot of Object.keys(slots)) {
    const variants = plain(slots[slot]) && plain(slots[slot].variants) ? slots[slot].variants : {};
    for (const v of Object.keys(variants)) learned.push([slot, v, variants[v] && variants[v].views, variants[v] && variants[v].clicks]);
  }
  return {
    version: 1,
    config,
    learned: learned.filter(([s, v, views, clicks]) => id(s) && id(v) && count(views) && count(clicks) && clicks <= views).slice(0, 500),
  };
}

/** The page's printed model document (false: not JSON), or null. */
export function printedModel(doc) {
  const el = doc.querySelector('script[type="application/json"][data-kz-model]');
  if (!el) return null;
  try {
    return JSON.parse(el.textContent);
  } catch (_) {
    return false;
  }
}
