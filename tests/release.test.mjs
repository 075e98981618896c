// The release on a machine without Rust: the files tools/release.sh wrote
// into release/ (it builds nothing here; with no release/, or one of another
// build, it runs `tools/release.sh --no-build` to pack the current build),
// used with a PATH that has node and npm and nothing else: the npm tarball
// installed offline into a fresh Vite app and into a server-rendered app
// (Vite SSR: the server bundle imports 'kizuna', renders with an inert
// instance; the browser hydrates), and the web zip's script tags on a plain
// page. Each is served by the local collector and checked in the browser
// (Chromium, or KIZUNA_BROWSER): events arrive, a slot renders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../www/collector.mjs';
import { allEvents, isBrowserReport, launchBrowser, waitForEvents, waitUntil } from './e2e/helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RELEASE = path.join(ROOT, 'release');
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'js/package.json'), 'utf8')).version;
const TGZ = path.join(RELEASE, `kizuna-${VERSION}.tgz`);
const ZIP = path.join(RELEASE, `kizuna-${VERSION}-web.zip`);
const VITE = path.join(ROOT, 'node_modules/vite/bin/vite.js');
const RUST_TOOLS = ['cargo', 'rustc', 'rustup', 'wasm-bindgen', 'wasm-opt'];

const sha = (algo, data) => crypto.createHash(algo).update(data);
const sri = (file) => 'sha384-' + sha('sha384', fs.readFileSync(file)).digest('base64');

// A slot whose variants are templates (README, Personalization), and its config.
const SLOT = `<section data-kz-slot="hero"><h2 class="default">Welcome to the shop</h2>` +
  `<template data-kz-variant="shoes" data-kz-tags="shoes"><h2 class="variant">New trail shoes</h2></template>` +
  `<template data-kz-variant="sale" data-kz-tags="accessories,sale"><h2 class="variant">20% off accessories</h2></template></section>`;
const SLOTS = { hero: { explore: 0, variants: { shoes: { prior: 0.05 }, sale: { prior: 0.05 } } } };

let tmp;
let env;
let collector;
let browser;

/** Whether release/ holds this version, of the build in dist/ where there is one. */
function releaseIsCurrent() {
  if (![TGZ, ZIP, path.join(RELEASE, 'SHA256SUMS')].every((f) => fs.existsSync(f))) return false;
  const built = path.join(ROOT, 'dist/kizuna/kizuna.wasm');
  if (!fs.existsSync(built)) return true;
  const packed = execFileSync('tar', ['-xzOf', TGZ, 'package/pkg/kizuna_bg.wasm']);
  return packed.equals(fs.readFileSync(built));
}

/**
 * The environment of a machine with node and npm only: PATH is one folder
 * of links to them, no Rust variable, npm offline with an empty cache and
 * user config and an unreachable registry.
 */
function cleanEnv(dir) {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const which = (name) => execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  // npm's script starts with #!/usr/bin/env node: it finds this node.
  for (const tool of ['node', 'npm', 'sh']) fs.symlinkSync(fs.realpathSync(which(tool)), path.join(bin, tool));
  fs.writeFileSync(path.join(dir, 'npmrc'), '');
  const out = { HOME: path.join(dir, 'home'), PATH: bin, LANG: 'C.UTF-8', TMPDIR: os.tmpdir() };
  fs.mkdirSync(out.HOME);
  Object.assign(out, {
    npm_config_cache: path.join(dir, 'npm-cache'),
    npm_config_userconfig: path.join(dir, 'npmrc'),
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  });
  return out;
}

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A fresh app folder with `files`, and the tarball installed into it. */
function appWith(name, files) {
  const app = path.join(tmp, name);
  for (const [file, text] of Object.entries({ 'package.json': JSON.stringify({ name: `kizuna-release-${name}`, private: true, type: 'module' }), ...files })) {
    fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    fs.writeFileSync(path.join(app, file), text);
  }
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', TGZ], app);
  const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/kizuna/package.json'), 'utf8'));
  assert.equal(installed.version, VERSION);
  for (const m of ['kizuna', 'personalize', 'engage']) assert.ok(fs.existsSync(path.join(app, `node_modules/kizuna/pkg/${m}_bg.wasm`)), `${m} wasm installed`);
  return app;
}

