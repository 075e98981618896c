// The random GPP fixture (tests/fixtures/gpp-random.json) is what
// tools/gpp-fuzz-fixtures.mjs builds today with its size and seed: a new
// @iabgpp/cmpapi, an edited generator or expected() that changes a case
// fails here, before the Rust decoder (tests/fuzz_consent.rs) is checked
// against a stale fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { build, DEFAULTS } from '../tools/gpp-fuzz-fixtures.mjs';

test('random GPP fixtures: the strings are what @iabgpp/cmpapi builds from the seed, and the decisions follow from the fields', () => {
  const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/gpp-random.json', import.meta.url), 'utf8'));
  assert.deepEqual([fixture.n, fixture.seed], [DEFAULTS.n, DEFAULTS.seed]);
  assert.deepEqual(build(fixture.n, fixture.seed), fixture.cases);
});
