// The personalization config, validated where it enters: the sections of
// the object given to init() that the personalization engine reads
// (profile, slots, journeys, journeyCaps, insights, debug) and the model URL
// this edge fetches, read by the rules of the one config schema
// (tests/fixtures/config-schema.json, tabled in records.js as
// PERSONAL_SCHEMA), into the records the engine starts from (P, H, I, Y, Z,
// t, f, J in src/engine/protocol.json). A remote config (js/edge/remote.js)
// is read the same way. The tracker's edge (config.js) has checked the top
// level and the tracker's sections already.
//
// The same convention as config.js: a wrong value is an error that names the
// field; an unknown key is a warning, with a suggestion for a typo.

import { isPlain } from './call.js';
import { NOTHING, UNREADABLE, bytes, fail, get, oneOf, unknownKeys } from './config.js';
import { PERSONAL_SCHEMA as RULES } from './records.js';

// A survey without a message asks the NPS question.
const SURVEY = 'How likely are you to recommend us to a friend or colleague?';
// What crosses for an unset field, where it is not the schema's default: a
// variant without a prior of the site's starts from what everyone clicked.
const UNSET = { 'slots.<slot>.variants.<id>.prior': 0 };
const LINK = "a path on this site ('/…') or an http(s) URL";

/**
 * A topic name as the engines keep it (ASCII whitespace trimmed, ASCII
 * letters in lower case, 1 to 40 bytes), or null.
 */
export function topicName(t) {
  if (typeof t !== 'string') return null;
  const name = t.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  return name && bytes(name) <= 40 ? name.replace(/[A-Z]+/g, (c) => c.toLowerCase()) : null;
}

/**
 * Whether a link goes where the site means: `/`, or a path of this site
 * (`/` and a character that is neither `/` nor `\`: `//host` and `/\host`
 * lead off-site), or an http(s) URL with a host; no space or control
 * character anywhere (the URL parser drops tabs and newlines, so
 * `/<TAB>/host` would become `//host`).
 */
export const safeLink = (l) => /^[^\x00-\x20\x7f]+$/.test(l) && (l === '/' || /^(\/|https?:\/\/)[^/\\]/.test(l));

// The schema paths one level under `at`.
const children = (at) => Object.keys(RULES).filter((p) => p.startsWith(at + '.') && !p.slice(at.length + 1).includes('.'));

// What a field of rule `r` must be, for messages.
function expected(r) {
  const range = r.min + ' to ' + r.max;
  switch (r.type) {
    case 'boolean': return 'true or false';
    case 'integer': return 'an integer from ' + range;
    case 'number': return r.exclusive ? 'a number greater than ' + r.min + ' and less than ' + r.max : 'a number from ' + range;
    case 'enum': return oneOf(r.values);
    case 'enums': return oneOf(r.values) + ', or a list of them';
    case 'string': return r.link ? LINK : 'a non-empty string' + (r.maxLength ? ' of at most ' + r.maxLength + ' characters' : '');
    case 'topics': return 'topic names (1 to 40 characters each)';
    case 'shares': return 'an object like { shoes: 0.3 }';
    default: return 'an object';
  }
}

// A value or a list of them (1,000 at most: a sparse array of a billion is
// refused at once, not walked), each read as `get` reads (a throwing
// getter is a value found, not an exception).
function list(v, path) {
  if (!Array.isArray(v)) return [v];
  if (v.length > 1000) fail(path, 'a list of at most 1000', v);
  return Array.from({ length: v.length }, (_, i) => get(v, i));
}

