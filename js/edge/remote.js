// The remote document at the edge: a collector's model (GET /v1/model,
// www/schemas/dev.kizuna/model/jsonschema/1-0-0) fetched from the config's
// `model` URL, or printed into the page as
// <script type="application/json" data-kz-model>. Of it the personalization
// engine gets the `slots`, `journeys`, `journeyCaps` and `insights` of its
// `config` with the page's own config laid over them field by field, and
// each slot variant's published views and clicks (the config validated as
// init's is, by js/edge/personal.js; the engine starts each variant without
// a prior of the site's from the counts: src/engine/personalize/remote.rs). The engine keeps the
// last good one in storage: the document as `readRemote` reduced it (a
// model document still), which `readRemote` reads back the same
// (tests/fixtures/stored-formats.json).

const SECTIONS = ['slots', 'journeys', 'journeyCaps', 'insights'];
const plain = (x) => x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
const count = (x) => Number.isInteger(x) && x >= 0;

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
 * What Kizuna takes of a model document, which is also what it stores:
 * `{ version: 1, config, slots }` (config: the sections a remote config may
 * set; slots: each variant's `{ views, clicks }`), or why it is not one.
 */
export function readRemote(doc) {
  if (!plain(doc) || doc.version !== 1) return 'not a version 1 model';
  const config = {};
  const slots = {};
  let n = 0;
  for (const k of SECTIONS) if (plain(doc.config) && doc.config[k] !== undefined) config[k] = doc.config[k];
  for (const slot of plain(doc.slots) ? Object.keys(doc.slots) : []) {
    const variants = plain(doc.slots[slot]) && plain(doc.slots[slot].variants) ? doc.slots[slot].variants : {};
    for (const id of Object.keys(variants)) {
      const { views, clicks } = plain(variants[id]) ? variants[id] : {};
      // Own keys only, and never `__proto__`: a slot named `constructor`
      // must not find Object's. The engine hears of 500 variants at most.
      if (count(views) && count(clicks) && clicks <= views && slot !== '__proto__' && id !== '__proto__' && n++ < 500) {
        if (!Object.prototype.hasOwnProperty.call(slots, slot)) slots[slot] = { variants: {} };
        slots[slot].variants[id] = { views, clicks };
      }
    }
  }
  return { version: 1, config, slots };
}

/** The engine's `l` records of what `readRemote` read. */
export const learned = (r) => Object.entries(r.slots).flatMap(([slot, s]) => Object.entries(s.variants).map(([id, v]) => ['l', slot, id, v.views, v.clicks]));

/** The text of the page's printed model document, or null. */
export function printedModel(doc) {
  const el = doc.querySelector('script[type="application/json"][data-kz-model]');
  return el ? el.textContent : null;
}
