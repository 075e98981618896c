// The pre-paint script's sanitizer (js/sanitize.js) against the golden
// cases the core's (Rust) sanitizer is held to: the two never drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { isUnsafeAttribute, isUnsafeElement } from '../js/sanitize.js';

const cases = JSON.parse(fs.readFileSync(new URL('./fixtures/sanitize.json', import.meta.url), 'utf8'));

test('elements: the same verdicts as the core', () => {
  for (const [tag, unsafe] of cases.elements) assert.equal(isUnsafeElement(tag), unsafe, tag);
});

test('attributes: the same verdicts as the core', () => {
  for (const [name, value, unsafe] of cases.attributes) assert.equal(isUnsafeAttribute(name, value), unsafe, `${name}=${JSON.stringify(value)}`);
});
