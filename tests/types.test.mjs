// js/index.d.ts and the README's Configuration table held to the one config
// schema (tests/fixtures/config-schema.json), which tests/config_schema.rs
// holds the engines' parsers to:
// - configs generated from the schema type-check (each field with a valid
//   value, every option of a choice) and wrong ones do not (a wrong type,
//   a missing required field, an unknown key), through tsc's checker with
//   tests/types/tsconfig.json's options;
// - the declarations name exactly the schema's fields, and their doc
//   comments' defaults and ranges are the schema's;
// - the README's config rows are exactly the schema's fields, with its
//   defaults and ranges, and each row's value type-checks.
// One program checks every generated config (tsc's start-up is most of the
// time), so the tests share it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fields, concrete, isLeaf, parentOf, build, wrongValues, literal, rangeIn, sameDefault } from './types/schema.mjs';
import { checkConfigs } from './types/check.mjs';
import { configFields, literalsOf } from './types/declared.mjs';
import { configRows, codeSpans } from './types/readme.mjs';

const all = fields();
const schema = new Map(all);

/** The cases every schema field gives: valid values, and values the types must refuse. */
function schemaCases() {
  const cases = [];
  const ok = (path, value, why) => cases.push({ from: 'schema', ok: true, config: build(all, path, value), why });
  const no = (path, value, why, omit) => cases.push({ from: 'schema', ok: false, config: build(all, path, value, omit), why });
  for (const [path, f] of all) {
    ok(path, JSON.stringify(f.example), `${path} = its example`);
    for (const v of f.type === 'enum' || f.type === 'enums' ? f.values : []) ok(path, JSON.stringify(v), `${path} = ${JSON.stringify(v)}`);
    for (const v of wrongValues(f)) no(path, v, `${path} = ${v} (wrong type)`);
    if (f.required) no(path, undefined, `${path} missing`, path);
    if (f.type === 'object') no(`${path}.zzUnknown`, '1', `${path}.zzUnknown (unknown key)`);
  }
  no('zzUnknown', '1', 'zzUnknown (unknown key)');
  return cases;
}

/** Where a documented default or range differs from the schema's, as messages. */
function docMismatches(where, f, defaultText, prose) {
  const out = [];
  if (defaultText !== undefined) {
    const doc = defaultText === 'none' ? null : literal(defaultText);
    if (doc === undefined) out.push(`${where}: default \`${defaultText}\` is not a value`);
    else if (!('default' in f) && !(doc === null && !isLeaf(f))) out.push(`${where}: documents a default ${defaultText}; the schema has none`);
    else if ('default' in f && !sameDefault(doc, f.default)) out.push(`${where}: default ${defaultText}, schema ${JSON.stringify(f.default)}`);
  }
  // Only numbers have ranges (`0–10` in a survey's doc is its scale).
  const range = ['integer', 'number', 'shares'].includes(f.type) ? rangeIn(prose) : null;
  if (range && typeof f.min === 'number' && typeof f.max === 'number' && (range[0] !== f.min || range[1] !== f.max)) {
    out.push(`${where}: range ${range.join('–')}, schema ${f.min}–${f.max}`);
  }
  return out;
}

