// Type-checks generated TypeScript against js/index.d.ts as `tsc -p
// tests/types/tsconfig.json` would (the same options: strict, the `kizuna`
// path), in this process and without writing the source anywhere: the
// file lives in memory beside usage.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Where the generated source pretends to be (never written). */
const GENERATED = path.join(HERE, 'generated.ts');

/** tests/types/tsconfig.json's compiler options. */
function options() {
  const file = path.join(HERE, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(config, ts.sys, HERE, undefined, file).options;
}

/**
 * A program over `source` (and what it imports): its diagnostics as
 * `line: message` (1-based lines of `source`, or the other file's name),
 * and its type checker for reading the declarations.
 */
export function typecheck(source) {
  const opts = options();
  const host = ts.createCompilerHost(opts);
  const { getSourceFile, fileExists, readFile } = host;
  const mine = (f) => path.resolve(f) === GENERATED;
  host.getSourceFile = (f, lang, ...rest) => (mine(f) ? ts.createSourceFile(f, source, lang, true) : getSourceFile.call(host, f, lang, ...rest));
  host.fileExists = (f) => mine(f) || fileExists.call(host, f);
  host.readFile = (f) => (mine(f) ? source : readFile.call(host, f));
  const program = ts.createProgram([GENERATED], opts, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return mine(d.file.fileName) ? `${line + 1}: ${text}` : `${path.relative(HERE, d.file.fileName)}:${line + 1}: ${text}`;
  });
  return { diagnostics, program, file: program.getSourceFile(GENERATED) };
}

/**
 * Type-checks, in one program, that each case's config is a `KizunaConfig`
 * (`ok`) or is not (`!ok`, through `@ts-expect-error`); `cases`: `{ ok,
 * config, why }`. Returns the failures, each with its case, and the
 * checker with the symbols of `names` (imported from the package) for
 * reading the declarations.
 */
export function checkConfigs(cases, names = []) {
  const lines = [`import type { ${['KizunaConfig', ...names].join(', ')} } from 'kizuna';`];
  const at = new Map();
  cases.forEach((c, i) => {
    if (!c.ok) {
      lines.push(`// @ts-expect-error ${c.why.replaceAll('\n', ' ')}`);
      // An unused @ts-expect-error is reported on its own line.
      at.set(lines.length, c);
    }
    lines.push(`export const c${i}: KizunaConfig = ${c.config};`);
    at.set(lines.length, c);
  });
  const { diagnostics, program, file } = typecheck(lines.join('\n') + '\n');
  const failures = diagnostics.map((d) => {
    const c = at.get(Number(d.split(':')[0]));
    return c ? { case: c, text: `${c.why}: ${c.config}\n    ${d}` } : { case: null, text: d };
  });
  const checker = program.getTypeChecker();
  const imported = file.statements.flatMap((s) => s.importClause?.namedBindings?.elements ?? []);
  const symbols = new Map(imported.map((e) => [e.name.text, checker.getAliasedSymbol(checker.getSymbolAtLocation(e.name))]));
  return { failures, checker, symbols };
}
