// The edge's codec of the edge protocol held to its one description
// (src/engine/protocol.json): its tables are generated from it and up to
// date, it writes the golden bytes the engines' writer writes
// (tests/fixtures/protocol.json, also read by tests/protocol.rs), and text
// holding anything, separators included, stays one field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { generate, OUTPUTS } from '../tools/protocol.mjs';
import { decode, encode, utf8 } from '../js/edge/protocol.js';
import * as TABLES from '../js/edge/records.js';

const spec = JSON.parse(fs.readFileSync(new URL('../src/engine/protocol.json', import.meta.url), 'utf8'));
const golden = JSON.parse(fs.readFileSync(new URL('./fixtures/protocol.json', import.meta.url), 'utf8'));
const table = (name) => TABLES[name.replace('.', '_').replace('tracker', 'TRACKER').replace('personalizer', 'PERSONALIZER').replace('_in', '_IN').replace('_out', '_OUT')];
const hex = (b) => Buffer.from(b).toString('hex');

test('js/edge/records.js is what tools/protocol.mjs generates from the description', () => {
  assert.equal(fs.readFileSync(OUTPUTS.js, 'utf8'), generate(spec).js, 'run node tools/protocol.mjs');
});

test('the codec writes the golden bytes and reads them back', () => {
  for (const c of golden.records) {
    const t = table(c.table);
    assert.equal(hex(encode([[c.kind, ...c.fields]], t)), c.hex, `${c.table} ${c.kind}`);
    const got = [];
    // A body (type b) comes back as bytes, the rest as written.
    decode(Buffer.from(c.hex, 'hex'), t, (k, f) => got.push([k, ...f.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : x))]));
    assert.deepEqual(got, [[c.kind, ...c.fields]]);
  }
});

test('text holding separators, forged records and any character stays one field', () => {
  const t = TABLES.TRACKER_OUT;
  const hostile = '\x1eP9\x1f1\x1fhttps://evil.example/c\x1fx\x1e\x00\ud800é😀'.repeat(50);
  const got = [];
  decode(encode([['L', 'w', hostile], ['W', 5]], t), t, (k, f) => got.push([k, ...f]));
  assert.deepEqual(got, [['L', 'w', hostile.replace('\ud800', '\ufffd').replaceAll('\ud800', '\ufffd')], ['W', 5]]);
});

test('a record cut short, of an unknown kind or of the wrong layout is skipped', () => {
  const t = TABLES.TRACKER_OUT;
  const whole = encode([['W', 5], ['?', ''], ['Y', 1]], { ...t, '?': 's' }).slice();
  const kinds = [];
  decode(whole, t, (k) => kinds.push(k));
  assert.deepEqual(kinds, ['W', 'Y'], 'the unknown kind is skipped by its length');
  for (let cut = 0; cut < whole.length; cut++) {
    const seen = [];
    decode(whole.subarray(0, cut), t, (k) => seen.push(k));
    assert.ok(seen.length <= 2 && seen.every((k) => k === 'W' || k === 'Y'), `cut at ${cut}: ${seen}`);
  }
  const wrong = encode([['W', 'text, not a number']], { W: 's' }).slice();
  decode(wrong, t, () => assert.fail('a W whose body is not one number is skipped'));
});

test('a body (type b) is handed over as the bytes the engine wrote, never decoded', () => {
  const body = '{"batch":[{"event":"日本 \u001e"}]}';
  const got = [];
  decode(encode([['P', 3, 1, '/c', body]], TABLES.TRACKER_OUT), TABLES.TRACKER_OUT, (k, f) => got.push(f));
  assert.ok(got[0][3] instanceof Uint8Array);
  assert.equal(new TextDecoder().decode(got[0][3]), body);
  assert.deepEqual(got[0].slice(0, 3), [3, 1, '/c']);
});

test('a kept segment crosses back as the bytes it came as, and is text only for storage', () => {
  const text = '1\u001ft\u001f{"name":"日本 \u001e"}\u001d2\u001fp\u001f{}';
  let kept = null;
  decode(encode([['k', 4, text]], TABLES.TRACKER_OUT), TABLES.TRACKER_OUT, (k, f) => { kept = f[1].slice(); });
  assert.ok(kept instanceof Uint8Array);
  assert.equal(utf8(kept), text);
  // Given back: the same bytes as text would have been written, both ways.
  const back = encode([['s', 4, kept], ['s', 5, new Uint8Array(0)]], TABLES.TRACKER_IN).slice();
  assert.equal(hex(back), hex(encode([['s', 4, text], ['s', 5, '']], TABLES.TRACKER_IN)));
  assert.equal(utf8(new Uint8Array(0)), '');
  assert.equal(utf8(undefined), '');
});

test('every kind of the description has its layout in the tables, both engines, both ways', () => {
  for (const [engine, name] of [['tracker', 'TRACKER'], ['personalizer', 'PERSONALIZER']]) {
    for (const way of ['in', 'out']) {
      const t = TABLES[`${name}_${way.toUpperCase()}`];
      for (const r of spec[engine][way]) assert.equal(t[r.kind], r.fields.map((f) => f[1]).join(''), `${engine}.${way} ${r.kind}`);
      assert.equal(Object.keys(t).length, spec[engine][way].length);
    }
  }
});
