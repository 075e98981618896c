// Shared setup for Kizuna's end-to-end browser tests (see tests/e2e/README.md).
//
// Each test file calls `setup()` in `before`, which starts one local
// collector (www/collector.mjs, port 0, NDJSON into a temp file) and one
// headless browser, and `teardown()` in `after`. The browser comes from the
// environment: KIZUNA_BROWSER=chromium (the default: /usr/bin/chromium over
// CDP) or KIZUNA_BROWSER=firefox (/usr/bin/firefox-esr over WebDriver
// BiDi); what differs between the two for a test is handled here (see
// tests/e2e/README.md, "Chromium and Firefox"). Tests open a fresh
// browser context each (`openDemo`), so localStorage (and with it the
// anonymous id) never leaks between tests: filtering collector events by
// the test's anonymousId or by a run id keeps tests independent.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, firefox } from 'playwright-core';
import { startCollector } from '../../www/collector.mjs';
import { COLLECT_PATHS } from '../../www/collector/ingest.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');

/** The browser these suites run in: `chromium` (default) or `firefox`, from KIZUNA_BROWSER. */
export const BROWSER = (process.env.KIZUNA_BROWSER || 'chromium').trim().toLowerCase();
const BROWSERS = ['chromium', 'firefox'];
if (!BROWSERS.includes(BROWSER)) {
  throw new Error(`KIZUNA_BROWSER=${process.env.KIZUNA_BROWSER}: use one of ${BROWSERS.join(', ')}`);
}
export const FIREFOX_PATH = '/usr/bin/firefox-esr';
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** What the engine's user agent string names: `Chrome/…` in Chromium, `Firefox/…` in Firefox. */
export const USER_AGENT = { chromium: /Chrome\//, firefox: /Firefox\// }[BROWSER];

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** ISO 8601 as `Date#toISOString` writes it (UTC, milliseconds). */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Launches the browser KIZUNA_BROWSER names. Chromium with the fixed flags
 * above (`args` replaces them); Firefox ESR through Playwright's WebDriver
 * BiDi channel (no geckodriver, no browser download; playwright-core 1.64.x:
 * 1.65 fails at newContext against ESR 153).
 */
export async function launchBrowser({ args = CHROMIUM_ARGS } = {}) {
  if (BROWSER === 'firefox') {
    return firefox.launch({ channel: 'moz-firefox', executablePath: FIREFOX_PATH, headless: true });
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}

/**
 * `test(name, { skip: chromiumOnly('why') }, fn)`: skipped (the reason in
 * the output) in any browser but Chromium.
 */
export function chromiumOnly(reason) {
  return BROWSER === 'chromium' ? false : `Chromium only: ${reason}`;
}

/** `test(name, { skip: skipIn('firefox', 'why') }, fn)`: skipped in that browser only, saying why. */
export function skipIn(browser, reason) {
  if (!BROWSERS.includes(browser)) throw new Error(`skipIn: unknown browser ${browser}`);
  return BROWSER === browser ? `not in ${browser}: ${reason}` : false;
}

/** Fails early with a clear message when the shipped build is missing. */
export function assertBuilt() {
  const wasm = path.join(ROOT, 'js/pkg/kizuna_bg.wasm');
  if (!fs.existsSync(wasm)) {
    throw new Error(`${wasm} is missing: run tools/build.sh first`);
  }
}

/**
 * Starts a collector (temp NDJSON file) and a browser for one test file.
 * @returns {Promise<{collector, browser, dir}>}
 */
export async function setup(name = 'e2e') {
  assertBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kizuna-${name}-`));
  // Without DuckDB: these suites read the in-memory records (tests/warehouse.test.mjs tests the database).
  const collector = await startCollector({ port: 0, out: path.join(dir, 'batches.ndjson'), quiet: true, duckdb: false });
  const browser = await launchBrowser();
  return { collector, browser, dir };
}

export async function teardown(env) {
  if (!env) return;
  await env.browser?.close().catch(() => {});
  await env.collector?.close();
  if (env.dir) fs.rmSync(env.dir, { recursive: true, force: true });
}

/**
 * A fresh context and page that record console messages and page errors.
 * Context options are fixed so the device context can be asserted exactly.
 */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext({
    locale: 'de-DE',
    timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 720 },
    screen: { width: 1440, height: 900 },
    ...contextOptions,
  });
  // The demo pages switch autotrack off under this flag: the suites that
  // count events exactly would see its clicks and engagement events too
  // (tests/e2e/autotrack.test.mjs tests autotrack on its own page).
  await context.addInitScript(() => { window.kizunaDemoNoAutotrack = true; });
  // Nor the learned model (GET /v1/model needs the DuckDB these suites run
  // without; tests/e2e/model.test.mjs tests it with one).
  await context.addInitScript(() => { window.kizunaDemoNoModel = true; });
  const page = await context.newPage();
  const consoleMessages = [];
  const pageErrors = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => {
    if (isBrowserReport(e)) consoleMessages.push({ type: 'error', text: e.stack.split('\n')[0] });
    else pageErrors.push(e);
  });
  return { context, page, consoleMessages, pageErrors };
}

/**
 * Whether a `pageerror` is the browser's own report rather than something
 * the page threw. Over WebDriver BiDi, Firefox hands Playwright its console
 * reports of a blocked resource (a CSP refusal, an SRI mismatch) as
 * JavaScript errors, and Playwright makes them page errors; Chromium gives
 * the same reports as console errors. Such a report carries no stack frame
 * and is named for no exception (an exception the page throws, or rejects
 * with, is named `…Error`, `…Exception` or `uncaught exception`), so it is
 * kept as a console error instead, in both engines alike.
 */
export function isBrowserReport(error) {
  if (BROWSER !== 'firefox') return false;
  const frames = String(error.stack ?? '').split('\n').slice(1).filter((l) => /^\s*at /.test(l));
  return frames.length === 0 && !/(Error|Exception)$|^uncaught exception$/i.test(error.name ?? '');
}

/** Console lines Kizuna wrote (prefixed `[kizuna]`). */
export function kizunaMessages(consoleMessages) {
  return consoleMessages.filter((m) => m.text.startsWith('[kizuna]'));
}

/** Waits until the demo's `init()` resolved and `window.kz` is set. */
export async function waitForReady(page) {
  await page.waitForFunction(() => window.kzReady && window.kz, null, { timeout: 10_000 });
}

/**
 * Opens the demo shop (optionally with `search`, e.g. `?utm_source=x`) in a
 * fresh context. The tracking suites run it in consent opt-out mode
 * (`mode=opt-out`): consent has its own suite (consent.test.mjs), these test
 * what happens once sending is allowed.
 */
export async function openDemo(env, search = '', contextOptions) {
  const handle = await newPage(env.browser, contextOptions);
  // Without the personalized slots: their exposure events would mix with
  // the events the tracking suites count (personalize.test.mjs tests them).
  await handle.context.addInitScript(() => { window.kizunaDemoNoSlots = true; });
  const query = search ? `${search}&mode=opt-out` : '?mode=opt-out';
  await handle.page.goto(`${env.collector.url}/${query}`);
  await waitForReady(handle.page);
  return handle;
}

/** Every event the collector accepted, each with the record it came in. */
export function collected(collector) {
  const out = [];
  for (const record of collector.records) {
    for (const event of record.body.batch ?? []) out.push({ event, record });
  }
  return out;
}

/** Every event the collector accepted. */
export function allEvents(collector) {
  return collected(collector).map((e) => e.event);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `collector.records` until at least `minCount` events match
 * `predicate(event, record)`; resolves with them (in arrival order). Rejects
 * after `timeoutMs` with what was seen.
 */
export async function waitForEvents(collector, predicate, timeoutMs = 5000, minCount = 1) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matching = collected(collector).filter(({ event, record }) => predicate(event, record)).map((e) => e.event);
    if (matching.length >= minCount) return matching;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${minCount} event(s); ${matching.length} matched: ` +
        JSON.stringify(matching.map((e) => e.event ?? e.name ?? e.type)));
    }
    await sleep(25);
  }
}