/** The README's config rows checked against the schema: problems, and a case per row with a value. */
function readmeRows() {
  const rows = configRows();
  const problems = [];
  const cases = [];
  const byField = new Map(rows.map((r) => [r.field, r]));
  for (const r of rows) {
    const f = schema.get(r.field);
    if (!f) {
      problems.push(`README.md:${r.line}: ${r.field} is not a config field (not in the schema)`);
      continue;
    }
    const spans = codeSpans(r.defaultCell);
    const required = /^\(required/.test(r.defaultCell);
    if (required !== !!(f.required || f.requiredUnless)) problems.push(`README.md:${r.line}: ${r.field} ${required ? 'documented as required' : 'not documented as required'}`);
    const shown = r.defaultCell === 'none' ? 'none' : required || !spans.length ? undefined : spans[0];
    if (!required && shown === undefined && isLeaf(f)) problems.push(`README.md:${r.line}: ${r.field} documents no default`);
    problems.push(...docMismatches(`README.md:${r.line} ${r.field}`, f, shown, r.meaning));
    // init rejects a number out of its range: the row says which.
    if (typeof f.min === 'number' && typeof f.max === 'number' && f.type !== 'shares' && !rangeIn(r.meaning)) problems.push(`README.md:${r.line}: ${r.field} states no range (${f.min}–${f.max})`);
    // The row's value: its default, or for a required field the first value its meaning names.
    const value = required ? codeSpans(r.meaning).find((s) => literal(s) !== undefined) : shown !== 'none' ? shown : undefined;
    if (value !== undefined && literal(value) !== undefined) {
      cases.push({ from: 'readme', ok: true, config: build(all, r.field, value), why: `README.md:${r.line} ${r.field} = ${value}` });
    }
  }
  for (const [path, f] of all) {
    // A leaf may be documented inside its section's row (`rules`: `segment`, `minAffinity`…).
    const parent = byField.get(parentOf(path));
    const inParent = parent?.meaning.includes('`' + path.slice(parentOf(path).length + 1) + '`');
    if (isLeaf(f) && !byField.has(path) && !inParent) problems.push(`${path}: in the schema, not in the README's config table`);
  }
  return { rows, problems, cases };
}

let shared;
/** Everything checked once: the README's rows, and one tsc program over every generated config. */
function run() {
  if (!shared) {
    const readme = readmeRows();
    const cases = [...schemaCases(), ...readme.cases];
    shared = { readme, cases, ...checkConfigs(cases, ['SlotDecision']) };
  }
  return shared;
}

test('configs built from the schema type-check against index.d.ts, and wrong ones do not', () => {
  const { cases, failures } = run();
  assert.ok(cases.filter((c) => c.from === 'schema').length > 300, `${cases.length} cases`);
  const mine = failures.filter((f) => f.case?.from !== 'readme').map((f) => f.text);
  assert.deepEqual(mine, [], `index.d.ts disagrees with the schema:\n${mine.join('\n')}`);
});

/** The placeholder the schema gives the entries of the map at `path` (`slots` → `<slot>`). */
function placeholder(path) {
  const key = all.map(([p]) => p).find((p) => parentOf(p) === path && /^<\w+>$/.test(p.slice(path.length + 1)));
  return key ? key.slice(path.length + 1) : '<?>';
}

test('index.d.ts declares exactly the schema fields, optional unless required, its doc defaults and ranges the schema’s', () => {
  const { checker, symbols } = run();
  const declared = configFields(checker, symbols.get('KizunaConfig'), placeholder);
  const problems = [];
  for (const [path, f] of all) {
    const d = declared.get(path);
    if (!d) problems.push(`${path}: in the schema, not in KizunaConfig`);
    else if (d.optional === !!f.required) problems.push(`${path}: ${d.optional ? 'optional' : 'required'} in KizunaConfig, ${f.required ? 'required' : 'optional'} in the schema`);
  }
  for (const [path, d] of declared) {
    const f = schema.get(path);
    if (!f) problems.push(`${path}: in KizunaConfig, not in the schema (the engines do not read it)`);
    else problems.push(...docMismatches(`index.d.ts ${path}`, f, /\bDefault `([^`]+)`/.exec(d.doc)?.[1], d.doc));
  }
  assert.deepEqual(problems, []);
});

test('the README config rows are exactly the schema fields, with its defaults and ranges, and each row’s value type-checks', () => {
  const { readme, failures } = run();
  assert.ok(readme.rows.length > 40, `${readme.rows.length} config rows found in README.md`);
  assert.ok(readme.cases.length > 40, `${readme.cases.length} README rows with a value`);
  const typed = failures.filter((f) => f.case?.from === 'readme').map((f) => f.text);
  assert.deepEqual([...readme.problems, ...typed], []);
});

test('SlotDecision.reason lists exactly the reason codes the engine sends', () => {
  const decide = fs.readFileSync(new URL('../src/engine/personalize/decide.rs', import.meta.url), 'utf8');
  const body = decide.slice(decide.indexOf('pub fn code(self)'));
  const codes = [...body.slice(0, body.indexOf('\n    }\n')).matchAll(/Reason::\w+ => "([^"]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 6, `reason codes found in decide.rs: ${codes}`);
  const { checker, symbols } = run();
  assert.deepEqual(literalsOf(checker, symbols.get('SlotDecision'), 'reason').sort(), codes.sort());
});

test('the schema gives every field a type these tests know, an example, and a default unless required', () => {
  for (const [path, f] of all) {
    assert.doesNotThrow(() => wrongValues(f), path);
    assert.ok('example' in f, `${path} has an example`);
    if (isLeaf(f) && !f.required && !f.requiredUnless) assert.ok('default' in f, `${path} has a default`);
    assert.ok(!concrete(path).includes('<'), `${path}: a placeholder build() does not know`);
  }
});
