// The personalization edge's config validator (js/edge/personal.js) against
// the one config schema (tests/fixtures/config-schema.json), for the
// sections the personalization module reads: every field takes its example
// and crosses as the schema says (by the field names of its records in
// src/engine/protocol.json), an unset field crosses as its default, a wrong
// value is an error naming the field, the bounds are accepted, an unknown
// key is a warning in every section, a missing required field is an error;
// and the records are those of tests/fixtures/config-records.json
// (`personal`), which the host tests' codec writes too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vm from 'node:vm';
import { readPersonal, safeLink, topicName } from '../js/edge/personal.js';
import { PERSONAL_SCHEMA } from '../js/edge/records.js';

const read = (f) => JSON.parse(fs.readFileSync(new URL(f, import.meta.url), 'utf8'));
const schema = read('./fixtures/config-schema.json').fields;
const spec = read('../src/engine/protocol.json');
const fixture = read('./fixtures/config-records.json');
// Each config record's field names, by kind.
const RECORDS = Object.fromEntries(spec.personalizer.in.filter((r) => 'PHIYZtfJ'.includes(r.kind)).map((r) => [r.kind, r.fields.map((f) => f[0])]));
const PATHS = Object.keys(PERSONAL_SCHEMA);
const concrete = (p) => p.replace('<slot>', 'hero').replace('<id>', 'a').replace('<name>', 'j');
const isLeaf = (f) => !['object', 'map'].includes(f.type);
const required = (f) => f.required || typeof f.requiredUnless === 'string';

/** A config with `value` at `path` (only its parents when undefined), and the fields required beside it. */
function build(path, value) {
  const c = {};
  const put = (p, v) => {
    const parts = concrete(p).split('.');
    let at = c;
    for (const k of parts.slice(0, -1)) at = at[k] = at[k] && typeof at[k] === 'object' ? at[k] : {};
    if (v !== undefined) at[parts.at(-1)] = v;
  };
  for (const p of PATHS) {
    const parent = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '';
    if (required(schema[p]) && p !== path && (path === parent || path.startsWith(parent + '.'))) put(p, schema[p].example);
  }
  put(path, value);
  return c;
}

/** What crosses for `path` in `config`, back in the schema's terms. */
function crossed(config, path) {
  const { records } = readPersonal(config);
  const f = schema[path];
  const kind = Object.keys(RECORDS).find((k) => RECORDS[k].includes(path));
  assert.ok(kind, `${path} crosses in no record`);
  const values = records.filter((r) => r[0] === kind).map((r) => r.slice(1));
  const i = RECORDS[kind].indexOf(path);
  if (f.type === 'topics') return values.map((v) => v[0]);
  if (f.type === 'shares') return Object.fromEntries(values.map((v) => [v[0], v[1]]));
  assert.equal(values.length, 1, `${path}: one ${kind} record`);
  const v = values[0][i];
  const noDefault = f.default === null || f.default === undefined;
  switch (f.type) {
    case 'boolean': return v === 1;
    case 'enum': return noDefault ? (v ? f.values[v - 1] : null) : f.values[v];
    case 'enums': return f.values.filter((_, b) => v & (1 << b));
    case 'string': return v === '' ? null : v;
    default: return path.endsWith('.prior') && v === 0 ? f.default : v;
  }
}

// An enums field is a set: it crosses as a bitmask, in the schema's order.
const inOrder = (f, v) => (f.type === 'enums' ? f.values.filter((x) => [].concat(v).includes(x)) : f.type === 'topics' ? [].concat(v) : v);

function rejects(config, field) {
  assert.throws(() => readPersonal(config), (e) => {
    assert.match(e.message, new RegExp('^invalid config: ' + field.replace(/[.<>]/g, '\\$&') + '(\\.\\S+)? must be '), JSON.stringify(config));
    return true;
  });
}

test('the records are those of the shared fixture', () => {
  for (const c of fixture.personal) {
    const got = readPersonal(c.config);
    assert.deepEqual(got.records, c.records, JSON.stringify(c.config));
    assert.deepEqual(got.warnings, []);
  }
});