async function open(url, { storage } = {}) {
  const context = await browser.newContext();
  if (storage) await context.addInitScript((s) => { if (location.protocol === 'http:') for (const [k, v] of Object.entries(s)) localStorage.setItem(k, v); }, storage);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(isBrowserReport(e) ? `report: ${e.message}` : e.message));
  // Errors and Kizuna's warnings; a failed resource is said by its response
  // (the console's line has no URL), the browser's favicon guess left out.
  page.on('console', (m) => {
    const text = m.text();
    if ((m.type() === 'error' && !text.startsWith('Failed to load resource')) || (m.type() === 'warning' && text.startsWith('[kizuna]'))) errors.push(text);
  });
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()}: ${r.url()}`); });
  // A request cut off by the test's reload is not a failure.
  page.on('requestfailed', (r) => { if (!/ABORTED/i.test(r.failure()?.errorText ?? '')) errors.push(`failed: ${r.url()} ${r.failure()?.errorText}`); });
  await page.goto(`${collector.url}${url}`);
  return { context, page, errors };
}

/** The slot shows one of its variants, and decide() names it. */
async function assertSlotRendered(page, decision) {
  await page.waitForSelector('[data-kz-slot="hero"] .variant', { timeout: 10_000 });
  const shown = await page.evaluate(() => [...document.querySelectorAll('[data-kz-slot="hero"] h2')].map((h) => h.textContent));
  assert.equal(shown.length, 1, `one heading in the slot: ${shown}`);
  if (decision) {
    assert.ok(['shoes', 'sale'].includes(decision.variant), JSON.stringify(decision));
    assert.equal(shown[0], decision.variant === 'shoes' ? 'New trail shoes' : '20% off accessories');
  }
}

before(async () => {
  if (!releaseIsCurrent()) execFileSync(path.join(ROOT, 'tools/release.sh'), ['--no-build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  for (const line of fs.readFileSync(path.join(RELEASE, 'SHA256SUMS'), 'utf8').trim().split('\n')) {
    const [hash, file] = line.split(/\s+/);
    assert.equal(sha('sha256', fs.readFileSync(path.join(RELEASE, file))).digest('hex'), hash, `SHA256SUMS: ${file}`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-release-test-'));
  env = cleanEnv(tmp);
  fs.mkdirSync(path.join(tmp, 'pages'));
  collector = await startCollector({
    port: 0,
    out: path.join(tmp, 'batches.ndjson'),
    duckdb: false,
    mounts: [
      { prefix: '/vite/', dir: path.join(tmp, 'vite-dist') },
      { prefix: '/ssr/', dir: path.join(tmp, 'ssr', 'dist/client') },
      { prefix: '/kizuna/', dir: path.join(tmp, 'web/kizuna') },
      { prefix: '/pages/', dir: path.join(tmp, 'pages') },
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the clean PATH has node and npm, and no Rust, wasm-bindgen or wasm-opt', () => {
  for (const tool of RUST_TOOLS) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { env, encoding: 'utf8' });
    assert.notEqual(found.status, 0, `${tool} is found: ${found.stdout}`);
  }
  assert.match(run('node', ['--version']), /^v\d+/);
  assert.match(run('npm', ['--version']), /^\d+\./);
});

test('npm: the tarball installs offline into a fresh Vite app; built and served, it sends events and renders a slot', async () => {
  const app = appWith('vite-app', {
    'index.html': `<!doctype html><html><head><meta charset="utf-8"><title>Release Vite</title></head><body>${SLOT}<script type="module" src="/main.js"></script></body></html>`,
    'main.js': `import { init } from 'kizuna';
