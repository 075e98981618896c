// Shared setup for Kizuna's WebKit tests (Safari's engine: WebKitGTK's
// MiniBrowser driven over classic WebDriver by selenium-webdriver).
//
// Each test file calls `setup()` in `before` and `teardown()` in `after`.
// setup() starts, for that file alone:
//   - an X server (Xvfb; MiniBrowser has no headless mode) on a display
//     number picked from the PID (the next free one if that is taken),
//   - WebKitWebDriver on a free port,
//   - the local collector (www/collector.mjs, port 0, no DuckDB) serving the
//     demo pages, the npm package at /kizuna/ and the script-tag build at
//     /dist/.
// Each test opens a fresh WebDriver session (`newTab`): a new MiniBrowser
// with its own, ephemeral storage, so the anonymous id never leaks between
// tests and filtering collector events by anonymousId or run id keeps tests
// independent of each other and of their order.
//
// Classic WebDriver has no console access, no init scripts and no request
// interception. So the collector serves the demo pages (www/*.html) with one
// inline script added first in their <head> (copies made at setup, in a temp
// dir mounted at / instead of www/; everything else in www/ is linked, not
// copied). That script:
//   - records console.* calls, uncaught errors, unhandled rejections and
//     failed resource loads into `window.__kzwk` (the test reads them),
//   - records pageshow/pagehide (to tell a back/forward-cache restore),
//   - runs the tab's "init scripts": functions a test stored in the tab's
//     sessionStorage (`tab.addInitScript`), at document start of every page
//     of the tab after that, like Playwright's context.addInitScript,
//   - offers `__kzwk.run(src, json)`: runs a function in the page's own realm
//     with JSON arguments and answers JSON. Selenium's executeScript runs in a
//     sandbox realm whose objects are not plain objects to page code, so every
//     `tab.eval(fn, ...args)` goes through it.

import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import webdriver from 'selenium-webdriver';
import { startCollector } from '../../www/collector.mjs';
import { defaultMounts } from '../../www/collector/static.mjs';

const { Builder, By } = webdriver;

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
const WWW = path.join(ROOT, 'www');

export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.WEBKIT_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB = process.env.XVFB ?? 'Xvfb';

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `promise`, or a rejection naming `what` after `ms`. WebDriver's commands
 * have no time limit of their own: a MiniBrowser that stops answering would
 * otherwise hold a test (and CI) for ever.
 */
export function within(ms, promise, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A run id for filtering collector events (random: no dependence on the clock). */
export const runId = (prefix) => `${prefix}-${crypto.randomUUID()}`;

// ---------------------------------------------------------------------------
// Processes: Xvfb and WebKitWebDriver
// ---------------------------------------------------------------------------

const children = new Set();
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
// A test process that dies without teardown (or is stopped: node --test
// sends SIGTERM on a timeout or cancel) leaves no X server or driver behind.
const killChildren = () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } };
process.once('exit', killChildren);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.once(signal, () => { killChildren(); process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 })[signal]); });
}

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

/** Resolves once `check()` is truthy; rejects when `child` exits first or after `ms`. */
async function untilUp(child, check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (exited(child)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode})`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms} ms`);
    await sleep(50);
  }
}

