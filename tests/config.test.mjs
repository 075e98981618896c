// The edge's config validator (js/edge/config.js) against the one config
// schema (tests/fixtures/config-schema.json) for the tracker's part and the
// top level: every field takes its example and crosses as the schema says,
// an unset field crosses as its default, a wrong value is an error naming
// the field, the bounds are accepted, an unknown key is a warning (with a
// suggestion for a typo), and the records are those of
// tests/fixtures/config-records.json, which the host tests' codec writes too.
// The personalization module's sections are js/edge/personal.js's
// (tests/personal-config.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vm from 'node:vm';
import { readConfig } from '../js/edge/config.js';

const read = (f) => JSON.parse(fs.readFileSync(new URL(f, import.meta.url), 'utf8'));
const schema = read('./fixtures/config-schema.json').fields;
const spec = read('../src/engine/protocol.json');
const K = spec.tracker.in.find((r) => r.kind === 'K').fields.map((f) => f[0]);
const records = read('./fixtures/config-records.json');
const TOPS = new Set(K.map((p) => p.split('.')[0]));
const mine = (p) => TOPS.has(p.split('.')[0]);

/** A config with `value` at `path` (an endpoint beside it). */
function build(path, value) {
  const c = { endpoint: '/collect' };
  const parts = path.split('.');
  let at = c;
  for (const p of parts.slice(0, -1)) at = at[p] = at[p] && typeof at[p] === 'object' ? at[p] : {};
  at[parts.at(-1)] = value;
  return c;
}

/** The value K carries for `path`, in the schema's terms. */
function crossed(config, path) {
  const k = readConfig(config).records[0];
  const v = k[1 + K.indexOf(path)];
  const f = schema[path];
  if (f.type === 'boolean') return v === 1;
  if (f.type === 'enum') return f.values[v];
  if (path === 'writeKey') return v === '' ? null : v;
  return v;
}

function rejects(config, field) {
  assert.throws(() => readConfig(config), (e) => {
    assert.match(e.message, new RegExp('^invalid config: ' + field.replace('.', '\\.') + ' must be '), JSON.stringify(config));
    return true;
  });
}

test('the records are those of the shared fixture', () => {
  for (const c of records.cases) {
    const want = [...records.unset];
    for (const [name, v] of Object.entries(c.set)) want[K.indexOf(name)] = v;
    const got = readConfig(c.config);
    assert.deepEqual(got.records, [['K', ...want], ...(c.sensitive || []).map((t) => ['H', t])], JSON.stringify(c.config));
    assert.deepEqual(got.warnings, []);
  }
});

test('every field the tracker reads takes its example, crosses as given, and warns of nothing', () => {
  for (const path of K) {
    const f = schema[path];
    const config = build(path, f.example);
    const got = readConfig(config);
    assert.deepEqual(got.warnings, [], path);
    assert.deepEqual(crossed(config, path), f.example, path);
  }
});

test('an unset field crosses as the schema default (batch.maxRequestBytes: 0, no growth)', () => {
  for (const path of K.filter((p) => p !== 'endpoint')) {
    const want = path === 'batch.maxRequestBytes' ? 0 : schema[path].default === null ? null : schema[path].default;
    assert.deepEqual(crossed({ endpoint: '/collect' }, path), want, path);
    assert.deepEqual(crossed(build(path, undefined), path), want, path + ' undefined');
    assert.deepEqual(crossed(build(path, null), path), want, path + ' null');
  }
});

function wrong(f) {
  const bound = (b) => (typeof b === 'string' ? schema[b.split(' - ')[0]].default - Number(b.split(' - ')[1]) : b);
  const out = {
    boolean: ['yes', 1], integer: ['1s', (f.min || 0) + 1.5], enum: ['nope', true], string: [1, ['a']], object: [5, 'x', f.orFalse ? true : false],
  }[f.type] || [];
  if (f.type === 'integer') out.push(f.min - 1, bound(f.max) + 1);
  if (f.nonEmpty) out.push('');
  if (f.maxLength) out.push('x'.repeat(f.maxLength + 1));
  return out;
}

test('a wrong value is an error naming the field', () => {
  for (const [path, f] of Object.entries(schema)) {
    if (!mine(path) || f.readBy === 'edge') continue;
    for (const v of wrong(f)) rejects(build(path, v), path);
  }
  for (const v of [5, 'x', true, [], new Map()]) for (const s of ['profile', 'slots', 'journeys', 'journeyCaps', 'insights']) rejects({ endpoint: '/c', [s]: v }, s);
  for (const v of ['', [''], ['  '], [5], 5]) rejects({ endpoint: '/c', profile: { sensitive: v } }, 'profile.sensitive');
});

test('the bounds themselves are accepted', () => {
  for (const path of K) {
    const f = schema[path];
    if (f.type !== 'integer') continue;
    const max = typeof f.max === 'string' ? schema[f.max.split(' - ')[0]].default - 512 : f.max;
    for (const v of [f.min, max]) assert.equal(crossed(build(path, v), path), v, path);
  }
});

