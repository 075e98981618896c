// The edge's call checker (js/edge/call.js) on real JavaScript values: what
// each call records (name, id, clean properties, message id, category),
// what JSON cannot hold left out and named by its path in one warning, and
// each call that cannot be recorded dropped with one error. The engine
// records what passes (tests/engine_*.rs drive it with the same record).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { checkCall } from '../js/edge/call.js';

/** `checkCall`, with what it said on the console. */
function check(kind, a, b, c, budget = 65536) {
  const said = [];
  const [error, warn] = [console.error, console.warn];
  console.error = (m) => said.push(['error', m]);
  console.warn = (m) => said.push(['warn', m]);
  try {
    return { record: checkCall(kind, a, b, c, budget), said };
  } finally {
    [console.error, console.warn] = [error, warn];
  }
}

const dropped = (kind, a, b, c) => {
  const { record, said } = check(kind, a, b, c);
  assert.equal(record, null, `${kind} ${String(a)}: dropped`);
  assert.equal(said.length, 1);
  assert.equal(said[0][0], 'error');
  return said[0][1].replace(/^\[kizuna\] /, '');
};
const warned = (kind, a, b, c) => {
  const { record, said } = check(kind, a, b, c);
  assert.ok(record, 'recorded');
  assert.deepEqual(said.map((s) => s[0]), ['warn']);
  return [record, said[0][1].replace(/^\[kizuna\] /, '')];
};

test('plain values are kept, in their order, without a word', () => {
  const { record, said } = check('track', 'Viewed', { sku: 'A1', price: 19.9, ok: true, none: null, tags: ['x'], when: new Date(0) });
  assert.deepEqual(record, ['"Viewed"', '', '{"sku":"A1","price":19.9,"ok":true,"none":null,"tags":["x"],"when":"1970-01-01T00:00:00.000Z"}', '', 1]);
  assert.deepEqual(said, []);
  assert.deepEqual(check('track', 'X', undefined).record, ['"X"', '', '{}', '', 1]);
  assert.deepEqual(check('track', 'X', null).record, ['"X"', '', '{}', '', 1]);
});

test('every kind of value JSON cannot hold is left out and named by its path', () => {
  const cyclic = { ok: true };
  cyclic.self = cyclic;
  let deep = {};
  const root = deep;
  for (let i = 0; i < 20; i++) deep = deep.d = {};
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const [record, warning] = warned('track', 'Bad', {
    f() {}, s: Symbol('s'), b: 10n, u: undefined, n: NaN, i: -Infinity, m: new Map(), nested: { self: cyclic, ok: 1 }, list: [1, () => 1, undefined],
    bad: new Date(NaN), get get() { throw new Error('no'); }, proxy, root, thing: new (class Thing {})(),
  });
  // Sixteen levels at most, the properties object counted (as capture.js's describe).
  assert.equal(record[2], '{"nested":{"self":{"ok":true},"ok":1},"list":[1,null,null],"root":' + '{"d":'.repeat(14) + '{}' + '}'.repeat(14) + '}');
  assert.equal(warning, "track('Bad'): properties.f is a function, properties.s is a symbol, properties.b is a BigInt, properties.n is NaN, " +
    'properties.i is an infinite number, properties.m is a Map, not a plain object, properties.nested.self.self is a circular reference, ' +
    'properties.list[1] is a function, properties.bad is an invalid Date, properties.get is unreadable (reading it threw), ' +
    'properties.proxy is unreadable (reading it threw), properties.root' + '.d'.repeat(15) + ' is nested too deeply, ' +
    'properties.thing is a Thing, not a plain object; those values were left out and the event was sent');
  JSON.parse(record[2]);
});

test('an object from another realm (an iframe) is as plain as one of ours', () => {
  const { record, said } = check('track', 'X', vm.runInNewContext('({ a: 1, b: [new Date(0)] })'));
  assert.equal(record[2], '{"a":1,"b":["1970-01-01T00:00:00.000Z"]}');
  assert.deepEqual(said, []);
});

