// The KPI dashboard in the browser (Chromium or Firefox, see helpers.mjs), over a fixture of events whose expected
// figures this test computes on its own (plain loops, not the collector's
// SQL): totals, engagement, CTR with Wilson intervals, lift against the
// holdout, IPS/SNIPS and effective sample size, conversion, retention,
// CLV and NPS; and the page updates live when a batch arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCollector } from '../../www/collector.mjs';
import { launchBrowser, sleep } from './helpers.mjs';

let collector;
let browser;
let dir;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-dashboard-'));
  collector = await startCollector({ out: path.join(dir, 'events.ndjson') });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await collector?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// A fixed pseudo-random fixture.
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const T0 = Date.parse('2026-12-01T09:00:00.000Z');
function fixture() {
  const events = [];
  let n = 0;
  const ev = (type, event, visitor, session, index, properties, minute) => events.push({
    type, ...(event ? { event } : {}), properties, anonymousId: `v${visitor}`, messageId: `m${n++}`,
    timestamp: new Date(T0 + minute * 60_000 + n).toISOString(),
    context: { page: { url: `https://shop.example/p${n % 3}` }, session: { id: `s${visitor}-${index}`, index } },
  });
  for (let v = 0; v < 40; v++) {
    const sessions = 1 + Math.floor(rnd() * 3);
    for (let s = 1; s <= sessions; s++) {
      const minute = Math.floor(rnd() * 5);
      const views = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < views; i++) ev('page', null, v, s, s, {}, minute);
      ev('track', 'Page Engagement', v, s, s, { engagedMs: Math.floor(rnd() * 30_000), scrollDepth: 50 }, minute);
      if (rnd() < 0.3) ev('track', 'Order Completed', v, s, s, { revenue: 10 + Math.floor(rnd() * 90) }, minute);
    }
    const holdout = v % 5 === 0;
    const variant = holdout ? 'default' : rnd() < 0.75 ? 'shoes' : 'default';
    const p = holdout ? 1 : variant === 'shoes' ? 0.75 : 0.25;
    ev('track', 'Slot Viewed', v, 1, 1, { slot: 'hero', variant, holdout, reason: 'x', propensity: p }, 1);
    if (rnd() < (variant === 'shoes' ? 0.4 : 0.2)) ev('track', 'Slot Clicked', v, 1, 1, { slot: 'hero', variant, holdout, reason: 'x', propensity: p }, 1);
    if (v % 4 === 0) ev('track', 'Survey Responded', v, 1, 1, { survey: 'nps', score: Math.floor(rnd() * 11) }, 2);
  }
  return events;
}