async function stopChild(child, ms = 3000) {
  if (!child || exited(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => { if (!exited(child)) child.kill('SIGKILL'); }, ms);
  await gone;
  clearTimeout(timer);
}

/** Xvfb on a display number derived from the PID; the next ones if taken. */
async function startXvfb() {
  const first = 100 + (process.pid % 800);
  let lastError;
  for (let n = first; n < first + 40; n++) {
    if (fs.existsSync(`/tmp/.X${n}-lock`) || fs.existsSync(`/tmp/.X11-unix/X${n}`)) continue;
    const child = track(spawn(XVFB, [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (e) => { stderr += String(e); });
    try {
      await untilUp(child, () => fs.existsSync(`/tmp/.X11-unix/X${n}`), 10_000, `Xvfb :${n}`);
      return { child, display: `:${n}` };
    } catch (e) {
      lastError = new Error(`${e.message}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      await stopChild(child);
    }
  }
  throw lastError ?? new Error('no free X display');
}

/** A port nobody listens on right now (the driver cannot take port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function getJson(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch { resolve(null); } });
    });
    req.on('error', () => resolve(null));
    req.setTimeout(1000, () => { req.destroy(); resolve(null); });
  });
}

/** WebKitWebDriver on a free port (another one if that was taken meanwhile). */
async function startDriver(display) {
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = track(spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
      env: { ...process.env, DISPLAY: display },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let output = '';
    child.stdout.on('data', (d) => { output = (output + d).slice(-4000); });
    child.stderr.on('data', (d) => { output = (output + d).slice(-4000); });
    child.on('error', (e) => { output += String(e); });
    const url = `http://127.0.0.1:${port}`;
    try {
      await untilUp(child, async () => (await getJson(`${url}/status`))?.value?.ready === true, 10_000, `WebKitWebDriver on ${port}`);
      return { child, url, output: () => output };
    } catch (e) {
      lastError = new Error(`${e.message}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
      await stopChild(child);
    }
  }
  throw lastError;
}

// ---------------------------------------------------------------------------
// The served pages: www/*.html with the recorder first in <head>
// ---------------------------------------------------------------------------

/**
 * Runs at document start of every served demo page (inlined, see the top of
 * this file). Must not depend on anything but the page.
 */
function pageRecorder() {
  if (window.__kzwk) return;
  const rec = {
    loadId: Math.random().toString(36).slice(2),
    console: [],
    errors: [],
    resourceErrors: [],
    lifecycle: [],
    initErrors: [],
  };
  Object.defineProperty(window, '__kzwk', { value: rec, enumerable: false });
  const text = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return String(v);
    try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch (_) { return String(v); }
  };
  // Names as Playwright reports them (console.warn is "warning").
  const TYPES = { log: 'log', info: 'info', warn: 'warning', error: 'error', debug: 'debug' };
  for (const method of Object.keys(TYPES)) {
    const original = console[method];
    console[method] = function (...args) {
      try { rec.console.push({ type: TYPES[method], text: args.map(text).join(' ') }); } catch (_) { /* never break the page */ }
      return original.apply(this, args);
    };
  }
  window.addEventListener('error', (e) => {
    if (e instanceof ErrorEvent) {
      rec.errors.push({ kind: 'error', message: String(e.message), source: `${e.filename}:${e.lineno}:${e.colno}`, stack: String(e.error?.stack ?? '') });
    } else if (e.target && e.target !== window && e.target.tagName) {
      const t = e.target;
      rec.resourceErrors.push({ tag: t.tagName.toLowerCase(), url: String(t.currentSrc || t.src || t.href || '') });
    }
  }, true);
  window.addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    rec.errors.push({ kind: 'unhandledrejection', message: r instanceof Error ? String(r) : text(r), stack: String(r?.stack ?? '') });
  });
  window.addEventListener('pageshow', (e) => { rec.lifecycle.push({ type: 'pageshow', persisted: e.persisted }); });
  window.addEventListener('pagehide', (e) => {
    rec.lifecycle.push({ type: 'pagehide', persisted: e.persisted });
    // What this page recorded, for a test that looks after it is gone.
    try {
      const before = JSON.parse(sessionStorage.getItem('kzwk:history') || '[]');
      before.push({ path: location.pathname, console: rec.console, errors: rec.errors, resourceErrors: rec.resourceErrors });
      sessionStorage.setItem('kzwk:history', JSON.stringify(before.slice(-20)));
    } catch (_) { /* storage full or gone: the current page still has it */ }
  });
  // Runs `src` (a function's source) in this realm with JSON arguments.
  rec.run = (src, json) => Promise.resolve()
    .then(() => new Function(`return (${src})`)().apply(null, JSON.parse(json)))
    .then((value) => JSON.stringify({ ok: true, value: value === undefined ? null : value }),
      (e) => JSON.stringify({ ok: false, error: String(e?.stack ?? e), message: String(e?.message ?? e) }));
  // The tab's init scripts (tab.addInitScript).
  let scripts = [];
  try { scripts = JSON.parse(sessionStorage.getItem('kzwk:init') || '[]'); } catch (_) { /* none */ }
  for (const [src, arg] of scripts) {
    try { new Function(`return (${src})`)()(JSON.parse(arg)); } catch (e) { rec.initErrors.push(String(e?.stack ?? e)); }
  }
}

const RECORDER_TAG = `<script>/* added by tests/webkit */(${pageRecorder.toString()})();</script>`;

/** `html` with the recorder as the first thing in its <head>. */
export function instrument(html) {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + RECORDER_TAG + html.slice(head.index + head[0].length);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  const at = doctype ? doctype[0].length : 0;
  return html.slice(0, at) + RECORDER_TAG + html.slice(at);
}

/** A copy of www/ for /: its .html files instrumented, everything else linked. */
function servedRoot(dir) {
  const root = path.join(dir, 'www');
  fs.mkdirSync(root);
  for (const name of fs.readdirSync(WWW)) {
    const from = path.join(WWW, name);
    const to = path.join(root, name);
    if (/\.html?$/i.test(name) && fs.statSync(from).isFile()) fs.writeFileSync(to, instrument(fs.readFileSync(from, 'utf8')));
    else fs.symlinkSync(from, to);
  }
  return root;
}

// ---------------------------------------------------------------------------
// setup / teardown
// ---------------------------------------------------------------------------

/** Fails early with a clear message when the shipped build or a tool is missing. */
export function assertReady() {
  for (const file of ['js/pkg/kizuna_bg.wasm', 'dist/kizuna/kizuna.js', 'dist/kizuna/kizuna.wasm']) {
    if (!fs.existsSync(path.join(ROOT, file))) throw new Error(`${file} is missing: run tools/build.sh first`);
  }
  for (const file of [WEBKIT_DRIVER, MINIBROWSER]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run tools/setup.sh (webkit2gtk-driver, xvfb)`);
  }
}

/**
 * Starts Xvfb, WebKitWebDriver and a collector for one test file.
 * @returns {Promise<{collector, dir, display, driverUrl, tabs: Set}>}
 */
export async function setup(name = 'webkit') {
  assertReady();
  const env = { tabs: new Set() };
  try {
    env.dir = fs.mkdtempSync(path.join(os.tmpdir(), `kizuna-webkit-${name}-`));
    const mounts = defaultMounts().map((m) => (m.prefix === '/' ? { ...m, dir: servedRoot(env.dir) } : m));
    // With DuckDB: the demo shop asks for the learned model (GET /v1/model), which is built there.
    env.collector = await startCollector({ port: 0, out: path.join(env.dir, 'batches.ndjson'), quiet: true, mounts });
    env.xvfb = await startXvfb();
    env.display = env.xvfb.display;
    env.driver = await startDriver(env.display);
    env.driverUrl = env.driver.url;
    return env;
  } catch (e) {
    await teardown(env);
    throw e;
  }
}

export async function teardown(env) {
  if (!env) return;
  for (const tab of [...(env.tabs ?? [])]) await tab.close();
  await stopDriver(env.driver?.child);
  await stopChild(env.xvfb?.child);
  await env.collector?.close();
  if (env.dir) fs.rmSync(env.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Tabs: one WebDriver session (one MiniBrowser) each
// ---------------------------------------------------------------------------

const CAPABILITIES = {
  browserName: 'MiniBrowser',
  'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
};

export class Tab {
  constructor(env, driver) {
    this.env = env;
    this.driver = driver;
    this.closed = false;
  }

  url(p = '/') { return `${this.env.collector.url}${p}`; }

  /** Loads `pathAndQuery` (waits for the load event). */
  async goto(pathAndQuery) {
    await within(60_000, this.driver.get(this.url(pathAndQuery)), `loading ${pathAndQuery}`);
  }

  /**
   * Runs `fn(...args)` in the page's realm (args and result as JSON; a
   * returned promise is awaited). Throws with the page's error if it threw.
   */
  async eval(fn, ...args) {
    const answer = await within(60_000, this.driver.executeAsyncScript(
      'const done = arguments[arguments.length - 1];'
      + 'if (!window.__kzwk) { done(JSON.stringify({ ok: false, error: "no recorder on " + location.href })); return; }'
      + 'window.__kzwk.run(arguments[0], arguments[1]).then(done);',
      fn.toString(), JSON.stringify(args)), 'a script in the page');
    const r = JSON.parse(answer);
    if (!r.ok) {
      const e = new Error(`in the page: ${r.error}`);
      e.pageMessage = r.message;
      throw e;
    }
    return r.value;
  }

  /** Polls `fn(...args)` in the page until it returns something truthy; returns that. */
  async waitFor(fn, { args = [], timeout = 10_000, what } = {}) {
    const deadline = Date.now() + timeout;
    let lastError;
    for (;;) {
      try {
        const v = await this.eval(fn, ...args);
        if (v) return v;
      } catch (e) {
        lastError = e; // the page may be navigating
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeout} ms waiting for ${what ?? fn.toString()}${lastError ? ` (last error: ${lastError.message})` : ''}`);
      }
      await sleep(50);
    }
  }

  /** Stores `fn` (with a JSON `arg`) to run at document start of every later page load of this tab. */
  async addInitScript(fn, arg = null) {
    await this.eval((src, argJson) => {
      const list = JSON.parse(sessionStorage.getItem('kzwk:init') || '[]');
      list.push([src, argJson]);
      sessionStorage.setItem('kzwk:init', JSON.stringify(list));
    }, fn.toString(), JSON.stringify(arg));
  }

  /** What the recorder holds for the current page: `{ loadId, console, errors, resourceErrors, lifecycle, initErrors }`. */
  async record() {
    return this.eval(() => {
      const r = window.__kzwk;
      return { loadId: r.loadId, path: location.pathname, console: r.console, errors: r.errors, resourceErrors: r.resourceErrors, lifecycle: r.lifecycle, initErrors: r.initErrors };
    });
  }

  /** Console entries `{ type, text }` of the current page (from index `from`). */
  async console(from = 0) {
    return (await this.record()).console.slice(from);
  }

  /** What the pages this tab left recorded (saved on their pagehide). */
  async history() {
    return this.eval(() => JSON.parse(sessionStorage.getItem('kzwk:history') || '[]'));
  }

  /** What the last page at `pathname` this tab left recorded (or undefined). */
  async leftPage(pathname) {
    return (await this.history()).findLast((h) => h.path === pathname);
  }

  /**
   * A real click (WebDriver element click) on the first element matching
   * `css`, scrolled to the middle of the window first (WebDriver scrolls it
   * just into view, where the shop's fixed consent banner may cover it).
   */
  async click(css) {
    const element = await this.driver.findElement(By.css(css));
    await this.driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", element);
    await element.click();
  }

  async isVisible(css) {
    return this.driver.findElement(By.css(css)).isDisplayed();
  }

  async currentPath() {
    return new URL(await this.driver.getCurrentUrl()).pathname;
  }

  /** Waits until the tab shows `pathname` and its document has loaded. */
  async waitForPath(pathname, timeout = 15_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        if ((await this.currentPath()) === pathname
          && (await this.driver.executeScript('return document.readyState')) === 'complete') return;
      } catch { /* navigating */ }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${pathname} (at ${await this.currentPath().catch(() => '?')})`);
      await sleep(50);
    }
  }

  async back() {
    await this.driver.navigate().back();
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    this.env.tabs.delete(this);
    // A browser that does not end its session in time is killed with the
    // driver, and the next tab gets a fresh driver.
    await within(15_000, this.driver.quit(), 'ending the WebKit session').catch(async () => { await restartDriver(this.env); });
  }
}

/**
 * Stops the driver, and first kills every browser it started: one whose
 * session never ended (it stopped answering) would outlive the driver.
 */
async function stopDriver(child, ms = 3000) {
  if (child?.pid && !exited(child)) spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
  await stopChild(child, ms);
}

/** Kills the driver and every browser it started; starts a new one. */
async function restartDriver(env) {
  await stopDriver(env.driver?.child, 1000);
  env.driver = await startDriver(env.display);
  env.driverUrl = env.driver.url;
}

/**
 * A fresh session (its own MiniBrowser, empty storage). With `initScripts`
 * (functions, or [function, arg]), it first loads /next.html to store them,
 * so they run at document start of every page loaded afterwards.
 */
export async function newTab(env, { initScripts = [] } = {}) {
  let driver;
  let lastError;
  for (let attempt = 0; attempt < 2 && !driver; attempt++) {
    try {
      const session = new Builder().usingServer(env.driverUrl).withCapabilities(CAPABILITIES).build();
      driver = await within(30_000, session, 'starting a WebKit session');
    } catch (e) {
      lastError = e; // a MiniBrowser that failed or hung at start: once more, with a fresh driver
      await restartDriver(env).catch((e2) => { lastError = e2; });
    }
  }
  if (!driver) throw new Error(`no WebKit session: ${lastError?.message}; driver said: ${env.driver.output().slice(-500)}`);
  const tab = new Tab(env, driver);
  env.tabs.add(tab);
  try {
    await driver.manage().setTimeouts({ script: 30_000, pageLoad: 30_000 });
    await driver.manage().window().setRect({ width: 1280, height: 800 }).catch(() => {});
    if (initScripts.length > 0) {
      await tab.goto('/next.html');
      for (const s of initScripts) {
        const [fn, arg] = Array.isArray(s) ? s : [s, null];
        await tab.addInitScript(fn, arg);
      }
    }
  } catch (e) {
    await tab.close();
    throw e;
  }
  return tab;
}

/** The demo shop switches autotrack off under this flag (its clicks and engagement events would mix in). */
export const NO_AUTOTRACK = () => { window.kizunaDemoNoAutotrack = true; };
/** The demo shop without personalized slots (their exposure events would mix in). */
export const NO_SLOTS = () => { window.kizunaDemoNoSlots = true; };

/** Waits until the demo's `init()` resolved and `window.kz` is set. */
export async function waitForReady(tab, timeout = 15_000) {
  await tab.waitFor(() => !!(window.kz && typeof window.kz.track === 'function'), { timeout, what: 'window.kz' });
}

/**
 * The demo shop (`search` e.g. '?utm_source=x') in a fresh tab, in consent
 * opt-out mode, without autotrack and slots: what tests/e2e/helpers.mjs's
 * openDemo opens.
 */
export async function openDemo(env, search = '', { initScripts = [NO_AUTOTRACK, NO_SLOTS], optOut = true } = {}) {
  const tab = await newTab(env, { initScripts });
  const query = optOut ? (search ? `${search}&mode=opt-out` : '?mode=opt-out') : search;
  await tab.goto(`/${query}`);
  await waitForReady(tab);
  return tab;
}

/** Warnings and errors Kizuna wrote (prefixed `[kizuna]`). */
export function kizunaMessages(consoleMessages) {
  // Info lines (the note that events wait for a consent choice) are hints,
  // not complaints about the page: only warnings and errors count.
  return consoleMessages.filter((m) => m.text.startsWith('[kizuna]') && m.type !== 'info');
}

// ---------------------------------------------------------------------------
// The collector's side
// ---------------------------------------------------------------------------

/** Every event the collector accepted, each with the record it came in. */
export function collected(collector) {
  const out = [];
  for (const record of collector.records) {
    for (const event of record.body.batch ?? []) out.push({ event, record });
  }
  return out;
}

export function allEvents(collector) {
  return collected(collector).map((e) => e.event);
}

/** Events matching `predicate(event, record)`, in arrival order. */
export function matching(collector, predicate) {
  return collected(collector).filter(({ event, record }) => predicate(event, record)).map((e) => e.event);
}

/** Polls until at least `minCount` events match; resolves with them. Rejects after `timeoutMs` with what was seen. */
export async function waitForEvents(collector, predicate, timeoutMs = 8000, minCount = 1) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = matching(collector, predicate);
    if (found.length >= minCount) return found;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${minCount} event(s); ${found.length} matched: `
        + JSON.stringify(found.map((e) => e.event ?? e.type)));
    }
    await sleep(25);
  }
}

/** Like `waitForEvents` (not failing), then waits `settleMs` more and returns every match (to catch duplicates). */
export async function waitAndSettle(collector, predicate, timeoutMs, minCount, settleMs = 500) {
  await waitForEvents(collector, predicate, timeoutMs, minCount).catch(() => {});
  await sleep(settleMs);
  return matching(collector, predicate);
}

/** Waits until the number of matching events stopped changing for `quietMs` (at most `timeoutMs`); returns them. */
export async function waitUntilQuiet(collector, predicate, { quietMs = 1500, timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const n = matching(collector, predicate).length;
    if (n !== last) { last = n; since = Date.now(); }
    if (Date.now() - since >= quietMs) break;
    await sleep(50);
  }
  return matching(collector, predicate);
}

/** Polls `fn` (sync or async) until it returns a truthy value. */
export async function waitUntil(fn, timeoutMs = 5000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** The messageIds that occur more than once in `events`. */
export function duplicateIds(events) {
  const seen = new Set();
  const dups = new Set();
  for (const e of events) {
    if (seen.has(e.messageId)) dups.add(e.messageId);
    seen.add(e.messageId);
  }
  return [...dups];
}
