#!/usr/bin/env node
// Benchmarks the shipped build in headless Chromium, or Firefox ESR with
// BROWSER=firefox (not part of the tests):
//   - ready: ms from the page's script start (and from navigation) to init() resolving
//   - track: median µs per track(event, 5 small properties) over 10,000 calls
//   - delivery: all 10,000 at the collector, requests, requests the browser
//     refused (each a "failed (no response)" warning), bytes per event, time to flush
//   - with --recs, only kz.recommend over 2,000 items in the engage build:
//     the first call and the median of calls again with the same items
// Medians over RUNS page loads. Run with tools/bench.sh (builds first).
import { chromium, firefox } from 'playwright-core';
import { startCollector } from '../www/collector.mjs';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

const RUNS = Number(process.env.RUNS ?? 7);
const CALLS = 10_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-bench-'));
const collector = await startCollector({ port: 0, out: path.join(dir, 'bench.ndjson') });
const BROWSER = process.env.BROWSER === 'firefox' ? 'firefox' : 'chromium';
const browser = BROWSER === 'firefox'
  ? await firefox.launch({ channel: 'moz-firefox', executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr', headless: true })
  : await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
const version = browser.version();

const RECS = process.argv.includes('--recs');
const results = [];
try {
  if (RECS) {
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${collector.url}/bench.html?recs`);
      await page.waitForFunction(() => document.title === 'ready');
      // The engage build loads beside init: wait until recommend answers.
      await page.waitForFunction(() => window.kzBench.recommend([{ id: 'x' }]).length === 1);
      results.push(await page.evaluate(() => window.bench.recommend()));
      await context.close();
    }
    const m = (f) => median(results.map(f));
    console.log(`Kizuna kz.recommend, headless ${BROWSER} ${version}, medians of ${RUNS} page loads`);
    console.log(`  2,000 items, first call    ${m((r) => r.firstMs).toFixed(2)} ms (${results[0].picks} picks)`);
    console.log(`  the same items again       ${m((r) => r.againMedianUs).toFixed(0)} µs median per call`);
    console.log(`  equal items, new objects   ${m((r) => r.copiesMedianUs).toFixed(0)} µs median per call`);
  }
  for (let run = 0; run < (RECS ? 0 : RUNS); run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    let refused = 0;
    page.on('console', (m) => { if (/\[kizuna\] sending \d+ events failed/.test(m.text())) refused++; });
    const before = collector.records.length;
    await page.goto(`${collector.url}/bench.html`);
    await page.waitForFunction(() => document.title === 'ready');
    const ready = await page.evaluate(() => window.bench.ready);
    const decide = await page.evaluate(() => window.bench.decide());
    const track = await page.evaluate((n) => window.bench.track(n), CALLS);
    const flush = await page.evaluate(() => window.bench.flush());
    const records = collector.records.slice(before);
    const events = records.flatMap((r) => r.body.batch);
    const ids = new Set(events.map((e) => e.messageId));
    results.push({
      ready, track, flush, decide,
      delivered: events.length, unique: ids.size, requests: records.length, refused,
      bytesPerEvent: records.reduce((s, r) => s + r.bytes, 0) / Math.max(1, events.length),
    });
    await context.close();
  }
} finally {
  await browser.close();
  await collector.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
if (RECS) process.exit(0);

const m = (f) => median(results.map(f));
const summary = {
  runs: RUNS,
  readyFromScriptStartMs: +m((r) => r.ready.fromScriptStart).toFixed(1),
  readyFromNavigationMs: +m((r) => r.ready.fromNavigation).toFixed(1),
  trackMedianUs: +m((r) => r.track.medianUs).toFixed(2),
  decideMedianUs: +m((r) => r.decide.medianUs).toFixed(1),
  decideReason: results[0].decide.reason,
  trackP90Us: +m((r) => r.track.p90Us).toFixed(2),
  track10kTotalMs: +m((r) => r.track.totalMs).toFixed(1),
  flushAfter10kMs: +m((r) => r.flush.ms).toFixed(1),
  delivered: m((r) => r.delivered),
  duplicates: m((r) => r.delivered - r.unique),
  requests: m((r) => r.requests),
  refused: m((r) => r.refused),
  browser: `${BROWSER} ${version}`,
  bytesPerEvent: +m((r) => r.bytesPerEvent).toFixed(0),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(summary, null, 2));
else {
  console.log(`Kizuna benchmark, headless ${summary.browser}, medians of ${RUNS} page loads`);
  console.log(`  ready (script start → init resolved)    ${summary.readyFromScriptStartMs} ms   (from navigation: ${summary.readyFromNavigationMs} ms)`);
  console.log(`  track(event, 5 properties)              ${summary.trackMedianUs} µs median per call (p90 ${summary.trackP90Us} µs; 10,000 calls in ${summary.track10kTotalMs} ms)`);
  console.log(`  decide(slot) with 5 variants             ${summary.decideMedianUs} µs median per decision (${summary.decideReason})`);
  console.log(`  delivery of the 10,000                  ${summary.delivered} delivered, ${summary.duplicates} duplicates, ${summary.requests} requests (${summary.refused} refused), ${summary.bytesPerEvent} B/event, flushed ${summary.flushAfter10kMs} ms after the last call`);
}
