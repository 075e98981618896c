// What js/index.d.ts declares, read with the TypeScript compiler: every
// config field `KizunaConfig` reaches (nested objects, and records such
// as `slots` through their names), with its doc comment and whether it is
// optional; and the string literals of a declared union.
import ts from 'typescript';

/** The object types of `type` worth walking into: interfaces and records, not arrays nor primitives. */
function objects(checker, type) {
  const parts = type.isUnion() ? type.types : [type];
  return parts.filter((t) => t.flags & ts.TypeFlags.Object && !checker.isArrayType(t) && !checker.isTupleType(t));
}

/**
 * Every field under `config` (the `KizunaConfig` symbol): `Map(path → { optional, doc })`. A
 * record's entries take the placeholder `name(path)` gives (`slots` →
 * `<slot>`); a record of primitives (`minAffinity`) is a leaf.
 */
export function configFields(checker, config, name) {
  const out = new Map();
  const walk = (type, prefix, seen) => {
    for (const t of objects(checker, type)) {
      if (seen.has(t)) continue;
      const props = checker.getPropertiesOfType(t);
      const index = checker.getIndexTypeOfType(t, ts.IndexKind.String);
      if (index && props.length === 0) {
        if (!objects(checker, index).length) continue;
        const at = `${prefix}.${name(prefix)}`;
        out.set(at, { optional: true, doc: '' });
        walk(index, at, new Set([...seen, t]));
        continue;
      }
      for (const p of props) {
        const at = prefix ? `${prefix}.${p.name}` : p.name;
        out.set(at, { optional: !!(p.flags & ts.SymbolFlags.Optional), doc: ts.displayPartsToString(p.getDocumentationComment(checker)) });
        walk(checker.getNonNullableType(checker.getTypeOfSymbol(p)), at, new Set([...seen, t]));
      }
    }
  };
  walk(checker.getDeclaredTypeOfSymbol(config), '', new Set());
  return out;
}

/** The string literals of `Interface[property]` (e.g. `SlotDecision.reason`). */
export function literalsOf(checker, iface, property) {
  const prop = checker.getPropertyOfType(checker.getDeclaredTypeOfSymbol(iface), property);
  const type = checker.getTypeOfSymbol(prop);
  return (type.isUnion() ? type.types : [type]).filter((t) => t.isStringLiteral()).map((t) => t.value);
}