/** The expected figures, computed from the events directly. */
function expected(events) {
  const sessions = new Map();
  for (const e of events) {
    const s = sessions.get(e.context.session.id) ?? { engaged: 0, views: 0, orders: 0 };
    if (e.event === 'Page Engagement') s.engaged += e.properties.engagedMs;
    if (e.type === 'page') s.views++;
    if (e.event === 'Order Completed') s.orders++;
    sessions.set(e.context.session.id, s);
  }
  const list = [...sessions.values()];
  const visitors = new Map();
  for (const e of events) visitors.set(e.anonymousId, Math.max(visitors.get(e.anonymousId) ?? 0, e.context.session.index));
  const orders = events.filter((e) => e.event === 'Order Completed');
  const buyers = new Set(orders.map((e) => e.anonymousId));
  const revenue = orders.reduce((a, e) => a + e.properties.revenue, 0);
  const arms = {};
  for (const e of events.filter((x) => x.event?.startsWith('Slot'))) {
    const k = `${e.properties.variant}|${e.properties.holdout}`;
    arms[k] ??= { views: 0, clicks: 0 };
    arms[k][e.event === 'Slot Viewed' ? 'views' : 'clicks']++;
  }
  const clicked = new Set(events.filter((e) => e.event === 'Slot Clicked').map((e) => `${e.anonymousId}|${e.properties.variant}`));
  const personalizedViews = events.filter((e) => e.event === 'Slot Viewed' && !e.properties.holdout);
  let sw = 0, swr = 0, sw2 = 0;
  for (const e of personalizedViews) {
    const w = e.properties.variant === 'default' ? 1 / e.properties.propensity : 0;
    const r = clicked.has(`${e.anonymousId}|${e.properties.variant}`) ? 1 : 0;
    sw += w; swr += w * r; sw2 += w * w;
  }
  const surveys = events.filter((e) => e.event === 'Survey Responded').map((e) => e.properties.score);
  const sum = (h) => Object.entries(arms).filter(([k]) => k.endsWith(`|${h}`)).reduce((a, [, x]) => [a[0] + x.clicks, a[1] + x.views], [0, 0]);
  const [k1, n1] = sum(false);
  const [k0, n0] = sum(true);
  return {
    events: events.length,
    pageViews: events.filter((e) => e.type === 'page').length,
    sessions: sessions.size,
    visitors: visitors.size,
    engagementRate: list.filter((s) => s.engaged >= 10_000 || s.views >= 2 || s.orders > 0).length / list.length,
    engagedSeconds: list.reduce((a, s) => a + s.engaged, 0) / list.length / 1000,
    conversion: list.filter((s) => s.orders > 0).length / list.length,
    retention: [...visitors.values()].filter((n) => n > 1).length / visitors.size,
    clv: (revenue / orders.length) * (orders.length / buyers.size),
    nps: (100 * (surveys.filter((x) => x >= 9).length - surveys.filter((x) => x <= 6).length)) / surveys.length,
    arms,
    lift: k1 / n1 - k0 / n0,
    personalizedCtr: personalizedViews.filter((e) => clicked.has(`${e.anonymousId}|${e.properties.variant}`)).length / personalizedViews.length,
    ips: swr / personalizedViews.length,
    snips: swr / sw,
    ess: (sw * sw) / sw2,
  };
}

