#!/usr/bin/env node
// Simulated visitors for the demo shop, so the KPI dashboard has figures
// to show: `tools/demo.sh` in one terminal, then
//
//   node tools/traffic.mjs [URL] [--visitors 300] [--parallel 6] [--seed 1] [--quiet]
//
// URL is the running demo (default http://127.0.0.1:8080/). Each visitor is
// a fresh browser context (its own storage, so its own anonymous id) in
// headless Chromium (/usr/bin/chromium), several at a time. What each one
// does is drawn from a generator seeded with --seed and the visitor's
// number, so a run does the same whatever the timing:
//   - a favourite topic (shoes, outerwear or accessories);
//   - the privacy banner: mostly "Accept all", some analytics only, a few
//     "Reject all" (those send nothing);
//   - lands on the shop or on its favourite category (?topic=), browses a
//     few category pages, mostly its favourite;
//   - clicks the hero banner more often when it shows its favourite topic
//     (32 %) than otherwise (5–6 %): so a personalized hero that learned the
//     visitor's interest is clicked more than the holdout's default;
//   - views products, adds one to the cart, sometimes orders, and answers
//     the NPS survey that follows an order (or closes it);
//   - a third come back for a second session (a newsletter link with
//     utm_* parameters starts one).
// Holdout visitors are whoever the hero's 10 % holdout picks (a hash of the
// anonymous id, which is drawn from the seed too, so the same visitors are
// the holdout in every run with the same seed). Pages are opened with
// ?insights=1, so each visitor's device also sends an Audience Report.
//
// The run ends with the dashboard's headline figures, read from
// /collector/kpis. The collector only answers on 127.0.0.1 / localhost.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const HELP = `usage: node tools/traffic.mjs [URL] [--visitors N] [--parallel N] [--seed N] [--shots DIR] [--quiet]
  URL          the running demo (tools/demo.sh), default http://127.0.0.1:8080/
  --visitors   how many visitors (default 300)
  --parallel   visitors at a time (default 3 per CPU core, at most 8)
  --seed       the seed of every random choice (default 1)
  --shots DIR  afterwards, screenshots in DIR: shop-first-visit.png,
               shop-after-browsing.png, dashboard-after-traffic.png
  --quiet      no progress lines`;

// The same flags as the end-to-end tests (tests/e2e/helpers.mjs).
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TOPICS = ['shoes', 'outerwear', 'accessories'];

/** Options from argv. */
export function parseArgs(argv) {
  const o = { url: 'http://127.0.0.1:8080/', visitors: 300, parallel: Math.min(8, Math.max(2, 3 * os.cpus().length)), seed: 1, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a whole number`);
      return v;
    };
    if (a === '--visitors') o.visitors = value();
    else if (a === '--parallel') o.parallel = Math.max(1, value());
    else if (a === '--seed') o.seed = value();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--shots') {
      o.shots = argv[++i];
      if (!o.shots) throw new Error('--shots needs a directory');
    }
    else if (a === '--help' || a === '-h') o.help = true;
    else if (/^https?:\/\//.test(a)) o.url = a.endsWith('/') ? a : `${a}/`;
    else throw new Error(`unknown argument ${a}\n${HELP}`);
  }
  return o;
}

/** mulberry32: a small seeded generator, one per visitor. */
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    chance: (p) => next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list, weights) => {
      if (!weights) return list[Math.floor(next() * list.length)];
      let x = next() * weights.reduce((s, w) => s + w, 0);
      for (let i = 0; i < list.length; i++) if ((x -= weights[i]) < 0) return list[i];
      return list[list.length - 1];
    },
    /** A UUID v4 (the visitor's anonymous id). */
    uuid: () => {
      const h = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      h[12] = '4';
      h[16] = '89ab'[Math.floor(next() * 4)];
      const s = h.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
  };
  return r;
}

