// The GPP golden fixtures (tests/fixtures/gpp.json) are what the IAB's own
// encoder builds for each case today: a new @iabgpp/cmpapi or an edited
// case that changes a string fails here, before the Rust decoder
// (tests/engine_gpp.rs) is checked against a stale fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { build } from '../tools/gpp-fixtures.mjs';

test('GPP fixtures: the strings are what @iabgpp/cmpapi builds, and the expected decisions follow from the fields', () => {
  const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/gpp.json', import.meta.url), 'utf8'));
  assert.deepEqual(build(), fixture.cases);
  assert.ok(fixture.cases.length >= 20);
});
