// The ways sites ship Kizuna (issue #4): the script tag with its snippet
// queue, the npm package in a bundler app, a strict Content-Security-Policy,
// Subresource Integrity, and server-side imports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../../www/collector.mjs';
import { allEvents, isBrowserReport, launchBrowser, waitForEvents } from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'dist/kizuna');
const STRICT = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";
const NO_WASM = "default-src 'self'; script-src 'self'; connect-src 'self'";

let browser;
let collector;
let tmp;

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'kizuna.js')), 'run tools/build.sh first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-packaging-'));
  fs.mkdirSync(path.join(tmp, 'pages'));
  collector = await startCollector({
    port: 0,
    out: path.join(tmp, 'batches.ndjson'),
    mounts: [
      { prefix: '/', dir: path.join(ROOT, 'www') },
      { prefix: '/kizuna/', dir: path.join(ROOT, 'js') },
      { prefix: '/dist/', dir: path.join(ROOT, 'dist') },
      { prefix: '/csp/', dir: path.join(ROOT, 'www/csp'), headers: { 'Content-Security-Policy': STRICT } },
      { prefix: '/csp-nowasm/', dir: path.join(ROOT, 'www/csp'), headers: { 'Content-Security-Policy': NO_WASM } },
      { prefix: '/tmp-pages/', dir: path.join(tmp, 'pages') },
      { prefix: '/vite/', dir: path.join(tmp, 'vite-dist') },
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** 300 ms on: no securitypolicyviolation event, no CSP console message, no page error. */
async function assertNoViolation(page, consoleMessages, pageErrors) {
  await page.waitForTimeout(300);
  assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'no securitypolicyviolation');
  assert.deepEqual(consoleMessages.filter((m) => /Content.Security.Policy|Refused/i.test(m.text)), []);
  assert.deepEqual(pageErrors, []);
}

async function open(url, contextOptions) {
  const context = await browser.newContext(contextOptions);
  // The demo pages count their own events exactly: autotrack off (see helpers.mjs).
  await context.addInitScript(() => { window.kizunaDemoNoAutotrack = true; });
  const page = await context.newPage();
  const consoleMessages = [];
  const pageErrors = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
  // Firefox's reports of a CSP refusal or an SRI mismatch are console errors, as in Chromium (helpers.mjs).
  page.on('pageerror', (e) => {
    if (isBrowserReport(e)) consoleMessages.push({ type: 'error', text: e.stack.split('\n')[0] });
    else pageErrors.push(e.message);
  });
  await page.goto(`${collector.url}${url}`);
  return { context, page, consoleMessages, pageErrors };
}

const sha384 = (file) => 'sha384-' + crypto.createHash('sha384').update(fs.readFileSync(file)).digest('base64');

test('the snippet is at most 400 bytes and defines a queue stub', () => {
  const snippet = fs.readFileSync(path.join(DIST, 'snippet.js'), 'utf8');
  assert.ok(Buffer.byteLength(snippet) <= 400, `${Buffer.byteLength(snippet)} bytes`);
  const window = {};
  const document = { URL: 'https://shop.example/a', referrer: 'https://ref.example/', title: 'A' };
  new Function('window', 'document', snippet)(window, document); // the test's own eval, not Kizuna's
  window.kizuna('track', 'X', { a: 1 });
  const [call] = window.kizuna.q;
  assert.equal(typeof call[0], 'number');
  assert.deepEqual(call.slice(1), ['https://shop.example/a', 'https://ref.example/', 'A', ['track', 'X', { a: 1 }]]);
});

test('calls made before the SDK loaded are replayed in order, with the time, URL and title they were made with', async () => {
  const { context, page, pageErrors } = await open('/script-tag.html');
  try {
    await page.waitForFunction(() => typeof window.kizuna.track === 'function', null, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.readyCalledWith), 'function', "kizuna('ready', fn) got the API");
    await page.click('#track');
    await page.evaluate(() => window.kizuna('flush'));
    const events = await waitForEvents(collector, (e) => e.context?.page?.url?.includes('/script-tag.html'), 5000, 4);
    const names = events.map((e) => e.event ?? e.type);
    assert.deepEqual(names, ['page', 'Queued Before Load', 'Queued After Route Change', 'Clicked After Load']);
    const [pageView, first, second, live] = events;
    assert.ok(!first.context.page.url.includes('step=2'), 'the first call keeps the URL it was made on');
    assert.equal(first.context.page.title, 'Kizuna script tag');
    assert.equal(pageView.properties.title, 'Kizuna script tag');
    assert.ok(second.context.page.url.includes('?step=2'), 'the second call, after pushState, has the new URL');
    assert.equal(second.context.page.title, 'Kizuna script tag, step 2');
    assert.ok(Date.parse(first.timestamp) <= Date.parse(second.timestamp));
    assert.ok(Date.parse(second.timestamp) < Date.parse(live.timestamp), 'queued calls carry the time they were made');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('Subresource Integrity: the recorded hashes match the files, and the tags from tags.html load', async () => {
  const integrity = JSON.parse(fs.readFileSync(path.join(DIST, 'integrity.json'), 'utf8'));
  for (const file of ['snippet.js', 'kizuna.js', 'kizuna.wasm', 'personalize.js', 'personalize.wasm', 'slots.js']) {
    assert.equal(integrity[file], sha384(path.join(DIST, file)), file);
  }
  // Every tag's file from dist/ (the folder the hashes are of): /kizuna/ serves js/, the sources.
  const tags = fs.readFileSync(path.join(DIST, 'tags.html'), 'utf8').replaceAll('/kizuna/', '/dist/kizuna/');
  assert.ok(tags.includes(`integrity="${integrity['kizuna.js']}"`));
  fs.writeFileSync(path.join(tmp, 'pages', 'sri.html'), `<!doctype html><html><head><meta charset="utf-8"><title>SRI</title>${tags}</head><body></body></html>`);
  const { context, page, pageErrors } = await open('/tmp-pages/sri.html');
  try {
    await page.waitForFunction(() => typeof window.kizuna.track === 'function', null, { timeout: 10_000 });
    await page.evaluate(() => kizuna.consent.set({ analytics: true }));
    const events = await waitForEvents(collector, (e) => e.context?.page?.url?.endsWith('/tmp-pages/sri.html') && e.type === 'page', 5000, 1);
    assert.equal(events.length, 1);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
  // A tampered loader is refused by the browser.
  fs.writeFileSync(path.join(tmp, 'pages', 'tampered.html'),
    `<!doctype html><html><head><meta charset="utf-8"><title>SRI</title><script async src="/dist/kizuna/kizuna.js" integrity="sha384-${'A'.repeat(64)}" crossorigin="anonymous"></script></head><body></body></html>`);
  const t = await open('/tmp-pages/tampered.html');
  try {
    await t.page.waitForTimeout(500);
    assert.equal(await t.page.evaluate(() => typeof window.kizuna), 'undefined');
  } finally {
    await t.context.close();
  }
});

for (const [name, url, eventName] of [
  ['the script tag', '/csp/script-tag.html', 'CSP Script Tag'],
  ['the npm package (ES module)', '/csp/module.html', 'CSP Module'],
]) {
  test(`a strict CSP (${STRICT}) with ${name}: no violation, events arrive`, async () => {
    const { context, page, pageErrors, consoleMessages } = await open(url);
    try {
      await page.waitForFunction(() => window.kizunaReady === true, null, { timeout: 10_000 });
      assert.equal(await page.textContent('#status'), 'ready');
      const events = await waitForEvents(collector, (e) => e.event === eventName, 5000, 1);
      assert.equal(events.length, 1);
      await assertNoViolation(page, consoleMessages, pageErrors);
    } finally {
      await context.close();
    }
  });
}

test(`a strict CSP (${STRICT}): a journey message of the engage build shows, styled, with no violation`, async () => {
  const { context, page, pageErrors, consoleMessages } = await open('/csp/engage.html');
  try {
    await page.waitForFunction(() => window.kizunaReady === true, null, { timeout: 10_000 });
    await page.waitForSelector('.kz-journey', { timeout: 5000 });
    const look = await page.evaluate(() => {
      const box = document.querySelector('.kz-journey');
      return { text: box.querySelector('.kz-journey-text').textContent, position: getComputedStyle(box).position };
    });
    assert.deepEqual(look, { text: 'Hello under a strict CSP', position: 'fixed' }, 'the constructed stylesheet applies');
    await page.click('.kz-journey .kz-why:not(.kz-forget)');
    await assertNoViolation(page, consoleMessages, pageErrors);
  } finally {
    await context.close();
  }
});

test("without 'wasm-unsafe-eval': one clear message, the page keeps working, queued calls are kept", async () => {
  const { context, page, pageErrors, consoleMessages } = await open('/csp-nowasm/script-tag.html');
  try {
    await page.waitForFunction(() => (window.kizuna.q || []).length > 0, null, { timeout: 5000 });
    await page.waitForTimeout(1000);
    const ours = consoleMessages.filter((m) => m.text.startsWith('[kizuna]'));
    assert.equal(ours.length, 1, JSON.stringify(ours));
    assert.match(ours[0].text, /'wasm-unsafe-eval'/);
    assert.match(ours[0].text, /script-src/);
    assert.deepEqual(pageErrors, []);
    const kept = await page.evaluate(() => window.kizuna.q.map((c) => c[4][0]));
    assert.deepEqual(kept, ['init', 'track', 'ready'], 'the calls wait, in order');
    await page.evaluate(() => window.kizuna('track', 'Later'));
    assert.equal(await page.evaluate(() => window.kizuna.q.length), 4, 'later calls are kept too');
    assert.equal(await page.evaluate(() => document.getElementById('status').textContent), 'loading…');
  } finally {
    await context.close();
  }
  const m = await open('/csp-nowasm/module.html');
  try {
    await m.page.waitForFunction(() => window.kizunaReady === true, null, { timeout: 5000 });
    assert.match(await m.page.evaluate(() => window.initError), /'wasm-unsafe-eval'/, 'init() rejects saying what the CSP needs');
    assert.deepEqual(m.pageErrors, []);
  } finally {
    await m.context.close();
  }
});

test('npm: the packed package holds only what it needs, and a Vite app built with it sends events', async () => {
  const packDir = path.join(tmp, 'pack');
  fs.mkdirSync(packDir);
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: path.join(ROOT, 'js'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
  assert.deepEqual(packed.files.map((f) => f.path).sort(),
    ['edge/api.js', 'edge/autotrack.js', 'edge/call.js', 'edge/capture.js', 'edge/config.js', 'edge/consent.js', 'edge/console.js', 'edge/driver.js', 'edge/journeys.js', 'edge/later.js', 'edge/life.js', 'edge/outbox.js', 'edge/page.js', 'edge/personal.js', 'edge/personalize.js', 'edge/protocol.js', 'edge/records.js',
      'edge/recs.js', 'edge/remote.js', 'edge/signals.js', 'edge/storage.js', 'edge/viewable.js', 'index.d.ts', 'index.js', 'package.json', 'pkg/engage.js', 'pkg/engage_bg.wasm', 'pkg/kizuna.js', 'pkg/kizuna_bg.wasm',
      'pkg/personalize.js', 'pkg/personalize_bg.wasm', 'sanitize.js']);
  console.log(`# npm tarball ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`);

  const app = path.join(tmp, 'vite-app');
  fs.cpSync(path.join(ROOT, 'tests/vite-app'), app, { recursive: true, filter: (p) => !/node_modules|dist$/.test(p) });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--offline', path.join(packDir, packed.filename)], { cwd: app, stdio: 'ignore' });
  execFileSync(path.join(ROOT, 'node_modules/.bin/vite'), ['build', '--base', '/vite/', '--outDir', path.join(tmp, 'vite-dist')], { cwd: app, stdio: 'ignore' });
  const assets = fs.readdirSync(path.join(tmp, 'vite-dist', 'assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the wasm is emitted as an asset: ${assets}`);

  const { context, page, pageErrors } = await open('/vite/index.html');
  try {
    await page.waitForFunction(() => window.viteResult, null, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => window.viteResult), { sent: 1, failed: 0, pending: 0, waitingForConsent: 0 });
    const events = allEvents(collector).filter((e) => e.event === 'Vite App Event');
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].properties, { bundler: 'vite' });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('server-side: importing the package touches no browser global, and init() gives an inert instance', () => {
  const script = `
    const touched = [];
    for (const name of ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'self', 'fetch', 'WebAssembly']) {
      const real = globalThis[name];
      Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); return real; } });
    }
    const kizuna = await import(${JSON.stringify(path.join(ROOT, 'js/index.js'))});
    const onImport = [...touched];
    for (const name of ['window', 'document']) delete globalThis[name];
    const kz = await kizuna.init({ endpoint: 'https://collect.example/' });
    const results = [kz.inert, kz.track('X'), kz.page(), kz.identify('u'), kz.reset(), await kz.flush(), kz.anonymousId(), kz.consent.get(), typeof kz.consent.onChange(() => {})];
    console.log(JSON.stringify({ onImport, results }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
  assert.deepEqual(out.onImport, [], 'no browser global read on import');
  assert.deepEqual(out.results, [true, false, false, false, null, { sent: 0, failed: 0, pending: 0, waitingForConsent: 0 }, null, null, 'function']);
});

test('the TypeScript declarations cover every call a site makes (tsc --strict)', () => {
  execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(ROOT, 'tests/types/tsconfig.json')], { stdio: 'pipe' });
});