/** What one visitor will do, drawn before it starts. */
export function plan(seed, n) {
  const r = generator((seed * 1_000_003 + n * 7919) >>> 0);
  const fav = r.pick(TOPICS, [0.4, 0.35, 0.25]);
  const other = () => r.pick(TOPICS.filter((t) => t !== fav));
  const consent = r.pick(['all', 'analytics', 'none'], [0.88, 0.07, 0.05]);
  const session = (first) => {
    const pages = [];
    const landing = first ? (r.chance(0.4) ? `?topic=${fav}` : '') : `?utm_source=newsletter&utm_medium=email&utm_campaign=${fav}`;
    pages.push(landing);
    const more = first ? r.int(0, 2) : r.int(0, 1);
    for (let i = 0; i < more; i++) pages.push(r.chance(0.75) ? `?topic=${fav}` : r.chance(0.6) ? `?topic=${other()}` : '');
    return { pages: pages.map((q) => ({ query: q, heroRoll: r.next(), slotRoll: r.next(), ctaRoll: r.next(), viewRoll: r.next(), recRoll: r.next(), addRoll: r.next() })), orderRoll: r.next() };
  };
  return {
    n, id: r.uuid(), fav, consent,
    mobile: r.chance(0.25),
    sessions: [session(true), ...(r.chance(0.35) ? [session(false)] : [])],
    surveyRoll: r.next(), scoreRoll: r.next(),
  };
}

// Hero clicks: the favourite topic 32 %, the default 6 %, another topic 5 %.
const heroChance = (variant, fav) => (variant === fav ? 0.32 : variant === null || variant === undefined ? 0.06 : 0.05);
// The "recommended" line: 12 % when it puts the favourite first, else 3 %;
// the call to action: 5 % for the welcome offer, 4 % for free shipping, 2 % for the newsletter.
const recommendedChance = (variant, fav) => (variant === `${fav}-first` ? 0.12 : 0.03);
const ctaChance = (variant) => (variant === 'welcome' ? 0.05 : variant === 'loyalty' ? 0.04 : 0.02);

/** An NPS score: a visitor who saw its favourite topic in the hero is happier. */
function score(roll, happy) {
  const scores = happy ? [10, 9, 8, 7, 6, 4] : [10, 9, 8, 7, 6, 5, 3, 1];
  const weights = happy ? [30, 28, 18, 12, 8, 4] : [12, 14, 16, 16, 14, 12, 10, 6];
  let x = roll * weights.reduce((s, w) => s + w, 0);
  for (let i = 0; i < scores.length; i++) if ((x -= weights[i]) < 0) return scores[i];
  return scores[0];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A browser context of one worker, reused visitor after visitor: a context
 * and its first page cost Chromium about half a second of CPU, more than a
 * page of the shop. Between visitors the origin's storage and cookies are
 * cleared, so each visitor starts as new (its own anonymous id, no consent,
 * no profile).
 */
async function worker(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  // The shop's live list of every visitor's events stays off (www/demo.js).
  await context.addInitScript(() => { window.kizunaDemoNoStream = true; });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp, close: () => context.close().catch(() => {}) };
}

