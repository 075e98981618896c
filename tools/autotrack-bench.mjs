#!/usr/bin/env node
// What autotrack costs the page, measured in headless Chromium on the demo
// SPA (www/spa.html), with autotrack on and with `autotrack: false`:
//   - main-thread ms for 100 clicks on a button (the listeners, the
//     crossing into the engine, the events made), median of 7 runs;
//   - scrolling the long article 50 px per frame for 240 frames: mean and
//     95th-percentile frame time, and long tasks (> 50 ms) seen.
//   node tools/autotrack-bench.mjs        (after tools/build.sh)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCollector } from '../www/collector/server.mjs';
import { CHROMIUM_ARGS } from '../tests/e2e/helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-autobench-'));
const collector = await startCollector({ port: 0, out: path.join(dir, 'b.ndjson'), quiet: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(cfg) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await page.goto(`${collector.url}/spa.html?cfg=${encodeURIComponent(JSON.stringify(cfg))}`);
  await page.waitForFunction(() => window.kz);
  await page.waitForTimeout(300);
  const clicks = [];
  for (let r = 0; r < 7; r++) {
    clicks.push(await page.evaluate(() => new Promise((done) => {
      const b = document.getElementById('cta');
      const t0 = performance.now();
      for (let i = 0; i < 100; i++) b.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: (i * 40) % 1000, clientY: 10 }));
      // The crossing into the engine happens in a microtask: include it.
      queueMicrotask(() => done(performance.now() - t0));
    })));
  }
  await page.click('#to-article');
  await page.waitForTimeout(300);
  const scroll = await page.evaluate(() => new Promise((done) => {
    const frames = [];
    let long = 0;
    try { new PerformanceObserver((l) => { long += l.getEntries().length; }).observe({ type: 'longtask' }); } catch (_) { /* no longtask */ }
    let last = performance.now();
    let n = 0;
    const step = (t) => {
      frames.push(t - last);
      last = t;
      window.scrollBy(0, 50);
      if (++n < 240) requestAnimationFrame(step);
      else setTimeout(() => done({ frames: frames.slice(2), long }), 100);
    };
    requestAnimationFrame(step);
  }));
  await page.context().close();
  const f = scroll.frames.sort((a, b) => a - b);
  return { clickMs: median(clicks), frameMean: f.reduce((a, b) => a + b, 0) / f.length, frameP95: f[Math.floor(f.length * 0.95)], long: scroll.long };
}

const off = await measure({ autotrack: false });
const on = await measure({});
console.log('| | main-thread ms per 100 clicks | frame mean ms | frame p95 ms | long tasks while scrolling |');
console.log('|---|---|---|---|---|');
for (const [name, r] of [['autotrack off', off], ['autotrack on', on]]) {
  console.log(`| ${name} | ${r.clickMs.toFixed(2)} | ${r.frameMean.toFixed(1)} | ${r.frameP95.toFixed(1)} | ${r.long} |`);
}
console.log(`\nautotrack adds ${(on.clickMs - off.clickMs).toFixed(2)} ms per 100 clicks`);
await browser.close();
await collector.close();
fs.rmSync(dir, { recursive: true, force: true });
