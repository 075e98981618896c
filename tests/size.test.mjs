// The size report credits each function's bytes to that function: the
// wasm reader behind its per-module view (tools/wasm-functions.mjs) is
// checked against WebAssembly's own reading of a module built here, and of
// the shipped modules when a build is at hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { wasmFunctions } from '../tools/wasm-functions.mjs';

const u = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const str = (s) => [...u(Buffer.byteLength(s)), ...Buffer.from(s)];
const section = (id, body) => [id, ...u(body.length), ...body];
const vec = (items) => [...u(items.length), ...items.flat()];

/** A module with two imported functions (names of different lengths) and two of its own, of different sizes. */
function module() {
  const type = section(1, vec([[0x60, 0, 0]]));
  const imports = section(2, vec([[...str('env'), ...str('a'), 0, 0], [...str('environment'), ...str('a_longer_import_name'), 0, 0]]));
  const funcs = section(3, vec([[0], [0]]));
  const exports = section(7, vec([[...str('second'), 0, 3]]));
  const small = [0, 0x0b]; // no locals, end
  const big = [0, ...Array(40).fill(0x01), 0x0b]; // 40 nops
  const code = section(10, vec([[...u(small.length), ...small], [...u(big.length), ...big]]));
  const names = section(0, [...str('name'), 1, ...u(vec([[0, ...str('imp_a')], [1, ...str('imp_b')], [2, ...str('first')], [3, ...str('second')]]).length),
    ...vec([[0, ...str('imp_a')], [1, ...str('imp_b')], [2, ...str('first')], [3, ...str('second')]])]);
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imports, ...funcs, ...exports, ...code, ...names]);
}

test('each function is credited with its own bytes, however long the import names', () => {
  const bytes = module();
  const m = new WebAssembly.Module(bytes); // WebAssembly reads it the same way
  assert.equal(WebAssembly.Module.imports(m).length, 2);
  const r = wasmFunctions(bytes);
  assert.equal(r.imports, 2);
  assert.deepEqual(r.functions, [{ index: 2, name: 'first', size: 2 }, { index: 3, name: 'second', size: 42 }]);
  assert.deepEqual(r.exports, [{ name: 'second', index: 3 }]);
});

test('the shipped modules read as WebAssembly reads them (when a build is at hand)', (t) => {
  const files = ['kizuna', 'personalize', 'engage'].map((n) => `target/size/${n}.named.wasm`).filter((f) => fs.existsSync(f));
  if (!files.length) return t.skip('no build in target/size (tools/build.sh)');
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    const m = new WebAssembly.Module(bytes);
    const r = wasmFunctions(bytes);
    assert.equal(r.imports, WebAssembly.Module.imports(m).filter((x) => x.kind === 'function').length, `${f}: imported functions`);
    const exported = WebAssembly.Module.exports(m).filter((x) => x.kind === 'function').map((x) => x.name).sort();
    assert.deepEqual(r.exports.map((x) => x.name).sort(), exported, `${f}: exported functions`);
    // An exported function's entry in the name section starts with the
    // export's own name (wasm-bindgen names them so, `run multivalue shim`
    // for a shim): an index off by one would not. (An import exported as it
    // is has no body here.)
    const byIndex = new Map(r.functions.map((x) => [x.index, x]));
    for (const e of r.exports.filter((x) => x.index >= r.imports)) assert.ok(byIndex.get(e.index)?.name.startsWith(e.name), `${f}: function ${e.index} is ${e.name}, named ${byIndex.get(e.index)?.name}`);
    const total = r.functions.reduce((s, x) => s + x.size, 0);
    assert.ok(total > 0.5 * bytes.length && total < bytes.length, `${f}: code ${total} of ${bytes.length} bytes`);
  }
});