/** Runs one visitor on a worker's page; resolves what it did. */
async function visit(w, base, p) {
  const did = { pages: 0, heroClicks: 0, holdout: false, orders: 0, surveys: 0, errors: [], pageErrors: [] };
  const { page, cdp, context } = w;
  const onError = (e) => did.pageErrors.push(e.message);
  page.on('pageerror', onError);
  try {
    // A new visitor: nothing stored for the origin, then its anonymous id
    // (drawn from the seed; the SDK keeps an id it finds), set from a page
    // of the origin that runs no SDK.
    await cdp.send('Storage.clearDataForOrigin', { origin: base.replace(/\/$/, ''), storageTypes: 'all' });
    await context.clearCookies();
    await page.setViewportSize(p.mobile ? { width: 390, height: 844 } : { width: 1280, height: 800 });
    await page.goto(`${base}next.html`);
    await page.evaluate((id) => { localStorage.clear(); sessionStorage.clear(); localStorage.setItem('kizuna:anonymousId', id); }, p.id);
    let happy = false;
    let cart = false;
    let chose = false;
    for (const session of p.sessions) {
      for (const step of session.pages) {
        const sep = step.query ? '&' : '?';
        await page.goto(`${base}${step.query}${sep}insights=1`, { waitUntil: 'load' });
        const started = await page.waitForFunction(() => window.kz || document.getElementById('flush-result')?.textContent, null, { timeout: 20_000, polling: 100 })
          .then(() => page.evaluate(() => (window.kz ? null : document.getElementById('flush-result').textContent)), (e) => `Kizuna did not start within 20 s (${e.message.split('\n')[0]})`);
        if (started) throw new Error(`${page.url()}: ${started}`);
        did.pages++;
        if (!chose) {
          chose = true;
          await page.waitForSelector('#banner:not([hidden])', { timeout: 5000 });
          if (p.consent === 'all') await page.click('#accept-all');
          else if (p.consent === 'none') await page.click('#reject-all');
          else {
            await page.check('#banner-choices input[name=analytics]');
            await page.click('#save-choices');
          }
        }
        // Refused everything: nothing is sent from now on, so nothing more to simulate.
        if (p.consent === 'none') break;
        // The hero decided (after the personalization module loaded), then in
        // view for more than the second a viewable impression needs.
        let decision = null;
        if (p.consent === 'all') {
          const handle = await page.waitForFunction(() => {
            const d = window.kz.decide('hero');
            return d && d.reason !== 'no-consent' && d;
          }, null, { timeout: 8000, polling: 100 }).catch(() => null);
          decision = handle ? await handle.jsonValue() : null;
        }
        await sleep(1300);
        if (decision?.holdout) did.holdout = true;
        const variant = decision?.variant ?? null;
        if (variant === p.fav) happy = true;
        if (step.heroRoll < heroChance(variant, p.fav)) {
          await page.click('[data-kz-slot=hero] h2');
          did.heroClicks++;
        }
        if (p.consent === 'all') {
          const [recommended, cta] = await page.evaluate(() => ['recommended', 'cta'].map((s) => window.kz.decide(s)?.variant ?? null));
          if (step.slotRoll < recommendedChance(recommended, p.fav)) await page.click('[data-kz-slot=recommended] p');
          if (step.ctaRoll < ctaChance(cta)) await page.click('[data-kz-slot=cta] p');
        }
        const topic = new URLSearchParams(step.query).get('topic') ?? p.fav;
        if (step.viewRoll < 0.7) await page.click(`.products:not([data-kz-recs]) .product[data-category=${topic}] button[data-action=view]`);
        if (step.recRoll < 0.3) {
          // The row shows its 3 best items for this visitor; the others are hidden.
          const rec = page.locator(`[data-kz-recs] .product[data-category=${p.fav}]:visible button`).first();
          if (await rec.count()) await rec.click();
        }
        if (topic === p.fav && step.addRoll < 0.45) {
          await page.click(`.products:not([data-kz-recs]) .product[data-category=${topic}] button[data-action=add]`);
          cart = true;
        }
        await sleep(200);
      }
      if (p.consent === 'none') break;
      if (cart && session.orderRoll < 0.55) {
        await page.click('#order');
        did.orders++;
        cart = false;
        if (p.consent === 'all') {
          const survey = await page.waitForSelector('.kz-survey', { timeout: 2500 }).catch(() => null);
          if (survey && p.surveyRoll < 0.65) {
            await page.click(`.kz-survey input[value="${score(p.scoreRoll, happy)}"]`);
            await page.click('.kz-survey .kz-submit');
            did.surveys++;
          } else if (survey && p.surveyRoll < 0.85) {
            await page.click('.kz-survey .kz-close');
          }
        }
        await sleep(200);
      }
    }
    // Everything sent before the visitor leaves (the page's engagement goes as it is hidden).
    await page.evaluate(() => window.kz && window.kz.flush()).catch(() => {});
    await page.goto('about:blank');
    await sleep(100);
  } catch (e) {
    did.errors.push(String(e.message ?? e).split('\n')[0]);
    await page.goto('about:blank').catch(() => {});
  } finally {
    page.off('pageerror', onError);
  }
  return did;
}