test('bad names drop the call with one error', () => {
  for (const [a, want] of [
    [undefined, 'track(): the event name is missing; event dropped'],
    [3, 'track(): the event name must be a string, got a number; event dropped'],
    ['   ', "track('   '): the event name is empty; event dropped"],
    [() => 1, 'track(): the event name must be a string, got a function; event dropped'],
    [{}, 'track(): the event name must be a string, got an object; event dropped'],
    [null, 'track(): the event name must be a string, got null; event dropped'],
  ]) assert.equal(dropped('track', a), want);
  assert.match(dropped('track', 'é'.repeat(256)), /^track\('é{60}'\): the event name is longer than 255 characters; event dropped$/);
  assert.ok(check('track', 'é'.repeat(255)).record, '255 characters are fine');
  assert.ok(check('track', '😀'.repeat(255)).record, 'characters, not UTF-16 units');
  assert.equal(dropped('page', 1), 'page(): the page name must be a string, got a number; event dropped');
  assert.equal(dropped('page', ' '), "page(' '): the page name is empty; event dropped");
});

test('properties that are not a plain object are sent without them', () => {
  for (const [props, got] of [['a string', 'a string'], [[], 'an array'], [new Map(), 'Map'], [new Date(0), 'a string'], [5, 'a number']]) {
    const [record, warning] = warned('track', 'X', props);
    assert.equal(record[2], '{}');
    assert.equal(warning, `track('X'): properties must be a plain object, got ${got} (sent without them); those values were left out and the event was sent`);
  }
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.match(warned('track', 'X', proxy)[1], /got unreadable \(reading it threw\)/);
});

test('properties too large to hold drop the call before walking them all', () => {
  const t0 = Date.now();
  assert.equal(dropped('track', 'Endless', { a: new Array(1e9) }), "track('Endless'): the properties are too large: the event would be over the limit of its size; event dropped");
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(dropped('group', 'acme', { s: 'x'.repeat(70000) }), 'group(): the properties are too large: the event would be over the limit of its size; event dropped');
  assert.ok(check('track', 'Fits', { s: 'x'.repeat(30000) }).record);
});

test('options set the message id and the category; the rest is named', () => {
  assert.deepEqual(check('track', 'X', {}, { messageId: 'm-1', category: 'marketing' }).record, ['"X"', '', '{}', 'm-1', 3]);
  const [record, warning] = warned('track', 'X', {}, { messageId: 'has space', category: 'ads', colour: 1, skipped: undefined });
  assert.deepEqual(record, ['"X"', '', '{}', '', 1]);
  assert.equal(warning, "track('X'): options.messageId must be 1-128 printable characters without spaces, options.category must be 'necessary', " +
    "'analytics', 'personalization' or 'marketing' (analytics used), options.colour is not a known option; those values were left out and the event was sent");
  assert.equal(warned('track', 'X', {}, 'fast')[1], "track('X'): options must be a plain object, got a string; those values were left out and the event was sent");
  assert.equal(warned('track', 'X', { f() {} }, { categry: 'x' })[1],
    "track('X'): properties.f is a function, options.categry is not a known option; those values were left out and the event was sent");
});

test('page and identify take their arguments either way', () => {
  assert.deepEqual(check('page', { a: 1 }, { category: 'necessary' }).record, ['', '', '{"a":1}', '', 0]);
  assert.deepEqual(check('page', 'Home').record, ['"Home"', '', '{}', '', 1]);
  assert.deepEqual(check('page', null, { a: 1 }).record, ['', '', '{"a":1}', '', 1]);
  assert.deepEqual(check('page').record, ['', '', '{}', '', 1]);
  const [record, warning] = warned('identify', 'user-42', { plan: 'pro', f() {} });
  assert.deepEqual(record, ['', 'user-42', '{"plan":"pro"}', '', 1]);
  assert.equal(warning, 'identify(): traits.f is a function; those values were left out and the event was sent');
  assert.deepEqual(check('identify', 42).record, ['', '42', '{}', '', 1]);
  assert.deepEqual(check('identify', { plan: 'x' }).record, ['', '', '{"plan":"x"}', '', 1]);
  assert.equal(dropped('identify', true), 'identify(): the user id must be a string, got a boolean; event dropped');
  assert.equal(dropped('identify', ''), 'identify(): the user id must be a non-empty string of at most 255 characters; event dropped');
  assert.equal(dropped('identify', 'u', 'traits?'), 'identify(): traits must be a plain object, got a string; event dropped');
  assert.equal(dropped('identify', 'u', [1]), 'identify(): traits must be a plain object, got an array; event dropped');
});

