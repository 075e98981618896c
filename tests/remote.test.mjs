// The remote document at the edge (js/edge/remote.js): the page's config
// laid over the remote one field by field, what a model document gives the
// engine, and the stored form (tests/fixtures/stored-formats.json `remote`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { learned, overlay, readRemote } from '../js/edge/remote.js';

const FIXTURE = JSON.parse(fs.readFileSync(new URL('./fixtures/stored-formats.json', import.meta.url), 'utf8')).remote;

test('the page\'s config wins field by field; the remote fills in the rest', () => {
  const remote = {
    slots: { hero: { holdout: 0.1, variants: { spring: { prior: 0.08, tags: ['sale'] }, summer: {} } } },
    journeys: { thanks: { on: 'order', message: 'Thanks!' } },
  };
  const inline = { endpoint: '/collect', slots: { hero: { variants: { spring: { prior: 0.2 } } } }, journeys: { thanks: { message: 'Merci !' } } };
  assert.deepEqual(overlay(remote, inline), {
    endpoint: '/collect',
    slots: { hero: { holdout: 0.1, variants: { spring: { prior: 0.2, tags: ['sale'] }, summer: {} } } },
    journeys: { thanks: { on: 'order', message: 'Merci !' } },
  });
  // A list is a value: the page's replaces the remote's whole.
  assert.deepEqual(overlay({ insights: { topics: ['a', 'b'] } }, { insights: { topics: ['c'] } }), { insights: { topics: ['c'] } });
  // Nothing of the remote's is changed, and no key reaches a prototype.
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "slots": {}}');
  const out = overlay(remote, hostile);
  assert.equal(({}).polluted, undefined);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(remote.slots.hero.variants.spring.prior, 0.08);
});

test('of a model document the engine gets the four sections and each variant\'s counts; anything else is left out', () => {
  const doc = {
    version: 1,
    items: { a: { visitors: 5, near: [] } },
    slots: {
      hero: { variants: { spring: { views: 1200, clicks: 96, alpha: 97, beta: 1105 }, broken: { views: 3, clicks: 9 }, odd: { views: -1, clicks: 0 } }, holdout: {} },
      junk: 'no',
    },
    config: { slots: { hero: {} }, journeys: {}, endpoint: 'https://elsewhere.example/collect', debug: true },
  };
  const r = readRemote(doc);
  assert.deepEqual(r, { version: 1, config: { slots: { hero: {} }, journeys: {} }, slots: { hero: { variants: { spring: { views: 1200, clicks: 96 } } } } });
  assert.deepEqual(learned(r), [['l', 'hero', 'spring', 1200, 96]]);
  assert.equal(readRemote({ version: 2 }), 'not a version 1 model');
  assert.equal(readRemote([]), 'not a version 1 model');
  assert.equal(readRemote(null), 'not a version 1 model');
  assert.deepEqual(readRemote({ version: 1 }), { version: 1, config: {}, slots: {} });
  // A slot or variant named like one of Object's own properties is a name
  // like any other; `__proto__` is left out.
  const names = JSON.parse('{"version":1,"slots":{"constructor":{"variants":{"toString":{"views":3,"clicks":1}}},"__proto__":{"variants":{"a":{"views":1,"clicks":0}}},"s":{"variants":{"__proto__":{"views":1,"clicks":0}}}}}');
  assert.deepEqual(learned(readRemote(names)), [['l', 'constructor', 'toString', 3, 1]]);
  // The engine hears of 500 variants at most.
  const many = { version: 1, slots: { s: { variants: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`v${i}`, { views: 1, clicks: 0 }])) } } };
  assert.equal(learned(readRemote(many)).length, 500);
});

test('the stored form: what the fixture holds is read back as it was written', () => {
  assert.equal(FIXTURE.key, 'kizuna:remote');
  assert.deepEqual(readRemote(JSON.parse(FIXTURE.value)), FIXTURE.reads);
  assert.equal(JSON.stringify(readRemote(FIXTURE.reads)), FIXTURE.value);
  for (const damaged of ['null', '{"version":2,"config":{},"slots":{}}', '[]']) {
    assert.equal(typeof readRemote(JSON.parse(damaged)), 'string', damaged);
  }
  // Counts that are not counts are left out, the rest kept.
  const odd = { version: 1, slots: { s: { variants: { a: { views: 5, clicks: 9 }, b: { views: -1, clicks: 0 }, c: { views: 5, clicks: 1 }, d: 'x', e: { views: 2.5, clicks: 1 } } }, t: 7 } };
  assert.deepEqual(readRemote(odd).slots, { s: { variants: { c: { views: 5, clicks: 1 } } } });
});
