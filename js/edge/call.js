// A call's arguments, checked where they enter (track, page, identify,
// group, alias, the slow path: options, or values the fast path cannot
// take as they are). Snapshotted at call time into what the engine
// records: the name as a JSON literal, the id a call sets, properties or
// traits as clean JSON, the message id and the category. What JSON cannot
// hold is left out and named by its path in one warning; a call that
// cannot be recorded says why in one error and goes no further. The
// engine decides the rest (identity, consent, the queue).

import { complain, warn } from './console.js';
import { cleanJson, isDate, MARKS, name as nameOf, plainProto } from './capture.js';

const DP = Date.prototype;
const MAX_CHARS = 255;
const CATEGORIES = ['necessary', 'analytics', 'personalization', 'marketing'];

const proto = (v) => Object.getPrototypeOf(v);
const chars = (s) => { let n = 0; for (const _ of s) n++; return n; };
// Rust's trim_ascii: space, tab, line feed, form feed, carriage return.
const blank = (s) => /^[ \t\n\f\r]*$/.test(s);
export const isPlain = (v) => { try { return v !== null && typeof v === 'object' && !Array.isArray(v) && plainProto(proto(v)) && !isDate(v); } catch (_) { return false; } };

/** How messages name a call: `track('Signed Up')`, `page()`. */
export const label = (call, name) => call + '(' + (name === undefined ? '' : "'" + Array.from(name).slice(0, 60).join('') + "'") + ')';

/** What a value is, in messages (`a string`, `a function`, `Map`…). */
export function typeName(v) {
  switch (typeof v) {
    case 'boolean': return 'a boolean';
    case 'number': return v - v === 0 ? 'a number' : MARKS[v !== v ? '!n' : '!i'];
    case 'string': return 'a string';
    case 'object': break;
    // undefined, bigint, symbol, function: as their markers say.
    default: return MARKS['!' + (v === undefined ? 'v' : (typeof v)[0])];
  }
  if (v === null) return 'null';
  try {
    if (Array.isArray(v)) return 'an array';
    const p = proto(v);
    if (p === DP || isDate(v)) return v - v === 0 ? 'a string' : MARKS['!t'];
    return plainProto(p) ? 'an object' : nameOf(p) || 'class instance';
  } catch (_) {
    return MARKS['!u'];
  }
}

/** Properties or traits as clean JSON (`{}` for none, `!l` too large); null when not a plain object. */
function object(v, path, problems, budget) {
  if (v == null) return '{}';
  return isPlain(v) ? cleanJson(v, budget, problems, path) : null;
}

/**
 * Checks a call (`kind`: track, page, identify, group, alias) with its
 * three arguments, properties within `budget` characters. Returns the
 * fields of its record (name, id, properties, messageId, category), or
 * null when it records nothing, after saying why on the console.
 */
export function checkCall(kind, a, b, c, budget) {
  let lbl = kind + '()';
  const drop = (why) => { complain(lbl + ': ' + why + '; event dropped'); return null; };
  // A user, group or previous id: a string or a whole number; '' for none.
  const idOf = (v, what) => {
    let id = '';
    if (typeof v === 'string') id = v;
    else if (typeof v === 'number') {
      if (!(Number.isInteger(v) && Math.abs(v) < 9e15)) return drop('the ' + what + ' must be a string, got a number that is not a whole number');
      id = String(v);
    } else if (v != null) return drop('the ' + what + ' must be a string, got ' + typeName(v));
    else return '';
    return blank(id) || chars(id) > MAX_CHARS ? drop('the ' + what + ' must be a non-empty string of at most 255 characters') : id;
  };
  let name = '';
  let id = '';
  let props = b;
  let options = c;
  if (kind === 'track' || kind === 'page') {
    const what = kind === 'track' ? 'the event name' : 'the page name';
    if (kind === 'page' && (a == null || isPlain(a))) {
      if (a != null) [props, options] = [a, b];
    } else if (typeof a !== 'string') return drop(a === undefined ? what + ' is missing' : what + ' must be a string, got ' + typeName(a));
    else {
      lbl = label(kind, a);
      if (blank(a)) return drop(what + ' is empty');
      if (chars(a) > MAX_CHARS) return drop(what + ' is longer than 255 characters');
      name = JSON.stringify(a);
    }
  } else if (kind === 'alias') {
    id = idOf(a, 'user id');
    if (!id) return id === null ? null : drop('the user id is missing');
    let previous = '';
    if (isPlain(b)) options = b;
    else if ((previous = idOf(b, 'previous id')) === null) return null;
    name = previous && JSON.stringify(previous);
    props = undefined;
  } else {
    if (isPlain(a)) [props, options] = [a, b];
    else if ((id = idOf(a, kind === 'group' ? 'group id' : 'user id')) === null) return null;
    if (kind === 'group') [name, id] = [id && JSON.stringify(id), ''];
  }
  const problems = [];
  const path = kind === 'track' || kind === 'page' ? 'properties' : 'traits';
  let json = object(props, path, problems, budget);
  if (json === '!l') return drop('the properties are too large: the event would be over the limit of its size');
  if (json === null) {
    if (path === 'traits') return drop('traits must be a plain object, got ' + typeName(props));
    problems.push('properties must be a plain object, got ' + typeName(props) + ' (sent without them)');
    json = '{}';
  }
  let messageId = '';
  let category = 1;
  if (options != null) {
    if (!isPlain(options)) problems.push('options must be a plain object, got ' + typeName(options));
    else for (const k of Object.keys(options)) {
      let v;
      try { v = options[k]; } catch (_) { v = null; }
      if (v === undefined) continue;
      if (k === 'messageId') {
        if (typeof v === 'string' && /^[\x21-\x7e]{1,128}$/.test(v)) messageId = v;
        else problems.push('options.messageId must be 1-128 printable characters without spaces');
      } else if (k === 'category') {
        if (CATEGORIES.includes(v)) category = CATEGORIES.indexOf(v);
        else problems.push("options.category must be 'necessary', 'analytics', 'personalization' or 'marketing' (analytics used)");
      } else problems.push('options.' + k + ' is not a known option');
    }
  }
  if (problems.length) warn(lbl + ': ' + problems.join(', ') + '; those values were left out and the event was sent');
  return [name, id, json, messageId, category];
}
