// The collector's de-biasing of randomized-response counts (www/collector/kpis.mjs)
// against the golden estimates the Rust side is checked against too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ldpEstimate } from '../www/collector/kpis.mjs';

test('ldpEstimate: the golden estimates shared with src/engine/personalize/insights.rs', () => {
  const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/ldp-estimates.json', import.meta.url), 'utf8'));
  for (const c of fixture.cases) {
    const got = ldpEstimate(c.counts, c.epsilon);
    got.forEach(([est, half], i) => {
      assert.ok(Math.abs(est - c.expect[i][0]) < 1e-6 && Math.abs(half - c.expect[i][1]) < 1e-6, `${JSON.stringify(c.counts)}[${i}]: ${est} ± ${half}`);
    });
  }
});
