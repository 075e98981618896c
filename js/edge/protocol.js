// The edge's half of the codec of the edge protocol (the engines' is
// src/engine/protocol/mod.rs). Records are described once, in
// src/engine/protocol.json; records.js holds their layouts, generated from
// it. A record is its kind (one byte), its body's length (4 bytes,
// little-endian), then its fields: a number in 8 bytes (an f64), text as a
// 4-byte length and UTF-8 (a body, `b`, the same on the wire, is kept as
// bytes; bytes given back to an engine are written as they are). Lengths,
// not separators: no text can be taken for a record.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let buf = new Uint8Array(1 << 16);
let view = new DataView(buf.buffer);

// Short ASCII (ids, names, most properties) is copied by hand: a call of
// encodeInto, with the view it needs, cost ~1.6 µs in a page, two per
// track() (docs/benchmarks.md); the rest of a string from its first other
// character, and long text (a queue segment), go through it.
function text(s, at) {
  const n = s.length;
  const p = at + 4;
  let i = 0;
  for (; i < n && n < 1024; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) break;
    buf[p + i] = c;
  }
  if (i < n) i += encoder.encodeInto(s.slice(i), buf.subarray(p + i)).written;
  view.setUint32(at, i, true);
  return p + i;
}

/**
 * The records of `list` (each `[kind, ...fields]`) as bytes, by `layouts`
 * (a table of records.js). The bytes are a view of a buffer the next call
 * reuses: hand them to the engine at once.
 */
export function encode(list, layouts) {
  let need = 0;
  for (const r of list) {
    const l = layouts[r[0]];
    need += 5;
    for (let i = 0; i < l.length; i++) {
      const v = r[i + 1];
      need += l.charCodeAt(i) === 110 ? 8 : 4 + (v instanceof Uint8Array ? v.length : 3 * String(v ?? '').length);
    }
  }
  if (need > buf.length) {
    buf = new Uint8Array(Math.max(need, buf.length * 2));
    view = new DataView(buf.buffer);
  }
  let at = 0;
  for (const r of list) {
    const l = layouts[r[0]];
    const start = at;
    buf[at] = r[0].charCodeAt(0);
    at += 5;
    for (let i = 0; i < l.length; i++) {
      const v = r[i + 1];
      if (l.charCodeAt(i) === 110) {
        view.setFloat64(at, Number(v) || 0, true);
        at += 8;
      } else if (v instanceof Uint8Array) {
        // Bytes an engine wrote (a segment it handed over): back as they are.
        view.setUint32(at, v.length, true);
        buf.set(v, at + 4);
        at += 4 + v.length;
      } else at = text(v == null ? '' : String(v), at);
    }
    view.setUint32(start + 1, at - start - 5, true);
  }
  return buf.subarray(0, at);
}

/** The text of UTF-8 `bytes` an engine wrote (`''` for none). */
export function utf8(bytes) {
  return bytes ? decoder.decode(bytes) : '';
}

/**
 * What an engine's start answered (`bytes`, read by `layouts`): its handle
 * (an `N` record, first), or the message `init` rejects with (`X`).
 */
export function opened(bytes, layouts) {
  let first = null;
  decode(bytes, layouts, (k, f) => { if (first === null && (k === 'N' || k === 'X')) first = f[0]; });
  return first;
}

/**
 * Calls `fn(kind, fields)` for each record of `bytes` whose kind `layouts`
 * knows and whose body matches its layout (numbers as numbers, text as
 * strings, a body as a view of `bytes`), in order; skips the rest.
 */
export function decode(bytes, layouts, fn) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 5 <= bytes.length) {
    const kind = String.fromCharCode(bytes[at]);
    const end = at + 5 + v.getUint32(at + 1, true);
    const l = layouts[kind];
    let p = at + 5;
    at = end;
    if (l === undefined || end > bytes.length) continue;
    const fields = [];
    for (let i = 0; i < l.length && p <= end; i++) {
      if (l.charCodeAt(i) === 110) {
        fields.push(p + 8 <= end ? v.getFloat64(p, true) : 0);
        p += 8;
      } else {
        const n = p + 4 <= end ? v.getUint32(p, true) : end;
        const raw = p + 4 + n <= end ? bytes.subarray(p + 4, p + 4 + n) : bytes.subarray(0, 0);
        fields.push(l.charCodeAt(i) === 98 ? raw : n ? decoder.decode(raw) : '');
        p += 4 + n;
      }
    }
    if (p === end) fn(kind, fields);
  }
}