const fmt = (ms) => `${Math.floor(ms / 60000)}:${String(Math.floor((ms % 60000) / 1000)).padStart(2, '0')}`;
const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)} %`);

/** Resolves once the collector has taken no request for 500 ms (15 s at most). */
async function settled(base) {
  const requests = async () => (await (await fetch(`${base}collector/stats`)).json().catch(() => null))?.stats?.requests;
  let last = await requests();
  for (const end = Date.now() + 15_000; Date.now() < end;) {
    await sleep(500);
    const now = await requests();
    if (now === last) return;
    last = now;
  }
}

/** Runs the traffic; resolves a summary. */
export async function runTraffic(options) {
  const o = { ...parseArgs([]), ...options };
  const base = new URL(o.url).origin + '/';
  const up = await fetch(`${base}collector/stats`).catch((e) => ({ ok: false, statusText: e.cause?.code ?? e.message }));
  if (!up.ok) throw new Error(`no demo collector at ${base} (${up.status ?? ''} ${up.statusText}): start it with tools/demo.sh`);
  const log = o.quiet ? () => {} : (m) => console.log(m);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const started = Date.now();
  const total = { visitors: 0, rejected: 0, pages: 0, heroClicks: 0, holdout: 0, orders: 0, surveys: 0, failed: 0, pageErrors: 0 };
  const errors = [];
  let next = 0;
  log(`${o.visitors} visitors, ${o.parallel} at a time, seed ${o.seed}, against ${base}`);
  try {
    await Promise.all(Array.from({ length: Math.min(o.parallel, o.visitors) }, async () => {
      let w = await worker(browser, base);
      while (next < o.visitors) {
        const n = next++;
        const who = plan(o.seed, n);
        const did = await visit(w, base, who);
        if (who.consent === 'none') total.rejected++;
        if (did.errors.length) {
          // A visitor that failed may leave its page in any state: a fresh context for the next.
          await w.close();
          w = await worker(browser, base);
        }
        total.visitors++;
        for (const k of ['pages', 'heroClicks', 'orders', 'surveys']) total[k] += did[k];
        total.pageErrors += did.pageErrors.length;
        for (const m of did.pageErrors) errors.push(`visitor ${n}, an error in the page: ${m}`);
        if (did.holdout) total.holdout++;
        if (did.errors.length) {
          total.failed++;
          errors.push(`visitor ${n}: ${did.errors[0]}`);
        }
        if (total.visitors % 20 === 0 || total.visitors === o.visitors) {
          log(`  ${total.visitors}/${o.visitors} visitors, ${total.pages} pages, ${total.orders} orders, ${fmt(Date.now() - started)}`);
        }
      }
      await w.close();
    }));
  } finally {
    await browser.close();
  }
  total.seconds = (Date.now() - started) / 1000;
  for (const e of errors.slice(0, 5)) log(`  ! ${e}`);
  // The last batches land (the collector's request count holds still for
  // half a second, at most 15 s), then the dashboard's figures.
  await settled(base);
  const k = await (await fetch(`${base}collector/kpis`)).json().catch(() => null);
  // The shop learns from these visitors now, not at the next scheduled build.
  const model = await (await fetch(`${base}collector/model`, { method: 'POST', headers: { 'X-Kizuna-Collector': '1' } })).json().catch(() => null);
  return { ...total, errors, kpis: k, model };
}

/**
 * Screenshots of the demo (1280 × 800): the shop as a first visitor sees it
 * (the privacy banner), the shop after browsing outerwear (the hero and the
 * recommendations follow, the decisions explain why), and the whole
 * dashboard. Resolves the files written.
 */
export async function screenshots(url, dir) {
  const base = new URL(url).origin + '/';
  fs.mkdirSync(dir, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const files = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(base);
    await page.waitForSelector('#banner:not([hidden])');
    await sleep(500);
    files.push(path.join(dir, 'shop-first-visit.png'));
    await page.screenshot({ path: files.at(-1) });
    await page.click('#accept-all');
    for (const q of ['?topic=outerwear', '?topic=outerwear', '?topic=accessories', '?topic=outerwear']) {
      await page.goto(`${base}${q}`);
      await page.waitForFunction(() => window.kz && window.kz.decide('hero')?.reason !== 'no-consent', null, { polling: 100 });
      await page.click('.products:not([data-kz-recs]) .product[data-category=outerwear] button[data-action=view]');
      await sleep(1200);
    }
    await page.goto(base);
    await page.waitForFunction(() => window.kz && window.kz.decide('hero')?.reason !== 'no-consent');
    await sleep(1500);
    files.push(path.join(dir, 'shop-after-browsing.png'));
    await page.screenshot({ path: files.at(-1), fullPage: true });
    await context.close();
    const dashboard = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await dashboard.goto(`${base}dashboard.html`);
    await dashboard.waitForFunction(() => document.body.dataset.updated);
    await sleep(500);
    files.push(path.join(dir, 'dashboard-after-traffic.png'));
    await dashboard.screenshot({ path: files.at(-1), fullPage: true });
  } finally {
    await browser.close();
  }
  return files;
}

/** The dashboard's headline figures, one line each. */
export function summary(r) {
  const k = r.kpis;
  const lines = [`${r.visitors} visitors (${r.holdout} in the hero's holdout), ${r.pages} pages, ${r.heroClicks} hero clicks, ${r.orders} orders, ${r.surveys} survey answers in ${fmt(r.seconds * 1000)}${r.failed ? `; ${r.failed} visitors stopped early` : ''}${r.pageErrors ? `; ${r.pageErrors} errors in pages` : ''}`];
  if (!k || !k.totals) return [...lines, 'the collector gave no KPIs (is DuckDB available?)'].join('\n');
  const hero = k.lift.rows.find((x) => x.slot === 'hero');
  lines.push(`dashboard (${r.kpis.totals.visitors} visitors, ${k.totals.sessions} sessions, ${k.totals.events} events in all):`);
  if (hero) {
    lines.push(`  hero click-through: personalized ${pct(hero.personalized)} (${hero.views} views), holdout ${pct(hero.holdout)} (${hero.holdoutViews} views)`);
    lines.push(`  lift: ${hero.lift ? `${(100 * hero.lift.value).toFixed(1)} points (95 % range ${(100 * hero.lift.low).toFixed(1)} to ${(100 * hero.lift.high).toFixed(1)})` : 'needs views in both groups'}`);
  }
  const ips = k.ips.rows.find((x) => x.slot === 'hero');
  if (ips && ips.ess > 0) lines.push(`  always-default estimate: IPS ${pct(ips.defaultIps)}, SNIPS ${pct(ips.defaultSnips)}, effective sample size ${ips.ess.toFixed(1)}`);
  lines.push(`  conversion ${pct(k.conversion.rate)}, returning visitors ${pct(k.retention.rate)}, engaged sessions ${pct(k.engagement.rate)}`);
  lines.push(`  NPS ${k.nps.score === null ? '–' : k.nps.score.toFixed(0)} (${k.nps.responses} answers), customer value ${k.clv.value.toFixed(2)}, audience reports ${k.audience.n}`);
  if (r.model && r.model.etag) lines.push(`model (GET /v1/model): ${r.model.items} products learned from these visitors, ${r.model.slots} slots`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (o.help) {
    console.log(HELP);
    process.exit(0);
  }
  runTraffic(o).then(async (r) => {
    console.log(summary(r));
    if (o.shots) console.log(`screenshots: ${(await screenshots(o.url, o.shots)).join(', ')}`);
    console.log(`the dashboard: ${new URL(o.url).origin}/dashboard.html`);
  }).catch((e) => {
    console.error(`[traffic] ${e.message}`);
    process.exit(1);
  });
}