/** Like `waitForEvents`, then waits `settleMs` more and returns every match (to catch duplicates). */
export async function waitAndSettle(collector, predicate, timeoutMs, minCount, settleMs = 500) {
  await waitForEvents(collector, predicate, timeoutMs, minCount).catch(() => {});
  await sleep(settleMs);
  return collected(collector).filter(({ event, record }) => predicate(event, record)).map((e) => e.event);
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

// ---------------------------------------------------------------------------
// Request bodies in either engine
// ---------------------------------------------------------------------------
//
// Chromium (CDP) hands Playwright every request's body before it leaves the
// browser: `request.postData()`. WebDriver BiDi (Firefox) does not (it is
// null there), so in Firefox a body is read where it arrived: a tap on the
// collector's HTTP server keeps the raw body of every POST to a collect path
// that the collector read, accepted or refused (`collector.records` holds the
// accepted ones only; a test that makes the collector answer 503 wants the
// refused body too). A request is matched to a tapped body by path and
// Content-Length, each body to one request, requests in the order they were
// made (so two bodies of the same size keep their order).

const TAPS = new WeakMap();

/** The collector's body tap (installed once per collector): `{ bodies: [{ at, path, bytes, text }], requests }`. */
function bodyTap(collector) {
  let tap = TAPS.get(collector);
  if (tap) return tap;
  tap = { bodies: [], requests: [], matched: new WeakMap() };
  TAPS.set(collector, tap);
  collector.server.on('request', (req) => {
    if (req.method !== 'POST') return;
    const { pathname } = new URL(req.url, 'http://collector');
    if (!COLLECT_PATHS.has(pathname)) return;
    const body = { at: Date.now(), path: pathname, bytes: Number(req.headers['content-length']), text: null, claimed: false };
    tap.bodies.push(body);
    // Watches the body go by without reading it (a 'data' listener of our
    // own would switch the stream to flowing before the collector listens).
    const chunks = [];
    const emit = req.emit;
    req.emit = function (name, ...args) {
      if (name === 'data') chunks.push(Buffer.from(args[0]));
      else if (name === 'end') body.text = Buffer.concat(chunks).toString('utf8');
      return emit.call(this, name, ...args);
    };
  });
  return tap;
}

/** Content-Length as Playwright saw it (BiDi reports the headers the browser sends). */
function contentLength(request) {
  const value = request.headers()['content-length'];
  return value === undefined ? NaN : Number(value);
}

/** Remembers `request` for matching, in the order requests are made (Firefox). */
function register(tap, request) {
  if (tap.matched.has(request)) return;
  const started = request.timing().startTime;
  tap.matched.set(request, null);
  tap.requests.push({
    request,
    path: new URL(request.url()).pathname,
    bytes: contentLength(request),
    since: (started > 0 ? started : Date.now()) - 2000,
  });
}

/** The tapped body text of `request` (registered), or null while none matches; earlier requests are matched first. */
function tappedBody(tap, request) {
  if (tap.matched.get(request)) return tap.matched.get(request).text;
  for (const r of tap.requests) {
    if (!tap.matched.get(r.request)) {
      const body = tap.bodies.find((b) => !b.claimed && b.text !== null && b.path === r.path && b.bytes === r.bytes && b.at >= r.since);
      if (body) {
        body.claimed = true;
        tap.matched.set(r.request, body);
      }
    }
    if (r.request === request) break;
  }
  return tap.matched.get(request)?.text ?? null;
}

/**
 * Starts keeping the bodies the collector reads: Firefox's `requestBody` and
 * `watchRequests` need it before the requests are made (`watchRequests`
 * starts it itself).
 */
export function watchBodies(collector) {
  bodyTap(collector);
}

/**
 * The body `request` carried, as text (null for none): `postData()` in
 * Chromium; in Firefox the collector's copy, waited for up to `timeoutMs`
 * (null if the collector never read it: aborted, reset before the body).
 * In Firefox, call `watchBodies(collector)` before the request is made.
 */
export async function requestBody(request, collector, timeoutMs = 5000) {
  const text = request.postData();
  if (text !== null || BROWSER === 'chromium') return text;
  const tap = bodyTap(collector);
  register(tap, request);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = tappedBody(tap, request);
    if (found !== null || Date.now() > deadline) return found;
    await sleep(25);
  }
}

