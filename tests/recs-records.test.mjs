// What the recommendations edge (js/edge/recs.js) hands the engine for
// kz.recommend: a row's items as `j` records once, then `m` with `same`
// while they stay the same (the engine keeps them), the model's lists of
// the visitor's latest items as `y` and `z` records, and the items again
// when the engine asks (`A`: a config change dropped what it kept). The
// records are held to their layouts in src/engine/protocol.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recs } from '../js/edge/recs.js';
import { lifetime } from '../js/edge/life.js';
import { PERSONALIZER_IN } from '../js/edge/records.js';

// The page around the edge: no rows in the markup, no IntersectionObserver.
globalThis.document = { addEventListener() {}, removeEventListener() {}, querySelectorAll: () => [] };

/** The part, with every crossing logged; `answer(records)` may answer as the engine would. */
function setup(answer = () => undefined) {
  const crossings = [];
  let part;
  const cross = (records) => {
    for (const r of records) {
      const layout = PERSONALIZER_IN[r[0]];
      assert.ok(layout !== undefined, `a record the engine knows: ${r[0]}`);
      assert.equal(r.length - 1, layout.length, `${r[0]}: its layout ${layout}`);
      r.slice(1).forEach((f, i) => assert.equal(typeof f, layout[i] === 'n' ? 'number' : 'string', `${r[0]} field ${i}`));
    }
    crossings.push(records);
    return answer(records, part);
  };
  part = recs({ cross, life: lifetime() });
  return { part, crossings, kinds: (i) => crossings[i].map((r) => r[0]).join('') };
}

const ITEMS = [{ id: 'parka', topics: ['outerwear'], popularity: 10 }, { id: 'tee', topics: 'basics', popularity: 90 }, { id: 'sock', repeats: true }];

test('the items cross once; the same items again cross as `same`', () => {
  const { part, crossings, kinds } = setup();
  part.api.recommend(ITEMS, { slot: 'also', n: 2 });
  assert.deepEqual(crossings[0], [['j', 'parka', 'outerwear', 10, 0], ['j', 'tee', 'basics', 90, 0], ['j', 'sock', '', 0, 1], ['m', 'also', 2, 0]]);
  // The same objects, and equal new ones: nothing but m.
  part.api.recommend(ITEMS, { slot: 'also', n: 2 });
  part.api.recommend(ITEMS.map((x) => ({ ...x })), { slot: 'also', n: 2 });
  assert.deepEqual(crossings.slice(1), [[['m', 'also', 2, 1]], [['m', 'also', 2, 1]]]);
  // An object changed in place, or one item more: the items again.
  const changed = ITEMS.map((x) => ({ ...x }));
  part.api.recommend(changed, { slot: 'also', n: 2 });
  changed[1].popularity = 91;
  part.api.recommend(changed, { slot: 'also', n: 2 });
  assert.equal(kinds(4), 'jjjm');
  assert.deepEqual(crossings[4][1], ['j', 'tee', 'basics', 91, 0]);
  part.api.recommend([...changed, { id: 'hat' }], { slot: 'also', n: 2 });
  assert.equal(kinds(5), 'jjjjm');
  // Another row has its own items.
  part.api.recommend(ITEMS, { slot: 'other' });
  assert.deepEqual(crossings[6].at(-1), ['m', 'other', 4, 0]);
});

test('asked again (A), the row crosses with its items at once', () => {
  let asked = 0;
  const { part, crossings, kinds } = setup((records, p) => {
    if (records.at(-1)[3] === 1 && asked++ === 0) p.answer('A', ['also']);
  });
  part.api.recommend(ITEMS, { slot: 'also' });
  part.api.recommend(ITEMS, { slot: 'also' });
  assert.deepEqual(crossings.map((_, i) => kinds(i)), ['jjjm', 'm', 'jjjm']);
  assert.deepEqual(crossings[2].at(-1), ['m', 'also', 4, 0]);
});

test("a model's lists of the latest items go with the row, and its visitors fill in a missing popularity", () => {
  const { part, crossings } = setup();
  part.api.recommend(ITEMS, { slot: 'also' });
  part.answer('I', ['["parka","gone"]']);
  part.model({ version: 1, items: { parka: { name: 'Parka', near: [['scarf', 12], ['bad', -1], ['sock', 3]], visitors: 5 }, sock: { near: [], visitors: 7 } } });
  part.api.recommend(ITEMS, { slot: 'also' });
  assert.deepEqual(crossings[1], [['j', 'parka', 'outerwear', 10, 0], ['j', 'tee', 'basics', 90, 0], ['j', 'sock', '', 7, 1],
    ['y', 'parka', 'Parka'], ['z', 'scarf', 12], ['z', 'sock', 3], ['m', 'also', 4, 0]]);
  part.api.recommend(ITEMS, { slot: 'also' });
  assert.deepEqual(crossings[2], [['y', 'parka', 'Parka'], ['z', 'scarf', 12], ['z', 'sock', 3], ['m', 'also', 4, 1]]);
});