test('group takes an id like identify, and traits', () => {
  assert.deepEqual(check('group', 'acme', { plan: 'team' }, { messageId: 'g-1' }).record, ['"acme"', '', '{"plan":"team"}', 'g-1', 1]);
  assert.deepEqual(check('group', 42).record, ['"42"', '', '{}', '', 1]);
  assert.deepEqual(check('group', { seats: 5 }, { category: 'marketing' }).record, ['', '', '{"seats":5}', '', 3], 'traits only: the kept group');
  assert.deepEqual(check('group').record, ['', '', '{}', '', 1]);
  for (const [a, b, want] of [
    [true, undefined, 'group(): the group id must be a string, got a boolean; event dropped'],
    [[1], undefined, 'group(): the group id must be a string, got an array; event dropped'],
    [() => 1, undefined, 'group(): the group id must be a string, got a function; event dropped'],
    [1.5, undefined, 'group(): the group id must be a string, got a number that is not a whole number; event dropped'],
    ['', undefined, 'group(): the group id must be a non-empty string of at most 255 characters; event dropped'],
    [' ', undefined, 'group(): the group id must be a non-empty string of at most 255 characters; event dropped'],
    ['é'.repeat(256), undefined, 'group(): the group id must be a non-empty string of at most 255 characters; event dropped'],
    ['acme', [1], 'group(): traits must be a plain object, got an array; event dropped'],
    ['acme', 't', 'group(): traits must be a plain object, got a string; event dropped'],
    ['acme', new Map(), 'group(): traits must be a plain object, got Map; event dropped'],
  ]) assert.equal(dropped('group', a, b), want);
});

test('alias takes the new user id and a previous id', () => {
  assert.deepEqual(check('alias', 'new', 'old', { messageId: 'a-1' }).record, ['"old"', 'new', '{}', 'a-1', 1]);
  assert.deepEqual(check('alias', 7).record, ['', '7', '{}', '', 1], 'no previous id: the tracker decides');
  assert.deepEqual(check('alias', 'new', null, { category: 'necessary' }).record, ['', 'new', '{}', '', 0]);
  assert.deepEqual(check('alias', 'new', { messageId: 'a-2' }).record, ['', 'new', '{}', 'a-2', 1], 'alias(userId, options)');
  assert.equal(warned('alias', 'new', 'old', { colour: 1 })[1], 'alias(): options.colour is not a known option; those values were left out and the event was sent');
  for (const [a, b, want] of [
    [undefined, undefined, 'alias(): the user id is missing; event dropped'],
    [null, 'old', 'alias(): the user id is missing; event dropped'],
    [{}, undefined, 'alias(): the user id must be a string, got an object; event dropped'],
    [true, undefined, 'alias(): the user id must be a string, got a boolean; event dropped'],
    [1e300, undefined, 'alias(): the user id must be a string, got a number that is not a whole number; event dropped'],
    ['', undefined, 'alias(): the user id must be a non-empty string of at most 255 characters; event dropped'],
    ['x'.repeat(256), undefined, 'alias(): the user id must be a non-empty string of at most 255 characters; event dropped'],
    ['new', false, 'alias(): the previous id must be a string, got a boolean; event dropped'],
    ['new', [], 'alias(): the previous id must be a string, got an array; event dropped'],
    ['new', '  ', 'alias(): the previous id must be a non-empty string of at most 255 characters; event dropped'],
  ]) assert.equal(dropped('alias', a, b), want);
});

test('a hostile argument never throws out of the checker', () => {
  const hostile = new Proxy({}, { ownKeys() { throw new Error('no'); }, getPrototypeOf() { throw new Error('no'); } });
  for (const kind of ['track', 'page', 'identify', 'group', 'alias']) {
    for (const args of [[hostile], ['x', hostile], ['x', {}, hostile], [Symbol('s'), hostile, hostile]]) {
      assert.doesNotThrow(() => check(kind, ...args), `${kind} ${args.length}`);
    }
  }
});

test('what a value is, in messages', async () => {
  const { typeName } = await import('../js/edge/call.js');
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const [v, want] of [[undefined, 'undefined'], [null, 'null'], [true, 'a boolean'], [1, 'a number'], [NaN, 'NaN'], [Infinity, 'an infinite number'],
    ['s', 'a string'], [1n, 'a BigInt'], [Symbol('s'), 'a symbol'], [() => 1, 'a function'], [[], 'an array'], [{}, 'an object'],
    [new Map(), 'Map'], [new Date(0), 'a string'], [new Date(NaN), 'an invalid Date'], [proxy, 'unreadable (reading it threw)'],
    [Object.create(Object.create(null)), 'class instance']]) assert.equal(typeName(v), want, String(want));
});
