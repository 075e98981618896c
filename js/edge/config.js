// The tracker's config, validated where it enters: the object given to
// init() read once, field by field, by the rules of the one config schema
// (tests/fixtures/config-schema.json, tabled in records.js), into the K and
// H records the engine starts from. The engine gets numbers and checked
// text, never the site's object. The personalization module's sections are
// checked by js/edge/personal.js, when that module loads.
//
// One convention for every field: a wrong value is an error that names the
// field (init rejects with it); an unknown key is a warning, with a
// suggestion when it looks like a typo, so a config written for a newer
// version still starts.

import { MARKS } from './capture.js';
import { isPlain, typeName } from './call.js';
import { CONFIG_KEYS, CONFIG_RULES, CONFIG_SECTIONS } from './records.js';

/** A value whose reading threw, as messages name it. */
export const UNREADABLE = Symbol('unreadable');
/** A field not set, as messages name it. */
export const NOTHING = Symbol('nothing');
/** The UTF-8 length of `s`: the schema's lengths are in bytes, as the engines count them. */
export const bytes = (s) => new TextEncoder().encode(s).length;

/** `o[k]`, undefined for null, UNREADABLE when reading it threw. */
export function get(o, k) {
  try {
    const v = o[k];
    return v === null ? undefined : v;
  } catch (_) {
    return UNREADABLE;
  }
}

/** A value found where another was expected, for messages: text quoted (80 characters at most), numbers as written, the rest named as call.js names it. */
export function found(v) {
  if (typeof v === 'string') return '"' + Array.from(v).slice(0, 80).join('') + '"';
  if (typeof v === 'number' && v - v === 0) return String(v);
  return v === UNREADABLE ? MARKS['!u'] : v === NOTHING ? 'nothing' : typeName(v);
}

/** Throws the Error init rejects with: `field` must be `expected` (got `v`). */
export function fail(field, expected, v) {
  throw new Error('invalid config: ' + field + ' must be ' + expected + ' (got ' + found(v) + ')');
}

// Typos worth a suggestion: the same letters ignoring case, at most two
// single-character edits apart, or the start of the key (4 letters at
// least: `halfLife` for `halfLifeDays`).
function close(a, b) {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (a.length >= 4 && b.startsWith(a)) return true;
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 0; i < a.length; i++) {
    const cur = [i + 1];
    for (let j = 0; j < b.length; j++) cur.push(Math.min(prev[j] + (a[i] !== b[j]), prev[j + 1] + 1, cur[j] + 1));
    prev = cur;
  }
  return prev[b.length] <= 2;
}

/** 'a', 'b' or 'c'. */
export const oneOf = (values) => values.map((v, i) => (i ? (i + 1 === values.length ? ' or ' : ', ') : '') + "'" + v + "'").join('');

/** Warns of each key of `o` that `known` does not list, `prefix` before it. */
export function unknownKeys(o, prefix, known, warnings) {
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    const like = known.find((c) => close(key, c));
    warnings.push('unknown config key ' + prefix + key + ' ignored' + (like ? ' (did you mean ' + prefix + like + '?)' : ''));
  }
}

/**
 * Reads `config` into `{ records, warnings }`: the K record, an H record
 * for each sensitive topic, and the unknown keys ignored. Throws an Error
 * whose message names the first wrong field.
 */
export function readConfig(config) {
  if (!isPlain(config)) fail('config', 'an object', config);
  const warnings = [];
  for (const part in CONFIG_KEYS) {
    const o = part ? get(config, part) : config;
    if (!isPlain(o)) continue;
    unknownKeys(o, part ? part + '.' : '', CONFIG_KEYS[part], warnings);
  }
  const endpoint = get(config, 'endpoint');
  if (endpoint === undefined) fail('endpoint', 'set to the collector\'s URL', NOTHING);
  if (typeof endpoint !== 'string') fail('endpoint', 'a URL string', endpoint);
  // A path on the page's origin, or an absolute http(s) URL with a host.
  if (!/^(\/(?!\/)|https?:\/\/(?!\/))[^\x00-\x20\x7f]*$/.test(endpoint) || /^https?:\/\/$/.test(endpoint)) {
    fail('endpoint', 'an http(s) URL or a path starting with \'/\'', endpoint);
  }
  const key = get(config, 'writeKey');
  if (key !== undefined && (typeof key !== 'string' || !key || bytes(key) > 256)) fail('writeKey', 'a non-empty string of at most 256 characters', key);
  for (const s in CONFIG_SECTIONS) {
    const v = get(config, s);
    if (v !== undefined && !isPlain(v) && !(CONFIG_SECTIONS[s] && v === false)) fail(s, 'an object', v);
  }
  const off = get(config, 'autotrack') === false;
  const values = {};
  const numbers = CONFIG_RULES.map(([path, unset, a, b]) => {
    const [section, name] = path.includes('.') ? path.split('.') : ['', path];
    const holder = section ? get(config, section) : config;
    const v = isPlain(holder) ? get(holder, name) : undefined;
    let n = unset;
    if (Array.isArray(a)) {
      if (v !== undefined && (n = a.indexOf(v)) < 0) fail(path, oneOf(a), v);
      if (off && section === 'autotrack') n = Math.max(0, a.indexOf(false));
    } else if (a === undefined) {
      if (v !== undefined && typeof v !== 'boolean') fail(path, 'true or false', v);
      n = off && section === 'autotrack' ? 0 : v === undefined ? unset : +v;
    } else {
      // A bound that follows another field: that field's value less some.
      const max = Array.isArray(b) ? values[b[0]] - b[1] : b;
      if (v === undefined) n = Math.min(unset, max);
      else if (typeof v !== 'number' || !Number.isInteger(v) || v < a || v > max) fail(path, 'an integer from ' + a + ' to ' + max, v);
      else n = v;
    }
    values[path] = n;
    return n;
  });
  const profile = get(config, 'profile');
  const sensitive = isPlain(profile) ? get(profile, 'sensitive') : undefined;
  const topics = sensitive === undefined ? [] : Array.isArray(sensitive) ? sensitive : [sensitive];
  for (const t of topics) if (typeof t !== 'string' || !t.trim()) fail('profile.sensitive', 'topic names', t);
  const privacy = get(config, 'privacy');
  const salt = isPlain(privacy) ? get(privacy, 'userIdSalt') : undefined;
  if (salt !== undefined && (typeof salt !== 'string' || bytes(salt) > 256)) fail('privacy.userIdSalt', 'a string of at most 256 characters', salt);
  return {
    records: [['K', endpoint, key || '', salt || '', ...numbers], ...topics.map((t) => ['H', t])],
    warnings,
  };
}
