// Capture: what a call hands to Kizuna, snapshotted at call time as JSON
// text for the engine.
//
// The fast path is JSON.stringify of a flat plain object: nothing in it
// needs a decision. Anything else is *cleaned* (`cleanJson`): JSON with
// every value JSON cannot hold left out (a function, a circular reference,
// an object that is not plain…) and named by its path, so the call's
// message says exactly what was left out and where. The cleaner never
// throws and never writes more than `budget` characters (a huge array
// stops it at once).

const OP = Object.prototype;
const DP = Date.prototype;
const MAX_DEPTH = 16;
const TOO_LARGE = {};

/** JSON of `o` when it is a flat plain object of plain values; else null. */
export function flat(o) {
  if (o === undefined || o === null) return '{}';
  if (typeof o !== 'object') return null;
  try {
    const proto = Object.getPrototypeOf(o);
    if (proto !== OP && proto !== null) return null;
    for (const k in o) {
      const v = o[k];
      const t = typeof v;
      if (t === 'string' || t === 'boolean' || v === null) continue;
      if (t !== 'number' || v - v !== 0) return null;
    }
    return JSON.stringify(o);
  } catch (_) {
    return null;
  }
}

// Whether `proto` is some realm's Object.prototype: an object from a
// same-origin iframe, or a test driver's sandbox, is as plain as one of ours.
export function plainProto(proto) {
  if (proto === null || proto === OP) return true;
  try {
    return Object.getPrototypeOf(proto) === null && name(proto) === 'Object';
  } catch (_) {
    return false;
  }
}

// Whether `v` is a Date of any realm (its internal date value, not its
// prototype, says so).
export function isDate(v) {
  try {
    DP.getTime.call(v);
    return true;
  } catch (_) {
    return false;
  }
}

export function name(proto) {
  try {
    const n = proto.constructor.name;
    return typeof n === 'string' ? n : '';
  } catch (_) {
    return '';
  }
}

/** What a marker stands for, in messages. */
export const MARKS = {
  '!v': 'undefined', '!f': 'a function', '!s': 'a symbol', '!b': 'a BigInt', '!n': 'NaN', '!i': 'an infinite number',
  '!c': 'a circular reference', '!d': 'nested too deeply', '!u': 'unreadable (reading it threw)', '!t': 'an invalid Date',
};

/**
 * `v` as plain JSON, every value JSON cannot hold left out (null in an
 * array) and, but for `undefined`, named by its path from `path` in
 * `problems`; `!l` when it would be longer than `budget` characters.
 */
export function cleanJson(v, budget, problems, path) {
  const seen = [];
  let size = 0;
  const out = (s) => {
    size += s.length;
    if (size > budget) throw TOO_LARGE;
    return s;
  };
  const mark = (m, at, what) => {
    if (m !== '!v') problems.push(at + ' is ' + (MARKS[m] || 'a ' + (what || 'class instance') + ', not a plain object'));
    return undefined;
  };
  // One member: a getter that throws is unreadable, not thrown.
  const member = (o, k, at) => {
    try {
      return walk(o[k], at);
    } catch (e) {
      if (e === TOO_LARGE) throw e;
      return mark('!u', at);
    }
  };
  const walk = (v, at) => {
    switch (typeof v) {
      case 'undefined': return mark('!v', at);
      case 'boolean': return v ? 'true' : 'false';
      case 'number': return v - v === 0 ? out(String(v)) : mark(v !== v ? '!n' : '!i', at);
      case 'string': return out(JSON.stringify(v));
      case 'bigint': return mark('!b', at);
      case 'symbol': return mark('!s', at);
      case 'function': return mark('!f', at);
    }
    if (v === null) return 'null';
    if (seen.includes(v)) return mark('!c', at);
    if (seen.length >= MAX_DEPTH) return mark('!d', at);
    let proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (_) {
      return mark('!u', at);
    }
    seen.push(v);
    try {
      if (Array.isArray(v)) {
        const n = v.length;
        // Each item takes a character at least: a longer array cannot fit.
        if (n > budget - size) throw TOO_LARGE;
        const items = [];
        for (let i = 0; i < n; i++) items.push(member(v, i, at + '[' + i + ']') ?? 'null');
        return out('[' + items.join(',') + ']');
      }
      if (proto === DP || (proto !== OP && isDate(v))) {
        const t = DP.getTime.call(v);
        return t - t === 0 && Math.abs(t) <= 864e13 ? out(JSON.stringify(DP.toISOString.call(v))) : mark('!t', at);
      }
      if (!plainProto(proto)) return mark('!o', at, name(proto));
      const members = [];
      for (const k of Object.keys(v)) {
        const item = member(v, k, at + '.' + k);
        if (item !== undefined) members.push(out(JSON.stringify(k)) + ':' + item);
      }
      return out('{' + members.join(',') + '}');
    } catch (e) {
      if (e === TOO_LARGE) throw e;
      return mark('!u', at);
    } finally {
      seen.pop();
    }
  };
  try {
    return walk(v, path);
  } catch (_) {
    return '!l';
  }
}

/**
 * Text that goes into an engine record as it is (not as a JSON literal):
 * the record and field separators (U+001D-U+001F) become U+FFFD, so no
 * text from a page, a collector or storage can end a record or a field.
 * The one place the edge cleans a raw fragment.
 */
export function clean(s) {
  return String(s).replace(/[\x1d-\x1f]/g, '\ufffd');
}

/** A JSON string literal of `s` (any value made a string). */
export function lit(s) {
  return JSON.stringify(String(s));
}
