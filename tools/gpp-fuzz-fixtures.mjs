#!/usr/bin/env node
// Writes tests/fixtures/gpp-random.json: random GPP strings built by the
// IAB's own encoder (@iabgpp/cmpapi): one to four random sections each,
// every field they have set to a random value the encoder takes, random
// applicable section ids, and the decision Kizuna must read, worked out
// from the field values by tools/gpp-fixtures.mjs's expected(). The same
// seed builds the same cases on any day (the TC string dates are fixed);
// tests/fuzz_consent.rs checks Kizuna's decoder on every case and
// tests/gpp-random.test.mjs that the fixture is what this builds today.
//
//   node tools/gpp-fuzz-fixtures.mjs [--random N] [--seed S]           print the cases
//   node tools/gpp-fuzz-fixtures.mjs [--random N] [--seed S] --write   write the fixture
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GppModel } from '@iabgpp/cmpapi';
import { ID, expected, present } from './gpp-fixtures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The fixture's size and seed, unless the command line says otherwise. */
export const DEFAULTS = { n: 200, seed: 1 };

/** Mulberry32: a seeded generator of floats in [0, 1). */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fields left as the encoder makes them: versions and segment types (the
// format itself), whether a segment is there (expected() reads Gpc as set),
// dates (set once, fixed), texts, IsServiceSpecific (always true in GPP:
// the encoder refuses false), and the TC string's publisher and vendor
// detail (after the purposes Kizuna reads; vendor lists are random below).
const KEEP = new Set([
  'Version', 'IsServiceSpecific', 'MspaVersion', 'GpcSegmentType', 'GpcSegmentIncluded', 'SensitiveDataConsentSegmentIncluded', 'Created', 'LastUpdated',
  'ConsentLanguage', 'PublisherCountryCode', 'PublisherRestrictions', 'PublisherPurposesSegmentType', 'NumCustomPurposes',
  'PublisherCustomConsents', 'PublisherCustomLegitimateInterests', 'VendorsAllowedSegmentType', 'VendorsDisclosedSegmentType',
  'VendorsAllowed', 'VendorsDisclosed',
]);
// The TC string's integers, by their width in bits.
const TCF_BITS = { CmpId: 12, CmpVersion: 12, ConsentScreen: 6, VendorListVersion: 12, PolicyVersion: 6 };

/** Random values for every field of section `name` that is not kept. */
function randomFields(name, random) {
  const int = (n) => Math.floor(random() * n);
  // Skewed where uniform values would hide a decision: all three opt-outs
  // at 2 ("did not opt out") and no sensitive-data opt-out would be rare.
  const optOut = () => [2, 2, 2, 1, 0][int(5)];
  const sensitive = () => (random() < 0.06 ? 1 : [0, 2][int(2)]);
  const fields = {};
  for (const [f, init] of Object.entries(present(name))) {
    if (KEEP.has(f)) continue;
    if (f === 'VendorConsents' || f === 'VendorLegitimateInterests') {
      fields[f] = [...new Set(Array.from({ length: int(8) }, () => 1 + int(1200)))].sort((a, b) => a - b);
    } else if (Array.isArray(init)) {
      fields[f] = init.map(() => (typeof init[0] === 'boolean' ? random() < 0.5 : f === 'SensitiveDataProcessing' ? sensitive() : int(3)));
    } else if (typeof init === 'boolean') {
      fields[f] = random() < (f === 'Gpc' ? 0.2 : 0.5);
    } else if (typeof init === 'number') {
      // MspaCoveredTransaction has no "not applicable" (0).
      fields[f] = name === 'tcfeuv2' ? int(2 ** TCF_BITS[f]) : f === 'MspaCoveredTransaction' ? 1 + int(2) : f.endsWith('OptOut') ? optOut() : int(3);
    }
  }
  // expected() reads the purposes of every TC string; the first ten,
  // which it reads, mostly all given or all refused, else at random.
  if (name === 'tcfeuv2') {
    const all = [true, false, null][int(3)];
    fields.PurposeConsents = fields.PurposeConsents.map((p, i) => (i < 10 && all !== null ? all !== (random() < 0.03) : p));
  }
  return fields;
}

/** `n` random cases from `seed`, in the shape of tests/fixtures/gpp.json. */
export function build(n = DEFAULTS.n, seed = DEFAULTS.seed) {
  const random = generator(seed);
  const int = (k) => Math.floor(random() * k);
  const names = Object.keys(ID);
  const cases = [];
  for (let i = 0; i < n; i++) {
    // A TC string in a third of the cases (one section name in 22 else).
    const chosen = [...new Set([...(random() < 0.3 ? ['tcfeuv2'] : []), ...Array.from({ length: 1 + int(3) }, () => names[int(names.length)])])];
    const sections = Object.fromEntries(chosen.map((name) => [name, randomFields(name, random)]));
    const m = new GppModel();
    for (const [section, fields] of Object.entries(sections)) {
      if (section !== 'tcfeuv2') m.setFieldValue(section, 'MspaCoveredTransaction', 1);
      for (const [f, v] of Object.entries(fields)) m.setFieldValue(section, f, structuredClone(v));
      // Set last: the encoder stamps today's date on every field set.
      if (section === 'tcfeuv2') m.setFieldValue(section, 'Created', new Date('2026-01-01T00:00:00Z'));
    }
    // The US Privacy string too, sometimes: present, never applicable.
    if (random() < 0.2) m.setFieldValue('uspv1', 'OptOutSale', random() < 0.5 ? 'Y' : 'N');
    // Mostly ids of sections present, sometimes one that is not.
    const ids = chosen.map((s) => ID[s]).filter(() => random() < 0.7);
    if (random() < 0.2) ids.push(names.map((s) => ID[s])[int(names.length)]);
    const applicable = [...new Set(ids)].sort((a, b) => a - b);
    cases.push({ name: `random ${i}: ${chosen.join(' + ')}`, gpp: m.encode(), applicable, expect: expected(sections, applicable) });
  }
  return cases;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (flag, fallback) => {
    const at = process.argv.indexOf(flag);
    return at < 0 ? fallback : Number(process.argv[at + 1]);
  };
  const n = arg('--random', DEFAULTS.n);
  const seed = arg('--seed', DEFAULTS.seed);
  const generator = '@iabgpp/cmpapi 3.2.0 via tools/gpp-fuzz-fixtures.mjs';
  // One case a line: a small fixture, and a diff shows which cases changed.
  const lines = build(n, seed).map((c) => JSON.stringify(c));
  const text = `{"generator": ${JSON.stringify(generator)}, "n": ${n}, "seed": ${seed}, "cases": [\n${lines.join(',\n')}\n]}\n`;
  if (process.argv.includes('--write')) fs.writeFileSync(path.join(root, 'tests/fixtures/gpp-random.json'), text);
  else process.stdout.write(text);
}
