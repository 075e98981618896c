// Shared setup for Kizuna's end-to-end browser tests (see README.md).
//
// Each test file calls `setup()` in `before`, which starts one local
// collector (www/collector.mjs, port 0, NDJSON into a temp file) and one
// headless Chromium, and `teardown()` in `after`. Tests open a fresh
// browser context each (`openDemo`), so localStorage (and with it the
// anonymous id) never leaks between tests: filtering collector events by
// the test's anonymousId or by a run id keeps tests independent.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCollector } from '../../www/collector.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');

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

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** ISO 8601 as `Date#toISOString` writes it (UTC, milliseconds). */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

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
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
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
  const page = await context.newPage();
  const consoleMessages = [];
  const pageErrors = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => pageErrors.push(e));
  return { context, page, consoleMessages, pageErrors };
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
