#!/usr/bin/env node
// Writes the script-tag distribution into dist/kizuna/, ready to copy to a
// web server: the snippet, the loader (with the wasm-bindgen glue bundled
// in), the wasm, their Subresource Integrity hashes (integrity.json) and the
// exact tags to paste (tags.html). Run by tools/build.sh after js/pkg/ is
// built, so the npm package and the script tag ship the same wasm and glue.
import { build } from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'kizuna');
const sri = (file) => 'sha384-' + crypto.createHash('sha384').update(fs.readFileSync(file)).digest('base64');

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

fs.copyFileSync(path.join(root, 'js/pkg/kizuna_bg.wasm'), path.join(out, 'kizuna.wasm'));
const wasmIntegrity = sri(path.join(out, 'kizuna.wasm'));

await build({
  entryPoints: [path.join(root, 'js/loader.js')],
  outfile: path.join(out, 'kizuna.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  define: { __KIZUNA_WASM_SRI__: JSON.stringify(wasmIntegrity) },
  // The glue's default wasm URL (import.meta.url) is never used: the loader
  // always passes the URL it computed.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});
await build({
  entryPoints: [path.join(root, 'js/snippet.js')],
  outfile: path.join(out, 'snippet.js'),
  minify: true,
  format: 'esm',
  logLevel: 'warning',
});
await build({
  entryPoints: [path.join(root, 'js/slots.js')],
  outfile: path.join(out, 'slots.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  logLevel: 'warning',
});
// The snippet goes inline in pages: no trailing newline, nothing but itself.
const snippet = fs.readFileSync(path.join(out, 'snippet.js'), 'utf8').trim();
fs.writeFileSync(path.join(out, 'snippet.js'), snippet);

const integrity = {
  'snippet.js': sri(path.join(out, 'snippet.js')),
  'slots.js': sri(path.join(out, 'slots.js')),
  'kizuna.js': sri(path.join(out, 'kizuna.js')),
  'kizuna.wasm': wasmIntegrity,
};
// CSP hash of the inline snippet (for script-src without 'unsafe-inline').
const snippetCspHash = "'sha256-" + crypto.createHash('sha256').update(snippet).digest('base64') + "'";
fs.writeFileSync(path.join(out, 'integrity.json'), JSON.stringify({ ...integrity, snippetCspHash }, null, 2) + '\n');
fs.writeFileSync(path.join(out, 'tags.html'), `<!-- Kizuna: paste in <head>, with this folder served at /kizuna/. -->
<script>${snippet}</script>
<!-- Only with personalized slots (data-kz-slot): renders kept variants before first paint. -->
<script src="/kizuna/slots.js" integrity="${integrity['slots.js']}" crossorigin="anonymous"></script>
<script async src="/kizuna/kizuna.js" integrity="${integrity['kizuna.js']}" crossorigin="anonymous"></script>
<script>kizuna('init', { endpoint: '/collect', writeKey: 'YOUR_KEY' }); kizuna('page');</script>
<!-- Strict CSP: script-src 'self' 'wasm-unsafe-eval' ${snippetCspHash} (the snippet's hash), connect-src 'self'
     (or your collector's origin). Or load the snippet as a file: <script src="/kizuna/snippet.js"></script>. -->
`);
console.log(`[dist] dist/kizuna: snippet ${Buffer.byteLength(snippet)} B, slots ${fs.statSync(path.join(out, 'slots.js')).size} B, loader ${fs.statSync(path.join(out, 'kizuna.js')).size} B, wasm ${fs.statSync(path.join(out, 'kizuna.wasm')).size} B`);