const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('the dashboard shows the fixture\'s KPIs as computed independently, and updates live', async () => {
  const events = fixture();
  const want = expected(events);
  for (let i = 0; i < events.length; i += 50) {
    const res = await fetch(`${collector.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ batch: events.slice(i, i + 50), sentAt: new Date().toISOString() }) });
    assert.equal(res.status, 200);
  }
  const k = await (await fetch(`${collector.url}/collector/kpis`)).json();
  assert.deepEqual(k.totals, { events: want.events, pageViews: want.pageViews, sessions: want.sessions, visitors: want.visitors });
  close(k.engagement.rate, want.engagementRate, 'engagement rate');
  close(k.engagement.engagedSecondsPerSession, want.engagedSeconds, 'engaged seconds');
  close(k.conversion.rate, want.conversion, 'conversion');
  close(k.retention.rate, want.retention, 'retention');
  close(k.clv.value, want.clv, 'CLV');
  close(k.nps.score, want.nps, 'NPS');
  for (const r of k.ctr.rows) {
    const arm = want.arms[`${r.variant}|${r.holdout}`];
    assert.deepEqual([r.views, r.clicks], [arm.views, arm.clicks], `${r.variant} ${r.holdout}`);
    // Wilson's interval, written out again here.
    const n = arm.views, p = arm.clicks / n, z = 1.959964;
    const c = (p + z * z / (2 * n)) / (1 + z * z / n);
    const h = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    close(r.low, Math.max(0, c - h), 'wilson low');
    close(r.high, Math.min(1, c + h), 'wilson high');
    assert.ok(r.low <= r.ctr && r.ctr <= r.high);
  }
  close(k.lift.rows[0].lift.value, want.lift, 'lift');
  assert.ok(k.lift.rows[0].lift.low < want.lift && want.lift < k.lift.rows[0].lift.high);
  close(k.ips.rows[0].personalized, want.personalizedCtr, 'personalized CTR');
  close(k.ips.rows[0].defaultIps, want.ips, 'IPS');
  close(k.ips.rows[0].defaultSnips, want.snips, 'SNIPS');
  close(k.ips.rows[0].ess, want.ess, 'ESS');
  for (const part of [k.engagement, k.ctr, k.lift, k.ips, k.conversion, k.retention, k.clv, k.nps]) assert.ok(part.how.length > 20, 'each figure says how');

  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${collector.url}/dashboard.html`);
  await page.waitForSelector('[data-kpi=events] b');
  const tileText = (key) => page.locator(`[data-kpi=${key}] b`).innerText();
  assert.equal(await tileText('events'), String(want.events));
  assert.equal(await tileText('sessions'), String(want.sessions));
  assert.equal(await tileText('conversion'), `${(100 * want.conversion).toFixed(1)} %`);
  assert.equal(await tileText('nps'), want.nps.toFixed(0));
  assert.equal(await page.locator('#ctr tbody tr').count(), Object.keys(want.arms).length);
  assert.ok(await page.locator('#chart canvas').count() >= 1, 'uPlot drew the chart');
  // Live: one more page view shows without reloading.
  const more = { ...events[0], messageId: 'live-1', timestamp: new Date().toISOString() };
  await fetch(`${collector.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ batch: [more] }) });
  await page.waitForFunction((n) => document.querySelector('[data-kpi=events] b')?.textContent === String(n), want.events + 1, { timeout: 8000 });
  assert.deepEqual(errors, []);
  // KZ_DASHBOARD_SHOT=www/dashboard.png refreshes the README's screenshot.
  if (process.env.KZ_DASHBOARD_SHOT) await page.screenshot({ path: process.env.KZ_DASHBOARD_SHOT, fullPage: true });
  await sleep(50);
});

test('the audience view: randomized Audience Reports de-biased, with intervals, beside the raw counts', async () => {
  // 3,000 visitors with a known segment mix, each reporting twice (the
  // latest counts), randomized here as the device does (k-RR, ε/2 per value).
  const truth = ['new', 'returning', 'engaged', 'loyal', 'dormant'];
  const shares = [0.5, 0.2, 0.15, 0.1, 0.05];
  const epsilon = 4;
  const e = Math.exp(epsilon / 2);
  const rr = (i, k) => (rnd() < e / (e + k - 1) ? i : (i + 1 + Math.floor(rnd() * (k - 1))) % k);
  const batch = [];
  const trueCounts = [0, 0, 0, 0, 0];
  for (let v = 0; v < 3000; v++) {
    let x = rnd();
    let seg = shares.findIndex((s) => (x -= s) < 0);
    if (seg < 0) seg = 4;
    trueCounts[seg]++;
    for (const [when, reported] of [[0, rr(seg, 5)], [1, rr(seg, 5)]]) {
      batch.push({ type: 'track', event: 'Audience Report', anonymousId: `a${v}`, messageId: `ar${v}-${when}`, timestamp: new Date(T0 + when * 60_000).toISOString(),
        properties: { segment: truth[reported], topic: 'other', epsilon, mechanism: 'k-rr', topics: ['shoes'] }, context: {} });
    }
  }
  for (let i = 0; i < batch.length; i += 500) {
    const res = await fetch(`${collector.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ batch: batch.slice(i, i + 500) }) });
    assert.equal(res.status, 200);
  }
  const k = await (await fetch(`${collector.url}/collector/kpis`)).json();
  assert.equal(k.audience.n, 3000, 'each visitor\'s latest report');
  // The raw counts, and the de-biasing written out again here.
  const latest = batch.filter((b) => b.messageId.endsWith('-1'));
  const p = e / (e + 4), q = 1 / (e + 4);
  for (const [i, r] of k.audience.segments.entries()) {
    const raw = latest.filter((b) => b.properties.segment === truth[i]).length;
    assert.equal(r.raw, raw);
    const est = (raw - 3000 * q) / (p - q);
    close(r.share, est / 3000, `${truth[i]} estimate`);
    assert.ok(r.low <= trueCounts[i] / 3000 + 0.02 && r.high >= trueCounts[i] / 3000 - 0.02, `${truth[i]}: truth ${trueCounts[i] / 3000} vs [${r.low}, ${r.high}]`);
  }
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.url}/dashboard.html`);
    await page.waitForFunction(() => document.querySelectorAll('#audience-segments tbody tr').length === 5, null, { timeout: 10_000 });
    const first = await page.$$eval('#audience-segments tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
    assert.equal(first[0], 'new');
    assert.equal(Number(first[1].replace(/,/g, '')), k.audience.segments[0].raw);
    assert.match(first[4], /%.*–.*%/);
    assert.match(await page.textContent('#audience-how'), /ε = 4 per report/);
  } finally {
    await page.close();
  }
});