test('every field takes its example, crosses as given, and warns of nothing', () => {
  for (const path of PATHS) {
    const f = schema[path];
    const config = build(path, f.example);
    const got = readPersonal(config);
    assert.deepEqual(got.warnings, [], path);
    if (path === 'model') assert.equal(got.model, f.example);
    else if (isLeaf(f) && path !== 'debug') assert.deepEqual(crossed(config, path), inOrder(f, f.example), path);
  }
});

test('an unset field crosses as the schema default', () => {
  for (const path of PATHS.filter((p) => isLeaf(schema[p]) && 'default' in schema[p] && p !== 'model')) {
    const f = schema[path];
    for (const config of [build(path, undefined), build(path, null)]) {
      assert.deepEqual(crossed(config, path), f.default, path);
    }
  }
  assert.equal(readPersonal({}).model, '');
});

function wrong(f) {
  const out = {
    boolean: ['yes', 1], integer: ['1s', (f.min || 0) + 1.5], number: ['1', true, NaN, Infinity], enum: ['nope', true],
    enums: ['nope', ['nope'], 3], string: [1, ['a']], topics: [5, [5], '', ['  '], 'x'.repeat(41)], object: [5, false, 'x', []], map: [5, false, 'x', []],
    shares: [5, { shoes: 2 }, { shoes: 'x' }, { '': 0.5 }],
  }[f.type];
  const step = f.type === 'integer' ? 1 : 0.01;
  if ('min' in f) out.push(f.exclusive ? f.min : f.min - step);
  if ('max' in f) out.push(f.exclusive ? f.max : f.max + step);
  if (f.nonEmpty) out.push('');
  if (f.maxLength) out.push('x'.repeat(f.maxLength + 1));
  if (f.link) out.push('//evil.example/x', 'javascript:alert(1)');
  return out;
}

test('a wrong value is an error naming the field', () => {
  for (const path of PATHS) {
    for (const v of wrong(schema[path])) rejects(build(path, v), concrete(path));
  }
});

test('the bounds themselves are accepted', () => {
  for (const path of PATHS.filter((p) => 'min' in schema[p])) {
    const f = schema[path];
    const values = f.exclusive ? [f.min + 0.01, f.max - 0.01] : [f.min, f.max];
    if (f.type === 'number') values.push((f.min + f.max) / 2 + 0.25);
    for (const v of values) assert.ok(readPersonal(build(path, f.type === 'shares' ? { shoes: v } : v)), `${path}: ${v}`);
  }
});

test('an unknown key warns in every section, with a suggestion for a typo', () => {
  for (const section of PATHS.filter((p) => schema[p].type === 'object')) {
    const { warnings } = readPersonal(build(section + '.zzUnknown', 1));
    assert.deepEqual(warnings, [`unknown config key ${concrete(section)}.zzUnknown ignored`], section);
  }
  const { warnings } = readPersonal({ slots: { hero: { holdot: 0.1, variants: { a: { prio: 0.1, rules: { segmnet: 'new' } } } } }, profile: { halfLife: 3 } });
  assert.deepEqual(warnings, [
    'unknown config key profile.halfLife ignored (did you mean profile.halfLifeDays?)',
    'unknown config key slots.hero.holdot ignored (did you mean slots.hero.holdout?)',
    'unknown config key slots.hero.variants.a.prio ignored (did you mean slots.hero.variants.a.prior?)',
    'unknown config key slots.hero.variants.a.rules.segmnet ignored (did you mean slots.hero.variants.a.rules.segment?)',
  ]);
  // The tracker's sections and the top level are the tracker's edge's to warn of.
  assert.deepEqual(readPersonal({ endpoint: '/c', batch: { zz: 1 }, zz: 1 }).warnings, []);
});