// The value `v` of the field at schema path `at` (`path` in messages), as
// it crosses: a boolean 0 or 1, an enum its index (1 + it where the field
// has no default, 0 unset), enums a bitmask, topics a list of names,
// shares a list of [topic, share], an object its fields, a map a list of
// [name, object]. `holder`: the object that holds it (for requiredUnless).
function field(at, path, v, warnings, holder) {
  const r = RULES[at];
  if (v === undefined) {
    if (r.required || (r.requiredUnless && get(holder, r.requiredUnless) !== true)) fail(path, expected(r), NOTHING);
    if (at in UNSET) return UNSET[at];
    if (r.type === 'object') return section(at, path, {}, warnings);
    if (r.default === null || r.default === undefined) return r.type === 'string' ? '' : r.type === 'map' ? [] : 0;
    v = r.default;
  }
  const bad = () => fail(path, expected(r), v);
  switch (r.type) {
    case 'boolean':
      return typeof v === 'boolean' ? +v : bad();
    case 'integer':
    case 'number': {
      const ok = typeof v === 'number' && (r.type === 'integer' ? Number.isInteger(v) : Number.isFinite(v)) &&
        (r.exclusive ? v > r.min && v < r.max : v >= r.min && v <= r.max);
      return ok ? v : bad();
    }
    case 'enum': {
      const i = r.values.indexOf(v);
      return i < 0 ? bad() : r.default === null || r.default === undefined ? i + 1 : i;
    }
    case 'enums':
      return list(v, path).reduce((mask, x) => {
        const i = r.values.indexOf(x);
        return i < 0 ? fail(path, expected(r), x) : mask | (1 << i);
      }, 0);
    case 'string':
      return typeof v === 'string' && v && (!r.maxLength || bytes(v) <= r.maxLength) && (!r.link || safeLink(v)) ? v : bad();
    case 'topics':
      return list(v, path).map((t) => topicName(t) ?? fail(path, expected(r), t));
    case 'shares':
      if (!isPlain(v)) bad();
      return Object.keys(v).map((k) => {
        const n = get(v, k);
        if (typeof n !== 'number' || !(n >= r.min && n <= r.max)) fail(path + '.' + k, 'a share from ' + r.min + ' to ' + r.max, n);
        return [topicName(k) ?? fail(path, 'topic names of 1 to 40 characters', k), n];
      });
    case 'map': {
      if (!isPlain(v)) bad();
      const each = children(at)[0];
      return Object.keys(v).map((name) => [name, field(each, path + '.' + name, get(v, name), warnings, v)]);
    }
    default:
      return isPlain(v) ? section(at, path, v, warnings) : bad();
  }
}

// The fields of the object `o` (schema path `at`), unknown keys warned.
function section(at, path, o, warnings) {
  const names = children(at).map((p) => p.slice(at.length + 1));
  unknownKeys(o, path + '.', names, warnings);
  const out = {};
  for (const name of names) out[name] = field(at + '.' + name, path + '.' + name, get(o, name), warnings, o);
  return out;
}

/**
 * Reads the personalization sections of `config` (a plain object) into
 * `{ records, model, warnings }`: the engine's config records, the model
 * URL ('' when unset) and the unknown keys ignored. Throws an Error whose
 * message names the first wrong field (`invalid config: …`).
 */
export function readPersonal(config) {
  const warnings = [];
  const c = {};
  try {
    for (const top of Object.keys(RULES).filter((p) => !p.includes('.'))) {
      c[top] = field(top, top, get(config, top), warnings, config);
    }
  } catch (e) {
    if (/^invalid config: /.test(e && e.message)) throw e;
    // Not a value found: an array or proxy that threw while it was walked.
    fail('config', 'readable', UNREADABLE);
  }
  const { profile, insights, journeyCaps } = c;
  const records = [
    ['P', profile.halfLifeDays, c.debug, journeyCaps.perSession, get(config, 'insights') === undefined ? 0 : 1, insights.epsilon, insights.everyDays],
    ...profile.sensitive.map((t) => ['H', t]),
    ...insights.topics.map((t) => ['I', t]),
  ];
  for (const [name, slot] of c.slots) {
    records.push(['Y', name, slot.holdout, slot.explore]);
    for (const [id, v] of slot.variants) {
      const r = v.rules;
      records.push(['Z', id, v.prior, r.segment, r.device, r.visitor, r.pathPrefix, r.utmSource, r.utmCampaign]);
      for (const t of v.tags) records.push(['t', t]);
      for (const [t, share] of r.minAffinity) records.push(['f', t, share]);
    }
  }
  for (const [name, j] of c.journeys) {
    records.push(['J', name, j.on, j.message || SURVEY, j.link, j.survey, j.windowMinutes, j.dormantDays, j.sessions, j.perSession, j.perVisitor, j.everyDays, j.quietDays]);
  }
  return { records, model: c.model, warnings };
}
