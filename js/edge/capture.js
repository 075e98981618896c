// Capture: what a call hands to Kizuna, snapshotted at call time as text
// for the engine (src/engine/text/json.rs has the format).
//
// The fast path is JSON.stringify of a flat plain object: nothing in it
// needs a decision. Anything else is *described*: JSON where every value
// JSON cannot hold is a marker (`!f` a function, `!c` a circular reference,
// `!o"Map"` an object that is not plain…), so the engine can say exactly
// what was left out and where. The describer never throws and never walks
// more than `budget` characters of output (a huge array stops it at once).

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
function plainProto(proto) {
  if (proto === null || proto === OP) return true;
  try {
    return Object.getPrototypeOf(proto) === null && name(proto) === 'Object';
  } catch (_) {
    return false;
  }
}

// Whether `v` is a Date of any realm (its internal date value, not its
// prototype, says so).
function isDate(v) {
  try {
    DP.getTime.call(v);
    return true;
  } catch (_) {
    return false;
  }
}

function name(proto) {
  try {
    const n = proto.constructor.name;
    return typeof n === 'string' ? n : '';
  } catch (_) {
    return '';
  }
}

/** `v` described; `!l` when it would be longer than `budget` characters. */
export function describe(v, budget = 1 << 20) {
  const seen = [];
  let size = 0;
  const out = (s) => {
    size += s.length;
    if (size > budget) throw TOO_LARGE;
    return s;
  };
  const walk = (v) => {
    switch (typeof v) {
      case 'undefined': return '!v';
      case 'boolean': return v ? 'true' : 'false';
      case 'number': return v - v === 0 ? out(String(v)) : v !== v ? '!n' : '!i';
      case 'string': return out(JSON.stringify(v));
      case 'bigint': return '!b';
      case 'symbol': return '!s';
      case 'function': return '!f';
    }
    if (v === null) return 'null';
    if (seen.includes(v)) return '!c';
    if (seen.length >= MAX_DEPTH) return '!d';
    let proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (_) {
      return '!u';
    }
    seen.push(v);
    try {
      if (Array.isArray(v)) {
        const n = v.length;
        // Each item takes a character at least: a longer array cannot fit.
        if (n > budget - size) throw TOO_LARGE;
        const items = [];
        for (let i = 0; i < n; i++) {
          let item;
          try {
            item = walk(v[i]);
          } catch (e) {
            if (e === TOO_LARGE) throw e;
            item = '!u';
          }
          items.push(item);
        }
        return out('[' + items.join(',') + ']');
      }
      if (proto === DP || (proto !== OP && isDate(v))) {
        const t = DP.getTime.call(v);
        return t - t === 0 && Math.abs(t) <= 864e13 ? out(JSON.stringify(DP.toISOString.call(v))) : '!t';
      }
      if (!plainProto(proto)) return out('!o' + JSON.stringify(name(proto)));
      const members = [];
      for (const k of Object.keys(v)) {
        let item;
        try {
          item = walk(v[k]);
        } catch (e) {
          if (e === TOO_LARGE) throw e;
          item = '!u';
        }
        members.push(out(JSON.stringify(k)) + ':' + item);
      }
      return out('{' + members.join(',') + '}');
    } catch (e) {
      if (e === TOO_LARGE) throw e;
      return '!u';
    } finally {
      seen.pop();
    }
  };
  try {
    return walk(v);
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
