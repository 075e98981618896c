#!/usr/bin/env node
// Writes the script-tag distribution into dist/kizuna/, ready to copy to a
// web server: the snippet, the loader (with the tracking engine's glue and
// the JavaScript edge bundled in), its wasm, the personalization module
// (personalize.js + personalize.wasm, loaded only where a page
// personalizes; engage.js + engage.wasm, its build with recommendations,
// journeys and surveys, only where a page configures those), the pre-paint slots.js, their Subresource Integrity hashes
// (integrity.json) and the exact tags to paste (tags.html). Run by
// tools/build.sh after js/pkg/ is built, so the npm package and the script
// tag ship the same wasm and glue.
import { build } from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'kizuna');
const sri = (file) => 'sha384-' + crypto.createHash('sha384').update(fs.readFileSync(file)).digest('base64');
const at = (f) => path.join(out, f);

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

fs.copyFileSync(path.join(root, 'js/pkg/kizuna_bg.wasm'), at('kizuna.wasm'));
fs.copyFileSync(path.join(root, 'js/pkg/personalize_bg.wasm'), at('personalize.wasm'));
fs.copyFileSync(path.join(root, 'js/pkg/engage_bg.wasm'), at('engage.wasm'));

const iife = async (entry, outfile, define = {}) => {
  const result = await build({
  entryPoints: [path.join(root, entry)],
  outfile: at(outfile),
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  define,
  // The glue's default wasm URL (import.meta.url) is never used: the
  // scripts always pass the URL they computed.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
  metafile: true,
  });
  // Where the bytes of each bundle come from (read by tools/size.mjs).
  fs.mkdirSync(path.join(root, 'target/size'), { recursive: true });
  fs.writeFileSync(path.join(root, 'target/size', outfile.replace('.js', '.meta.json')), JSON.stringify(result.metafile));
};

await iife('js/personalize-tag.js', 'personalize.js', { __KIZUNA_PERSONALIZE_WASM_SRI__: JSON.stringify(sri(at('personalize.wasm'))) });
await iife('js/engage-tag.js', 'engage.js', { __KIZUNA_ENGAGE_WASM_SRI__: JSON.stringify(sri(at('engage.wasm'))) });
await iife('js/loader.js', 'kizuna.js', {
  __KIZUNA_ENGAGE_SRI__: JSON.stringify(sri(at('engage.js'))),
  __KIZUNA_ENGAGE_WASM_SRI__: JSON.stringify(sri(at('engage.wasm'))),
  __KIZUNA_WASM_SRI__: JSON.stringify(sri(at('kizuna.wasm'))),
  __KIZUNA_PERSONALIZE_SRI__: JSON.stringify(sri(at('personalize.js'))),
  __KIZUNA_PERSONALIZE_WASM_SRI__: JSON.stringify(sri(at('personalize.wasm'))),
});
await iife('js/slots.js', 'slots.js');
await build({ entryPoints: [path.join(root, 'js/snippet.js')], outfile: at('snippet.js'), minify: true, format: 'esm', logLevel: 'warning' });
// The snippet goes inline in pages: no trailing newline, nothing but itself.
const snippet = fs.readFileSync(at('snippet.js'), 'utf8').trim();
fs.writeFileSync(at('snippet.js'), snippet);

const integrity = {};
for (const f of ['snippet.js', 'slots.js', 'kizuna.js', 'kizuna.wasm', 'personalize.js', 'personalize.wasm', 'engage.js', 'engage.wasm']) integrity[f] = sri(at(f));
// CSP hash of the inline snippet (for script-src without 'unsafe-inline').
const snippetCspHash = "'sha256-" + crypto.createHash('sha256').update(snippet).digest('base64') + "'";
fs.writeFileSync(at('integrity.json'), JSON.stringify({ ...integrity, snippetCspHash }, null, 2) + '\n');
fs.writeFileSync(at('tags.html'), `<!-- Kizuna: paste in <head>, with this folder served at /kizuna/. -->
<script>${snippet}</script>
<!-- Only with personalized slots (data-kz-slot): renders kept variants before first paint. -->
<script src="/kizuna/slots.js" integrity="${integrity['slots.js']}" crossorigin="anonymous"></script>
<script async src="/kizuna/kizuna.js" integrity="${integrity['kizuna.js']}" crossorigin="anonymous"></script>
<script>kizuna('init', { endpoint: '/collect', writeKey: 'YOUR_KEY' }); kizuna('page');</script>
<!-- kizuna.js loads personalize.js (SRI-checked) from this folder where a page personalizes,
     or engage.js where it also has recommendations (data-kz-recs, config recs / journeys / surveys).
     Strict CSP: script-src 'self' 'wasm-unsafe-eval' ${snippetCspHash} (the snippet's hash), connect-src 'self'
     (or your collector's origin). Or load the snippet as a file: <script src="/kizuna/snippet.js"></script>. -->
`);
const size = (f) => fs.statSync(at(f)).size;
console.log(`[dist] dist/kizuna: snippet ${Buffer.byteLength(snippet)} B, loader ${size('kizuna.js')} B, wasm ${size('kizuna.wasm')} B, ` +
  `personalize ${size('personalize.js')} B + ${size('personalize.wasm')} B, engage ${size('engage.js')} B + ${size('engage.wasm')} B, slots ${size('slots.js')} B`);
