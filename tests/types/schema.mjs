// The one config schema (tests/fixtures/config-schema.json) as the node
// tests use it: its fields, configs built from a path and a value, and the
// values the TypeScript declarations must refuse for each type.
import fs from 'node:fs';

/** The schema's fields: `[path, field]`, in its order. */
export function fields() {
  const schema = JSON.parse(fs.readFileSync(new URL('../fixtures/config-schema.json', import.meta.url), 'utf8'));
  return Object.entries(schema.fields);
}

/** A path with its placeholders replaced by the names these tests use. */
export function concrete(path) {
  return path.replaceAll('<slot>', 'hero').replaceAll('<id>', 'a').replaceAll('<name>', 'j');
}

/** Sections and maps hold fields; everything else is a leaf. */
export function isLeaf(f) {
  return f.type !== 'object' && f.type !== 'map';
}

/** The path of the object holding `path` ('' at the top). */
export function parentOf(path) {
  const at = path.lastIndexOf('.');
  return at < 0 ? '' : path.slice(0, at);
}

/**
 * A config, as TypeScript source, holding `value` (source text) at `path`,
 * with `endpoint` and the fields required beside it; `omit` leaves a
 * required field out. Keys are quoted, so `<slot>` names need no care.
 */
export function build(all, path, value, omit = null) {
  const root = {};
  for (const [p, f] of all) {
    const parent = parentOf(p);
    const beside = parent === '' || path === parent || path.startsWith(parent + '.');
    if ((f.required || f.requiredUnless) && beside && p !== path && p !== omit) put(root, concrete(p), JSON.stringify(f.example));
  }
  if (value !== undefined) put(root, concrete(path), value);
  return render(root);
}

/** Sets `path` in the tree `root` (leaves are source text). */
function put(root, path, text) {
  const keys = path.split('.');
  let at = root;
  for (const k of keys.slice(0, -1)) at = typeof at[k] === 'object' ? at[k] : (at[k] = {});
  at[keys.at(-1)] = text;
}

/** The tree `node` as an object literal. */
function render(node) {
  if (typeof node === 'string') return node;
  return '{ ' + Object.entries(node).map(([k, v]) => `${JSON.stringify(k)}: ${render(v)}`).join(', ') + ' }';
}

/** Values (source text) the declarations must refuse for a field of `f`'s type. */
export function wrongValues(f) {
  switch (f.type) {
    case 'boolean': return ["'yes'", '1'];
    case 'integer': case 'number': return ["'1'", 'true'];
    case 'enum': return ["'nope'", ...(f.values.includes(false) ? ['true'] : ['false'])];
    case 'enums': return ["'nope'", "['nope']", '3'];
    case 'string': return ['1', "['a']"];
    case 'topics': return ['5', '[5]'];
    case 'object': return f.orFalse ? ['5', 'true'] : ['5', 'false', "'x'"];
    case 'map': return ['5', "'x'"];
    case 'shares': return ['5', "{ shoes: 'x' }"];
    default: throw new Error(`unknown schema type ${f.type}`);
  }
}

/**
 * A literal as README tables and doc comments write it (`100`, `'opt-in'`,
 * `false`, `{ shoes: 0.3 }`), as a value; `undefined` when the text is not
 * one (a name, a path, prose). Parsed, never evaluated.
 */
export function literal(text) {
  const t = text.trim();
  if (/^'[^'\\]*'$/.test(t)) return t.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^[[{].*[\]}]$/.test(t)) {
    try {
      return JSON.parse(t.replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":').replace(/'([^'\\]*)'/g, '"$1"'));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Bytes in a KiB and a MiB, for ranges written with them. */
const UNITS = { KiB: 1024, MiB: 1024 * 1024 };

/**
 * The first `a–b` range in prose, as numbers: `1–1,000,000`, `0.1–10`,
 * `64 KiB–64 MiB`, `0–2 MiB` (a bare first number takes the second's
 * unit); not percentages nor pixels. `null` when there is none.
 */
export function rangeIn(prose) {
  const num = String.raw`(\d[\d,]*(?:\.\d+)?)`;
  const re = new RegExp(String.raw`(?<![\d.])${num}\s?(KiB|MiB)?\s?–\s?${num}(?:\s?(KiB|MiB))?(?!\s?(?:%|px)|\d|\.\d)`);
  const m = re.exec(prose);
  if (!m) return null;
  const n = (s, unit) => Number(s.replace(/,+$/, '').replaceAll(',', '')) * (UNITS[unit] ?? 1);
  return [n(m[1], m[2] ?? m[4]), n(m[3], m[4])];
}

/** Whether a documented default `doc` says what the schema's `def` is (`none` ↔ null, [] or {}). */
export function sameDefault(doc, def) {
  if (doc === null) return def === null || (Array.isArray(def) && def.length === 0) || (typeof def === 'object' && Object.keys(def).length === 0);
  return JSON.stringify(doc) === JSON.stringify(def);
}
