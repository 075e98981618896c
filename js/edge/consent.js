// kz.consent.set(choices, options), checked where it enters: each
// category the visitor chose as a number (the engine decides what the
// choice sets off), the banner's name as the record's source. What cannot
// be read is said once on the console; nothing to set changes nothing.

import { complain, warn } from './console.js';
import { isPlain, typeName } from './call.js';

const CHOOSABLE = ['analytics', 'personalization', 'marketing'];

function read(o, k) {
  try {
    return [o[k]];
  } catch (_) {
    return null;
  }
}

/**
 * The `c` record of `consent.set(choices, options)`: each category 0 left
 * as it is, 1 granted, 2 denied, then the source; null when nothing is to
 * be set (after saying why).
 */
export function consentRecord(choices, options) {
  if (!isPlain(choices)) {
    complain('consent.set(): the choices must be an object like { analytics: true }, got ' + typeName(choices) + '; nothing changed');
    return null;
  }
  const problems = [];
  const set = [0, 0, 0];
  for (const k of Object.keys(choices)) {
    const v = read(choices, k);
    const i = CHOOSABLE.indexOf(k);
    if (k === 'necessary') problems.push('necessary is always granted and was left as it is');
    else if (i < 0) problems.push(k + ' is not a category (necessary, analytics, personalization, marketing)');
    else if (v && typeof v[0] === 'boolean') set[i] = v[0] ? 1 : 2;
    else if (!v || v[0] !== undefined) problems.push(k + ' must be true or false, got ' + (v ? typeName(v[0]) : 'unreadable (reading it threw)'));
  }
  let source = 'api';
  const s = isPlain(options) ? read(options, 'source') : [undefined];
  if (s && typeof s[0] === 'string' && s[0]) source = Array.from(s[0]).slice(0, 64).join('');
  else if (!s || s[0] !== undefined) problems.push('options.source must be a non-empty string (api used)');
  if (problems.length) warn('consent.set(): ' + problems.join(', '));
  if (!set[0] && !set[1] && !set[2]) {
    complain('consent.set(): no category to set; nothing changed');
    return null;
  }
  return ['c', ...set, source];
}
