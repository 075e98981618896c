// The functions of a wasm module with their names (from its name section)
// and code sizes, for the size report's per-module view.
//
// Why a file of its own: the reader is checked against the browser's own
// WebAssembly API by tests/size.test.mjs (import counts, export indices),
// so that bytes are credited to the function that has them. An earlier
// inline reader skipped one byte too few per import name (`i += leb()`
// reads `i` before `leb()` moves it), miscounted the imports, and so
// credited every function's bytes to its neighbour's name.

/**
 * Reads `bytes` (a wasm binary). Returns `{ imports, functions, exports,
 * dataBytes }`: the number of imported functions, each defined function
 * as `{ index, name, size }` (index in the function index space, size of
 * its body in bytes), exported functions as `{ name, index }`, and the
 * size of the data section.
 */
export function wasmFunctions(bytes) {
  const b = bytes;
  let i = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let x;
    do {
      x = b[i++];
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  };
  const skip = () => {
    const n = leb();
    i += n;
  };
  const text = () => {
    const n = leb();
    const t = Buffer.from(b.subarray(i, i + n)).toString();
    i += n;
    return t;
  };
  const limits = () => {
    const flags = leb();
    leb();
    if (flags & 1) leb();
  };
  const sections = [];
  while (i < b.length) {
    const id = b[i++];
    const len = leb();
    sections.push({ id, len, start: i });
    i += len;
  }
  let imports = 0;
  const importSection = sections.find((s) => s.id === 2);
  if (importSection) {
    i = importSection.start;
    for (let n = leb(), k = 0; k < n; k++) {
      skip(); // module
      skip(); // field
      const kind = b[i++];
      if (kind === 0) {
        leb();
        imports++;
      } else if (kind === 1) {
        i++; // reference type
        limits();
      } else if (kind === 2) {
        limits();
      } else if (kind === 3) {
        i += 2; // value type, mutability
      } else if (kind === 4) {
        i++;
        leb(); // a tag's attribute and type
      }
    }
  }
  const names = new Map();
  for (const s of sections.filter((x) => x.id === 0)) {
    i = s.start;
    if (text() !== 'name') continue;
    while (i < s.start + s.len) {
      const sub = b[i++];
      const len = leb();
      const end = i + len;
      if (sub === 1) {
        for (let n = leb(), k = 0; k < n; k++) {
          const index = leb();
          names.set(index, text());
        }
      }
      i = end;
    }
  }
  const exports = [];
  const exportSection = sections.find((s) => s.id === 7);
  if (exportSection) {
    i = exportSection.start;
    for (let n = leb(), k = 0; k < n; k++) {
      const name = text();
      const kind = b[i++];
      const index = leb();
      if (kind === 0) exports.push({ name, index });
    }
  }
  const functions = [];
  const code = sections.find((s) => s.id === 10);
  if (code) {
    i = code.start;
    for (let n = leb(), k = 0; k < n; k++) {
      const size = leb();
      i += size;
      const index = imports + k;
      functions.push({ index, name: names.get(index) || '', size });
    }
  }
  const data = sections.find((s) => s.id === 11);
  return { imports, functions, exports, dataBytes: data ? data.len : 0 };
}
