// The README's config table(s): every row whose first cell is a config
// field, under a heading that names the configuration.
import fs from 'node:fs';

/** The README's text. */
export function readme() {
  return fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
}

/** Splits a Markdown table row into its cells (`\|` stays inside a cell). */
function cells(line) {
  return line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

/** The code spans of a cell, in order. */
export function codeSpans(cell) {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

/**
 * Rows of the tables whose header starts `| field | default |`:
 * `{ field, defaultCell, meaning, line }` (1-based line in the README).
 */
export function configRows(text = readme()) {
  const rows = [];
  let inTable = false;
  text.split('\n').forEach((line, i) => {
    if (!line.trimStart().startsWith('|')) {
      inTable = false;
      return;
    }
    const [first, second, ...rest] = cells(line);
    if (/^field$/i.test(first) && /^default$/i.test(second)) {
      inTable = true;
      return;
    }
    if (!inTable || /^-+$/.test(first)) return;
    const field = /^`([^`]+)`$/.exec(first)?.[1];
    if (!field) throw new Error(`README.md:${i + 1}: a config row's first cell is not one field in backticks: ${first}`);
    rows.push({ field, defaultCell: second, meaning: rest.join(' | '), line: i + 1 });
  });
  return rows;
}
