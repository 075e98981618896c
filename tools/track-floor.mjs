// What capturing one track() call costs in the page with no SDK at all:
// the floor under a per-call figure (docs/benchmarks.md). Chromium, headless.
//   node tools/track-floor.mjs
import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox'] });
const page = await browser.newPage();
await page.setContent('<p>floor</p>');
const out = await page.evaluate(() => {
  const N = 10000, R = 7;
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const run = (f) => { const t = []; for (let r = 0; r < R; r++) { const q = []; const t0 = performance.now(); for (let i = 0; i < N; i++) f(i, q); t.push((performance.now() - t0) * 1000 / N); } return +median(t).toFixed(3); };
  const props = (i) => ({ plan: 'pro', i, price: 9.99, tags: ['a', 'b'], ok: true });
  return {
    'push [name, props] (no copy)': run((i, q) => q.push(['Bench', props(i)])),
    'push + Date.now()': run((i, q) => q.push(['Bench', props(i), Date.now()])),
    'JSON.stringify(props)': run((i, q) => q.push(JSON.stringify(props(i)))),
    'structuredClone(props)': run((i, q) => q.push(structuredClone(props(i)))),
    'JSON.stringify + Date.now + 16 random bytes': run((i, q) => q.push([JSON.stringify(props(i)), Date.now(), crypto.getRandomValues(new Uint8Array(16))])),
    'JSON.stringify + location.href + document.title': run((i, q) => q.push([JSON.stringify(props(i)), location.href, document.title])),
  };
});
console.log(JSON.stringify(out, null, 1));
await browser.close();