test('the messages say what the field needs and what it got', () => {
  const message = (c) => { try { readConfig(c); } catch (e) { return e.message; } return null; };
  assert.equal(message({ endpoint: 'ftp://x' }), "invalid config: endpoint must be an http(s) URL or a path starting with '/' (got \"ftp://x\")");
  assert.equal(message({ endpoint: '/c', consent: { mode: 'optin' } }), "invalid config: consent.mode must be 'opt-in' or 'opt-out' (got \"optin\")");
  assert.equal(message({ endpoint: '/c', batch: { maxEvents: 0 } }), 'invalid config: batch.maxEvents must be an integer from 1 to 1000 (got 0)');
  assert.equal(message({ endpoint: '/c', batch: { maxBytes: 8192, maxEventBytes: 8000 } }), 'invalid config: batch.maxEventBytes must be an integer from 256 to 7680 (got 8000)');
  assert.equal(message({ endpoint: () => 1 }), 'invalid config: endpoint must be a URL string (got a function)');
  assert.equal(message({}), "invalid config: endpoint must be set to the collector's URL (got nothing)");
  assert.equal(message('nope'), 'invalid config: config must be an object (got "nope")');
  assert.equal(message(null), 'invalid config: config must be an object (got null)');
  assert.equal(message(undefined), 'invalid config: config must be an object (got undefined)');
  assert.equal(message(new Map()), 'invalid config: config must be an object (got Map)');
  assert.equal(message({ endpoint: '/c', autotrack: { pageviews: 'false' } }), "invalid config: autotrack.pageviews must be 'history', 'load' or 'false' (got \"false\")");
  assert.equal(message({ endpoint: '/c', debug: NaN }), 'invalid config: debug must be true or false (got NaN)');
  assert.equal(message({ endpoint: '/c', consent: { bufferLimit: Infinity } }), 'invalid config: consent.bufferLimit must be an integer from 0 to 10000 (got an infinite number)');
  assert.equal(message({ endpoint: '/c', writeKey: 'x'.repeat(90) }), null);
  assert.equal(message({ endpoint: 'x'.repeat(100) }), `invalid config: endpoint must be an http(s) URL or a path starting with '/' (got "${'x'.repeat(80)}")`);
  const hostile = { endpoint: '/c', get batch() { throw new Error('no'); } };
  assert.equal(message(hostile), 'invalid config: batch must be an object (got unreadable (reading it threw))');
  assert.equal(message({ endpoint: '/c', autotrack: true }), 'invalid config: autotrack must be an object (got a boolean)');
  // A config from another realm (an iframe) is as plain as one of ours.
  assert.equal(message(vm.runInNewContext('({ endpoint: "/c", batch: { maxEvents: 5 } })')), null);
  assert.equal(message(Object.assign(Object.create(null), { endpoint: '/c' })), null);
});

test('endpoints: an absolute http(s) URL with a host, or a path on the page origin', () => {
  for (const ok of ['/collect', '/', 'http://127.0.0.1:8080/collect', 'https://c.example', 'https://c.example/ü']) assert.ok(readConfig({ endpoint: ok }), ok);
  for (const bad of ['ftp://x', '//evil.example/c', 'http://', 'https:///x', '/a b', '/a\tb', '/a\x7f', 'collect', '', 'javascript:alert(1)']) rejects({ endpoint: bad }, 'endpoint');
});

test('unknown keys warn, at the top and in the tracker sections, with a suggestion for a typo', () => {
  const { warnings } = readConfig({ endpoint: '/c', writekey: 'k', colour: 'red', batch: { maxEvent: 3 }, privacy: { userIdSalt: 's', salt: 1 } });
  assert.deepEqual(warnings, [
    'unknown config key writekey ignored (did you mean writeKey?)',
    'unknown config key colour ignored',
    'unknown config key batch.maxEvent ignored (did you mean batch.maxEvents?)',
    'unknown config key privacy.salt ignored',
  ]);
  for (const section of Object.keys(schema).filter((p) => !p.includes('.') && schema[p].type === 'object' && mine(p))) {
    const { warnings } = readConfig(build(section + '.zzUnknown', 1));
    assert.deepEqual(warnings, [`unknown config key ${section}.zzUnknown ignored`], section);
  }
  // Every section of the schema is known at the top (the personalization
  // module's included): only their insides are that module's to warn of.
  assert.deepEqual(readConfig({ endpoint: '/c', slots: {}, profile: {}, journeys: {}, journeyCaps: {}, insights: {}, model: '/m', recommendations: true }).warnings, []);
});

test('autotrack: false switches every part off, its durations kept', () => {
  const c = { endpoint: '/c', autotrack: false };
  for (const path of K.filter((p) => p.startsWith('autotrack.'))) {
    const f = schema[path];
    if (f.type === 'integer') assert.equal(crossed(c, path), f.default, path);
    else assert.equal(crossed(c, path), false, path);
  }
});