test('a missing required field is an error naming it; a survey needs no message', () => {
  for (const path of PATHS.filter((p) => required(schema[p]))) {
    const config = build(path, undefined);
    rejects(config, concrete(path));
    const unless = schema[path].requiredUnless;
    if (unless) {
      const parent = concrete(path.slice(0, path.lastIndexOf('.'))).split('.').reduce((at, k) => at[k], config);
      parent[unless] = true;
      const j = readPersonal(config).records.find((r) => r[0] === 'J');
      assert.equal(j[3], 'How likely are you to recommend us to a friend or colleague?');
    }
  }
});

test('the messages say what the field needs and what it got', () => {
  const message = (c) => { try { readPersonal(c); } catch (e) { return e.message; } return null; };
  assert.equal(message({ slots: { hero: { holdout: 2 } } }), 'invalid config: slots.hero.holdout must be a number from 0 to 1 (got 2)');
  assert.equal(message({ slots: { hero: { variants: { a: { prior: 0 } } } } }), 'invalid config: slots.hero.variants.a.prior must be a number greater than 0 and less than 1 (got 0)');
  assert.equal(message({ slots: { hero: { variants: { a: { rules: { segment: 'vip' } } } } } }),
    "invalid config: slots.hero.variants.a.rules.segment must be 'new', 'returning', 'engaged', 'loyal' or 'dormant', or a list of them (got \"vip\")");
  assert.equal(message({ slots: { hero: { variants: { a: { rules: { minAffinity: { x: 3 } } } } } } }), 'invalid config: slots.hero.variants.a.rules.minAffinity.x must be a share from 0 to 1 (got 3)');
  assert.equal(message({ journeys: { j: { on: 'order', message: 'm', link: '/\\evil.example' } } }),
    "invalid config: journeys.j.link must be a path on this site ('/…') or an http(s) URL (got \"/\\evil.example\")");
  assert.equal(message({ journeys: { j: { message: 'm' } } }),
    "invalid config: journeys.j.on must be 'cart-abandoned', 'dormant-return', 'first-purchase', 'order', 'nth-session' or 'exit-intent' (got nothing)");
  assert.equal(message({ profile: { sensitive: [' '] } }), 'invalid config: profile.sensitive must be topic names (1 to 40 characters each) (got " ")');
  assert.equal(message({ slots: [] }), 'invalid config: slots must be an object (got an array)');
  assert.equal(message({ get slots() { throw new Error('no'); } }), 'invalid config: slots must be an object (got unreadable (reading it threw))');
  // A list that throws as it is walked is named as the config.
  const trap = new Proxy([], { get(t, k) { if (k === 'length') throw new Error('no'); return Reflect.get(t, k); } });
  assert.match(message({ slots: { hero: { variants: { a: { tags: trap } } } } }), /^invalid config: .* must be /);
  // A list too long to be one is refused at once, not walked.
  assert.equal(message({ slots: { hero: { variants: { a: { tags: new Array(1e9) } } } } }),
    'invalid config: slots.hero.variants.a.tags must be a list of at most 1000 (got an array)');
  // A config from another realm (an iframe) is as plain as one of ours.
  assert.equal(message(vm.runInNewContext('({ slots: { hero: { holdout: 0.5, variants: { a: { tags: ["x"] } } } } })')), null);
});

test('topic names and links', () => {
  assert.equal(topicName('  Trail Shoes\t'), 'trail shoes');
  assert.equal(topicName('ÉTÉ'), 'ÉtÉ', 'only ASCII letters are lowered, as the engines do');
  for (const bad of ['', ' ', '\n', 'x'.repeat(41), 'é'.repeat(21), 5, null]) assert.equal(topicName(bad), null, String(bad));
  assert.equal(topicName('é'.repeat(20)), 'é'.repeat(20));
  for (const good of ['/', '/cart', '/p?x=1#y', 'https://shop.example/sale', 'http://localhost:8080/x', '/ü']) assert.ok(safeLink(good), good);
  for (const bad of ['//evil.example/phish', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'javascript:alert(1)', 'data:text/html,x',
    'evil.example', 'https://', 'https:///evil', '/ x', 'ftp://x', '', 'http:/\\x']) assert.ok(!safeLink(bad), JSON.stringify(bad));
});
