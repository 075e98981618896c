// The sanitizer every rendered variant goes through (js/sanitize.js: the
// pre-paint slots.js and the personalization edge share it) against the
// golden cases of tests/fixtures/sanitize.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { isUnsafeAttribute, isUnsafeElement } from '../js/sanitize.js';

const cases = JSON.parse(fs.readFileSync(new URL('./fixtures/sanitize.json', import.meta.url), 'utf8'));

test('elements: the golden verdicts', () => {
  for (const [tag, unsafe] of cases.elements) assert.equal(isUnsafeElement(tag), unsafe, tag);
});

test('attributes: the golden verdicts, per element', () => {
  for (const [name, value, unsafe, tag = 'div'] of cases.attributes) assert.equal(isUnsafeAttribute(name, value, tag), unsafe, `<${tag} ${name}=${JSON.stringify(value)}>`);
});