/**
 * Records every request `page` makes to a collect path, in the order the
 * page makes them: `{ at, method, path, body, events }` (`body` the parsed
 * JSON, `{ unparsable }` if it is not JSON; `events` its `batch`). `at`,
 * `method` and `path` come from the browser in both engines. In Chromium the
 * body is read from the request as it leaves (as these suites always did);
 * in Firefox from the collector's tap, matched when first read, so a
 * request the collector has not read (yet) shows `body: null, events: []`.
 */
export function watchRequests(page, collector) {
  const tap = BROWSER === 'chromium' ? null : bodyTap(collector);
  const net = [];
  const parse = (text) => {
    try { return JSON.parse(text ?? 'null'); } catch { return { unparsable: text }; }
  };
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!COLLECT_PATHS.has(url.pathname)) return;
    const entry = { at: Date.now(), method: req.method(), path: url.pathname };
    if (!tap) {
      const body = parse(req.postData());
      net.push({ ...entry, body, events: body?.batch ?? [] });
      return;
    }
    register(tap, req);
    let body = null;
    const read = () => {
      if (body === null) {
        const text = tappedBody(tap, req);
        if (text !== null) body = parse(text);
      }
      return body;
    };
    Object.defineProperties(entry, {
      body: { enumerable: true, get: read },
      events: { enumerable: true, get: () => read()?.batch ?? [] },
    });
    net.push(entry);
  });
  return net;
}
