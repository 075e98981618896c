#!/usr/bin/env node
// localStorage or IndexedDB for the stored queue, measured in headless
// Chromium on a page of the local collector:
//   1. main-thread cost per event of keeping a 10,000-event burst stored the
//      way the engine does (the newest events rewritten every 250 ms, full
//      100-event segments written once), and the time until it is durable;
//   2. what survives a write made in `pagehide` when the visitor navigates
//      away at once (20 runs each).
//   node tools/storage-bench.mjs
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCollector } from '../www/collector/server.mjs';
import { CHROMIUM_ARGS } from '../tests/e2e/helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-storage-'));
const collector = await startCollector({ port: 0, out: path.join(dir, 'b.ndjson'), quiet: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const page = await (await browser.newContext()).newPage();
await page.goto(`${collector.url}/next.html`);

// One stored record is ~330 bytes (an event with 5 properties and its page).
const burst = (kind) => page.evaluate(async (kind) => {
  const rec = (i) => JSON.stringify({ e: 'Reliability', i, p: { run: 'r', seq: i, a: 'x'.repeat(180) }, t: 1764600000000 + i });
  const db = kind === 'idb' ? await new Promise((ok, no) => {
    const r = indexedDB.open(`kz-bench-${Math.random()}`, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('q');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  }) : null;
  let main = 0;
  const pending = [];
  const write = (key, value) => {
    const t0 = performance.now();
    if (db) {
      const tx = db.transaction('q', 'readwrite');
      tx.objectStore('q').put(value, key);
      pending.push(new Promise((ok) => { tx.oncomplete = ok; tx.onerror = ok; }));
    } else localStorage.setItem(key, value);
    main += performance.now() - t0;
  };
  const started = performance.now();
  let front = [];
  let seg = 0;
  // 10,000 events tracked in 20 tasks of 500; the writes coalesce per task
  // (the engine's 250 ms window would coalesce more: this is the worst case).
  for (let task = 0; task < 20; task++) {
    for (let i = 0; i < 500; i++) {
      front.push(rec(task * 500 + i));
      if (front.length === 100) { write(`kz-bench.${seg++}`, front.join('\u001d')); front = []; }
    }
    write('kz-bench', front.join('\u001d'));
    await new Promise((r) => setTimeout(r, 0));
  }
  await Promise.all(pending);
  const durable = performance.now() - started;
  for (let s = 0; s < seg; s++) localStorage.removeItem(`kz-bench.${s}`);
  localStorage.removeItem('kz-bench');
  db?.close();
  return { mainUsPerEvent: (main * 1000) / 10000, durableMs: durable };
}, kind);

const survive = async (kind, runs = 20) => {
  let kept = 0;
  for (let n = 0; n < runs; n++) {
    const key = `kz-survive-${kind}-${n}-${Date.now()}`;
    await page.evaluate(([kind, key]) => {
      const value = 'x'.repeat(20_000);
      addEventListener('pagehide', () => {
        if (kind === 'local') localStorage.setItem(key, value);
        else {
          const r = indexedDB.open('kz-survive', 1);
          r.onupgradeneeded = () => r.result.createObjectStore('q');
          r.onsuccess = () => r.result.transaction('q', 'readwrite').objectStore('q').put(value, key);
        }
      });
      location.href = '/next.html?' + key;
    }, [kind, key]).catch(() => {});
    await page.waitForURL(`**/next.html?${key}`);
    await page.waitForLoadState('load');
    kept += await page.evaluate(([kind, key]) => kind === 'local'
      ? localStorage.getItem(key) !== null
      : new Promise((ok) => {
        const r = indexedDB.open('kz-survive', 1);
        r.onupgradeneeded = () => r.result.createObjectStore('q');
        r.onsuccess = () => {
          const g = r.result.transaction('q').objectStore('q').get(key);
          g.onsuccess = () => ok(g.result !== undefined);
          g.onerror = () => ok(false);
        };
        r.onerror = () => ok(false);
      }), [kind, key]) ? 1 : 0;
  }
  return `${kept}/${runs}`;
};

const rows = [];
for (const kind of ['local', 'idb']) {
  const b = [];
  for (let i = 0; i < 5; i++) b.push(await burst(kind));
  b.sort((x, y) => x.mainUsPerEvent - y.mainUsPerEvent);
  const med = b[2];
  rows.push({ kind: kind === 'local' ? 'localStorage' : 'IndexedDB', main: med.mainUsPerEvent.toFixed(2), durable: med.durableMs.toFixed(0), survives: await survive(kind) });
}
console.log('| storage | main thread µs per event (10,000 burst, median of 5) | burst durable after ms | written in pagehide, found on the next page |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.kind} | ${r.main} | ${r.durable} | ${r.survives} |`);
await browser.close();
await collector.close();
fs.rmSync(dir, { recursive: true, force: true });