const kz = await init({ endpoint: '/collect', writeKey: 'release-vite', consent: { mode: 'opt-out' }, autotrack: false, slots: ${JSON.stringify(SLOTS)} });
kz.track('Release Vite Event', { bundler: 'vite' });
window.result = { summary: await kz.flush(), decision: kz.decide('hero') };
`,
    'vite.config.js': `export default { logLevel: 'warn', build: { target: 'es2022' } };\n`,
  });
  run('node', [VITE, 'build', '--base', '/vite/', '--outDir', path.join(tmp, 'vite-dist'), '--emptyOutDir'], app);
  const assets = fs.readdirSync(path.join(tmp, 'vite-dist/assets'));
  assert.ok(assets.filter((f) => f.endsWith('.wasm')).length >= 2, `the wasm modules are assets: ${assets}`);

  const { context, page, errors } = await open('/vite/index.html');
  try {
    const result = await page.waitForFunction(() => window.result, null, { timeout: 15_000 }).then((h) => h.jsonValue());
    assert.deepEqual(result.summary, { sent: 1, failed: 0, pending: 0, waitingForConsent: 0 });
    const [event] = await waitForEvents(collector, (e) => e.event === 'Release Vite Event', 5000, 1);
    assert.deepEqual(event.properties, { bundler: 'vite' });
    assert.equal(event.context.library.version, VERSION, 'the event names the released version');
    await assertSlotRendered(page, result.decision);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('npm: a server-rendered app (Vite SSR) imports kizuna on the server, inert, and hydrates in the browser', async () => {
  const app = appWith('ssr', {
    'index.html': `<!doctype html><html><head><meta charset="utf-8"><title>Release SSR</title></head><body><div id="app"><!--ssr-outlet--></div><script type="module" src="/src/entry-client.js"></script></body></html>`,
    'src/view.js': `export const view = (where) => \`<main data-rendered="\${where}">${SLOT.replaceAll('`', '\\`')}<button id="buy">Buy</button><p id="status">\${where}</p></main>\`;\n`,
    'src/entry-server.js': `import { init } from 'kizuna';
import { view } from './view.js';
// Per request: an instance that does nothing on the server (no window).
export async function render() {
  const kz = await init({ endpoint: '/collect', writeKey: 'release-ssr', slots: ${JSON.stringify(SLOTS)} });
  kz.track('Server Side Event');
  return { html: view('server'), inert: kz.inert, flushed: await kz.flush() };
}
`,
    'src/entry-client.js': `import { init } from 'kizuna';
// Hydration: the server's markup stays; the page's behaviour attaches to it.
const kz = await init({ endpoint: '/collect', writeKey: 'release-ssr', consent: { mode: 'opt-out' }, autotrack: false, slots: ${JSON.stringify(SLOTS)} });
document.getElementById('buy').addEventListener('click', () => { kz.track('SSR Buy Clicked'); kz.flush(); });
document.getElementById('status').textContent = 'hydrated';
kz.track('SSR Hydrated', { renderedOn: document.querySelector('main').dataset.rendered });
window.result = { summary: await kz.flush(), decision: kz.decide('hero') };
`,
    // The server: renders the page with the server bundle into the client's HTML.
    'server.js': `import fs from 'node:fs';
const { render } = await import('./dist/server/entry-server.js');
const page = await render();
const template = fs.readFileSync('dist/client/index.html', 'utf8');
fs.writeFileSync('dist/client/index.html', template.replace('<!--ssr-outlet-->', page.html));
console.log(JSON.stringify({ inert: page.inert, flushed: page.flushed }));
`,
    'vite.config.js': `export default { logLevel: 'warn', build: { target: 'es2022' } };\n`,
  });
  run('node', [VITE, 'build', '--base', '/ssr/', '--outDir', 'dist/client'], app);
  run('node', [VITE, 'build', '--ssr', 'src/entry-server.js', '--outDir', 'dist/server'], app);
  const serverBundle = fs.readFileSync(path.join(app, 'dist/server/entry-server.js'), 'utf8');
  assert.match(serverBundle, /from ["']kizuna["']/, 'the server bundle imports the installed package');
  const rendered = JSON.parse(run('node', ['server.js'], app).trim());
  assert.deepEqual(rendered, { inert: true, flushed: { sent: 0, failed: 0, pending: 0, waitingForConsent: 0 } });
  assert.match(fs.readFileSync(path.join(app, 'dist/client/index.html'), 'utf8'), /data-rendered="server".*data-kz-slot="hero"/s);

  const { context, page, errors } = await open('/ssr/index.html');
  try {
    const result = await page.waitForFunction(() => window.result, null, { timeout: 15_000 }).then((h) => h.jsonValue());
    assert.deepEqual(result.summary, { sent: 1, failed: 0, pending: 0, waitingForConsent: 0 });
    assert.equal(await page.textContent('#status'), 'hydrated');
    const [hydrated] = await waitForEvents(collector, (e) => e.event === 'SSR Hydrated', 5000, 1);
    assert.deepEqual(hydrated.properties, { renderedOn: 'server' }, 'the browser kept the server-rendered markup');
    await assertSlotRendered(page, result.decision);
    await page.click('#buy');
    await waitForEvents(collector, (e) => e.event === 'SSR Buy Clicked', 5000, 1);
    assert.equal(allEvents(collector).filter((e) => e.event === 'Server Side Event').length, 0, 'the server sent nothing');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("script tag: the web zip's tags.html and integrity.json match its files, and a page with those tags sends events and renders a slot", async () => {
  const web = path.join(tmp, 'web');
  fs.mkdirSync(web);
  // An unzip that is not ours: Info-ZIP's, or Python's zipfile.
  const unzip = spawnSync('unzip', ['-q', ZIP, '-d', web]);
  if (unzip.error) execFileSync('python3', ['-m', 'zipfile', '-e', ZIP, web]);
  else assert.equal(unzip.status, 0, String(unzip.stderr));
  const dir = path.join(web, 'kizuna');
  assert.ok(fs.existsSync(path.join(web, 'LICENSE')));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['engage.js', 'engage.wasm', 'integrity.json', 'kizuna.js', 'kizuna.wasm',
    'personalize.js', 'personalize.wasm', 'slots.js', 'snippet.js', 'tags.html']);

  const integrity = JSON.parse(fs.readFileSync(path.join(dir, 'integrity.json'), 'utf8'));
  for (const [file, hash] of Object.entries(integrity)) {
    if (file !== 'snippetCspHash') assert.equal(sri(path.join(dir, file)), hash, `integrity.json: ${file}`);
  }
  const snippet = fs.readFileSync(path.join(dir, 'snippet.js'), 'utf8');
  assert.equal(integrity.snippetCspHash, `'sha256-${sha('sha256', snippet).digest('base64')}'`);
  const tags = fs.readFileSync(path.join(dir, 'tags.html'), 'utf8');
  assert.ok(tags.includes(`<script>${snippet}</script>`), 'tags.html inlines the snippet');
  const tagged = [...tags.matchAll(/src="\/kizuna\/([^"]+)" integrity="([^"]+)"/g)];
  assert.deepEqual(tagged.map((m) => m[1]).sort(), ['kizuna.js', 'slots.js']);
  for (const [, file, hash] of tagged) assert.equal(sri(path.join(dir, file)), hash, `tags.html: ${file}`);

  // The tags as pasted, on a page with a slot, the slot in the config (no
  // exploring draw: one is never kept, and the test reloads to see the kept
  // one); consent granted by a stored record, as a returning visitor's (the
  // tags' init is opt-in).
  const init = "kizuna('init', { endpoint: '/collect', writeKey: 'YOUR_KEY' });";
  assert.ok(tags.includes(init), 'tags.html has the init call');
  fs.writeFileSync(path.join(tmp, 'pages/tags.html'), `<!doctype html><html><head><meta charset="utf-8"><title>Release tags</title>\n` +
    `${tags.replace(init, `kizuna('init', { endpoint: '/collect', writeKey: 'YOUR_KEY', slots: ${JSON.stringify(SLOTS)} });`)}</head><body>${SLOT}</body></html>`);
  const consent = JSON.stringify({ v: 1, categories: { analytics: 'granted', personalization: 'granted', marketing: 'denied' }, updatedAt: Date.now(), source: 'test' });
  const { context, page, errors } = await open('/pages/tags.html', { storage: { 'kizuna:consent': consent } });
  try {
    await page.waitForFunction(() => typeof window.kizuna.track === 'function', null, { timeout: 10_000 });
    const [pageView] = await waitForEvents(collector, (e) => e.type === 'page' && e.context?.page?.url?.endsWith('/pages/tags.html'), 10_000, 1);
    assert.equal(pageView.context.library.version, VERSION);
    // Decided on this view (or after the pre-paint script's 300 ms on a
    // loaded machine: then kept for the next), rendered on the next at the latest.
    const first = await waitUntil(() => page.evaluate(() => { const d = window.kizuna.decide?.('hero'); return d && d.reason !== 'no-consent' && d; }), 10_000, 'a decision for the slot');
    assert.ok(['thompson', 'late'].includes(first.reason), JSON.stringify(first));
    await page.reload();
    await assertSlotRendered(page, await page.waitForFunction(() => window.kizuna.decide?.('hero'), null, { timeout: 10_000 }).then((h) => h.jsonValue()));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
