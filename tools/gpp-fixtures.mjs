#!/usr/bin/env node
// Writes tests/fixtures/gpp.json: GPP strings built by the IAB's own
// encoder (@iabgpp/cmpapi) for each case, and the decision Kizuna must
// read from them, worked out here from the field values set (not from
// Kizuna's decoder). src/engine/consent/gpp.rs is checked against it by
// tests/engine_gpp.rs; tests/gpp.test.mjs rebuilds the strings and fails
// when they no longer match (a new encoder version, an edited case).
//
//   node tools/gpp-fixtures.mjs            print the cases
//   node tools/gpp-fixtures.mjs --write    write tests/fixtures/gpp.json
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GppModel } from '@iabgpp/cmpapi';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const list = (n, at, v) => Array.from({ length: n }, (_, i) => (i === at ? v : 0));
const purposes = (given) => Array.from({ length: 24 }, (_, i) => given.includes(i + 1));

// [name, { section: { field: value } }, applicable section ids]
const CASES = [
  ['usnat: opted out of sale', { usnat: { SaleOptOut: 1, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 } }, [7]],
  ['usnat: opted out of nothing', { usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 } }, [7]],
  ['usnat: opted out of sharing only', { usnat: { SaleOptOut: 2, SharingOptOut: 1, TargetedAdvertisingOptOut: 2 } }, [7]],
  ['usnat: opted out of targeted advertising only', { usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [7]],
  ['usnat: no consent to one sensitive category', { usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2, SensitiveDataProcessing: list(16, 3, 1) } }, [7]],
  ['usnat: the last sensitive category (16th)', { usnat: { SensitiveDataProcessing: list(16, 15, 1) } }, [7]],
  ['usnat: consent to a sensitive category is no opt-out', { usnat: { SensitiveDataProcessing: list(16, 2, 2) } }, [7]],
  ['usnat: GPC in its segment', { usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2, Gpc: true } }, [7]],
  ['usnat: not applicable everywhere', { usnat: {} }, [7]],
  ['usca: opted out of sale', { usca: { SaleOptOut: 1, SharingOptOut: 2 } }, [8]],
  ['usca: limit the use of sensitive data (9th)', { usca: { SaleOptOut: 2, SharingOptOut: 2, SensitiveDataProcessing: list(9, 8, 1) } }, [8]],
  ['usca: GPC', { usca: { Gpc: true } }, [8]],
  ['usva: opted out of targeted advertising', { usva: { SaleOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [9]],
  ['usco: opted out of nothing', { usco: { SaleOptOut: 2, TargetedAdvertisingOptOut: 2 } }, [10]],
  ['usut: opted out of targeted advertising', { usut: { SaleOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [11]],
  ['usct: no consent to the 8th sensitive category', { usct: { SensitiveDataProcessing: list(8, 7, 1) } }, [12]],
  ['usor: no consent to the 11th sensitive category', { usor: { SaleOptOut: 2, TargetedAdvertisingOptOut: 2, SensitiveDataProcessing: list(11, 10, 1) } }, [15]],
  ['ustx: opted out of sale', { ustx: { SaleOptOut: 1, TargetedAdvertisingOptOut: 2 } }, [16]],
  ['usnj: opted out of targeted advertising', { usnj: { SaleOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [21]],
  ['usmd: opted out of targeted advertising', { usmd: { SaleOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [24]],
  ['usfl: opted out of sale', { usfl: { SaleOptOut: 1, TargetedAdvertisingOptOut: 2 } }, [13]],
  ['usmt: no consent to the 8th sensitive category', { usmt: { SaleOptOut: 2, TargetedAdvertisingOptOut: 2, SensitiveDataProcessing: list(8, 7, 1) } }, [14]],
  ['usde: opted out of targeted advertising', { usde: { SaleOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [17]],
  ['usia: opted out of nothing', { usia: { SaleOptOut: 2, TargetedAdvertisingOptOut: 2 } }, [18]],
  ['usia: no consent to the 8th sensitive category', { usia: { SensitiveDataProcessing: list(8, 7, 1) } }, [18]],
  ['usne: opted out of sale', { usne: { SaleOptOut: 1, TargetedAdvertisingOptOut: 2 } }, [19]],
  ['usnh: opted out of targeted advertising', { usnh: { SaleOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [20]],
  ['ustn: no consent to the 1st sensitive category', { ustn: { SaleOptOut: 2, TargetedAdvertisingOptOut: 2, SensitiveDataProcessing: list(8, 0, 1) } }, [22]],
  ['usmn: opted out of sale', { usmn: { SaleOptOut: 1, TargetedAdvertisingOptOut: 2 } }, [23]],
  ['usin: opted out of targeted advertising', { usin: { SaleOptOut: 2, TargetedAdvertisingOptOut: 1 } }, [25]],
  ['usky: opted out of nothing', { usky: { SaleOptOut: 2, TargetedAdvertisingOptOut: 2 } }, [26]],
  ['usri: opted out of sale', { usri: { SaleOptOut: 1, TargetedAdvertisingOptOut: 2 } }, [27]],
  ['tcfeuv2: every purpose', { tcfeuv2: { PurposeConsents: purposes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) } }, [2]],
  ['tcfeuv2: storage and measurement only', { tcfeuv2: { PurposeConsents: purposes([1, 7, 8, 9, 10]) } }, [2]],
  ['tcfeuv2: no storage', { tcfeuv2: { PurposeConsents: purposes([2, 3, 4, 5, 6, 7, 8, 9, 10]) } }, [2]],
  ['tcfeuv2 + usnat + usca, only usca applies', { tcfeuv2: { PurposeConsents: purposes([1]) }, usnat: { SaleOptOut: 1 }, usca: { SaleOptOut: 2, SharingOptOut: 2 } }, [8]],
  ['usnat + usca both apply: one opt-out is enough', { usnat: { SaleOptOut: 2, SharingOptOut: 2, TargetedAdvertisingOptOut: 2 }, usca: { SaleOptOut: 1, SharingOptOut: 2 } }, [7, 8]],
  ['usnat present, nothing applies', { usnat: { SaleOptOut: 1 } }, [-1]],
];

const OPT_OUTS = ['SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut'];
export const ID = {
  tcfeuv2: 2, usnat: 7, usca: 8, usva: 9, usco: 10, usut: 11, usct: 12, usfl: 13, usmt: 14, usor: 15, ustx: 16, usde: 17,
  usia: 18, usne: 19, usnh: 20, usnj: 21, ustn: 22, usmn: 23, usmd: 24, usin: 25, usky: 26, usri: 27,
};

/** The decision, from the field values as set (the mapping in the README). */
export function expected(sections, applicable) {
  const out = { tcf: null, marketing: null, sensitiveOptOut: false, gpc: false };
  const choices = [];
  for (const [name, fields] of Object.entries(sections)) {
    if (!applicable.includes(ID[name])) continue;
    if (name === 'tcfeuv2') {
      const p = (n) => fields.PurposeConsents[n - 1];
      out.tcf = { storage: p(1), analytics: [7, 8, 9, 10].every(p), personalization: [5, 6].every(p), marketing: [2, 3, 4].every(p) };
      continue;
    }
    const has = (f) => present(name)[f] !== undefined;
    const own = OPT_OUTS.filter(has).map((f) => fields[f] ?? 0);
    if (own.includes(1)) out.marketing = false;
    else if (own.every((v) => v === 2) && out.marketing === null) out.marketing = true;
    if ((fields.SensitiveDataProcessing || []).includes(1)) out.sensitiveOptOut = true;
    if (fields.Gpc) out.gpc = true;
    choices.push(...own);
  }
  return out;
}

/** A section as the encoder makes it (to see which fields it has). */
export function present(name) {
  const m = new GppModel();
  m.setFieldValue(name, name === 'tcfeuv2' ? 'CmpId' : 'MspaCoveredTransaction', 1);
  return m.getSection(name);
}

export function build() {
  return CASES.map(([name, sections, applicable]) => {
    const m = new GppModel();
    for (const [section, fields] of Object.entries(sections)) {
      // A section with no field set still has to be present (its default).
      if (section !== 'tcfeuv2') m.setFieldValue(section, 'MspaCoveredTransaction', 1);
      for (const [f, v] of Object.entries(fields)) m.setFieldValue(section, f, v);
      // Fixed TC string dates, set last: the encoder stamps today's date on
      // every other field it sets, and the strings must not change from day
      // to day.
      if (section === 'tcfeuv2') m.setFieldValue(section, 'Created', new Date('2026-01-01T00:00:00Z'));
    }
    return { name, gpp: m.encode(), applicable, expect: expected(sections, applicable) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cases = build();
  const text = JSON.stringify({ generator: '@iabgpp/cmpapi 3.2.0 via tools/gpp-fixtures.mjs', cases }, null, 1) + '\n';
  if (process.argv.includes('--write')) fs.writeFileSync(path.join(root, 'tests/fixtures/gpp.json'), text);
  else process.stdout.write(text);
}
