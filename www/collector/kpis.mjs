// The dashboard's figures. Each KPI is one SQL file in ./kpis/ written
// against a single view, kz_events (ts, type, event, message_id,
// anonymous_id, user_id, session_id, session_index, path, and the few
// properties the KPIs read as typed columns: slot, variant, holdout,
// propensity, revenue, engaged_ms, score, segment, topic, epsilon, topics).
// ./kpis/views/ maps each source onto that view: local.sql (this
// collector's `events` table), segment.sql (the tables Segment's warehouse
// connector writes), snowplow.sql (Snowplow's atomic events table). So the
// same figures come out of the local collector and, once the events go to
// Segment or Snowplow, out of the warehouse: run the source's view file
// once, then any KPI file as it is (tests/warehouse-kpis.test.mjs checks
// all three agree). Here the collector puts local.sql's SELECT, with the
// site filter, in front of each KPI file as a WITH clause.
//
// What stays in JavaScript: filling the minutes without events with zeros,
// and de-biasing the audience counts (ldpEstimate, the twin of the Rust
// estimator, both checked against golden values).

import fs from 'node:fs';

const DIR = new URL('./kpis/', import.meta.url);
const read = (name) => fs.readFileSync(new URL(name, DIR), 'utf8');

/** The KPI files, by name (each one statement against kz_events). */
export const KPI_FILES = ['totals', 'series', 'engagement', 'conversion', 'retention', 'clv', 'nps', 'ctr', 'lift', 'off_policy', 'audience'];
export const KPI_SQL = Object.fromEntries(KPI_FILES.map((k) => [k, read(`${k}.sql`)]));
/** The view files, by source: each a `CREATE OR REPLACE VIEW kz_events AS …` statement. */
export const VIEW_SQL = Object.fromEntries(['local', 'segment', 'snowplow'].map((k) => [k, read(`views/${k}.sql`)]));

/** The SELECT of a view file (what follows `CREATE … VIEW kz_events AS`). */
export function viewSelect(sql) {
  const m = /CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+kz_events\s+AS\s+([\s\S]*?);?\s*$/i.exec(sql);
  if (!m) throw new Error('not a kz_events view file');
  return m[1];
}

/**
 * The demo's test fixture pages (served beside the demos for the test
 * suites: personalized slots with hostile variants, the SPA, the
 * reliability and benchmark pages, the strict-CSP pages): their events are
 * kept out of the dashboard's figures unless asked for.
 */
export const TEST_PAGES = ['/slots.html', '/reliable.html', '/spa.html', '/script-tag.html', '/bench.html'];
export const TEST_PREFIXES = ['/spa/', '/csp/', '/test/'];
/** SQL true for an event of a test page (over `path`; NULL where there is none). */
export const TEST_PATH = `(path IN (${TEST_PAGES.map((p) => `'${p}'`).join(', ')})${TEST_PREFIXES.map((p) => ` OR path LIKE '${p}%'`).join('')})`;
const SITES = {
  site: `WHERE NOT COALESCE(${TEST_PATH}, FALSE)`,
  test: `WHERE COALESCE(${TEST_PATH}, FALSE)`,
  all: '',
};

/** A KPI file with kz_events defined in front of it (merged into its WITH clause when it has one). */
export function withView(kpiSql, viewSelectSql, where = '') {
  const body = kpiSql.replace(/^(?:\s*--[^\n]*\n)*\s*/, '').replace(/;\s*$/, '');
  const cte = `kz_events AS (SELECT * FROM (${viewSelectSql}) AS kz_source ${where})`;
  return /^WITH\s/i.test(body) ? body.replace(/^WITH\s+/i, `WITH ${cte}, `) : `WITH ${cte} ${body}`;
}

const z = 1.959964; // 95 %

/** Wilson's 95 % interval of a proportion (ctr.sql computes the same). */
export function wilson(k, n) {
  if (!n) return [0, 0];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** A difference of two proportions and its 95 % (normal) interval (lift.sql computes the same). */
export function diff(k1, n1, k0, n0) {
  if (!n1 || !n0) return null;
  const p1 = k1 / n1;
  const p0 = k0 / n0;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0);
  return { value: p1 - p0, low: p1 - p0 - z * se, high: p1 - p0 + z * se };
}

const num = (v) => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v) => (v === null || v === undefined ? null : Number(v));

/**
 * Off-policy value of a `target` policy from logs `{ action, p, reward }`
 * (`p`: the logged propensity of the action taken): IPS (Σ w·r ÷ n),
 * SNIPS (Σ w·r ÷ Σ w) and the effective sample size (Σw)² ÷ Σw², where
 * w = target(action) ÷ p. off_policy.sql computes the same for the
 * always-default policy (tests/warehouse-kpis.test.mjs checks they agree);
 * the Open Bandit check (tests/obd.test.mjs) runs this one.
 */
export function offPolicy(logs, target) {
  let sw = 0;
  let swr = 0;
  let sw2 = 0;
  let n = 0;
  for (const l of logs) {
    if (!(l.p > 0)) continue;
    const w = target(l.action) / l.p;
    sw += w;
    swr += w * l.reward;
    sw2 += w * w;
    n++;
  }
  return { n, ips: n ? swr / n : null, snips: sw ? swr / sw : null, ess: sw2 ? (sw * sw) / sw2 : 0 };
}

/**
 * De-biased counts of k-ary randomized response (the twin of
 * src/engine/personalize/insights.rs `estimate`, both checked against
 * tests/fixtures/ldp-estimates.json): each value's estimate and the
 * half-width of its 95 % interval, from the randomized counts and the ε
 * each value was randomized with.
 */
export function ldpEstimate(counts, epsilon) {
  const k = counts.length;
  const n = counts.reduce((a, c) => a + c, 0);
  const e = Math.exp(epsilon);
  const p = e / (e + k - 1);
  const q = 1 / (e + k - 1);
  return counts.map((c) => {
    const est = (c - n * q) / (p - q);
    const variance = (n * q * (1 - q)) / ((p - q) * (p - q)) + (Math.max(est, 0) * (1 - p - q)) / (p - q);
    return [est, 1.96 * Math.sqrt(Math.max(variance, 0))];
  });
}

const SEGMENTS = ['new', 'returning', 'engaged', 'loyal', 'dormant'];

/** The audience from audience.sql's counts (each visitor's latest report), de-biased. */
function audience(rows) {
  // One mechanism at a time: the most common ε and topic list.
  const key = (r) => `${num(r.epsilon)}|${r.topics}`;
  const tally = new Map();
  for (const r of rows) tally.set(key(r), (tally.get(key(r)) || 0) + num(r.reports));
  const [best] = [...tally.entries()].sort((a, b) => b[1] - a[1]);
  if (!best) {
    return { n: 0, segments: [], topics: [], how: 'Audience Report events: each visitor\'s device reports its segment and top topic, randomized (local differential privacy); the counts are de-biased here' };
  }
  const used = rows.filter((r) => key(r) === best[0]);
  const n = best[1];
  const epsilon = num(used[0].epsilon);
  let topics = [];
  try { topics = [...JSON.parse(used[0].topics), 'other']; } catch (_) { topics = ['other']; }
  const table = (values, field) => {
    const counts = values.map((v) => used.filter((r) => r[field] === v).reduce((a, r) => a + num(r.reports), 0));
    // Each value was randomized with half the report's ε.
    return ldpEstimate(counts, epsilon / 2).map(([est, half], i) => ({
      value: values[i], raw: counts[i], rawShare: counts[i] / n,
      share: est / n, low: (est - half) / n, high: (est + half) / n,
    }));
  };
  return {
    n, epsilon, left: [...tally.values()].reduce((a, c) => a + c, 0) - n,
    segments: table(SEGMENTS, 'segment'), topics: table(topics, 'topic'),
    how: `each visitor's latest Audience Report (randomized on the device, ε = ${epsilon} per report, ε/2 per value); ` +
      'estimate = (count − n·q) / (p − q) with p = e^(ε/2)/(e^(ε/2)+k−1), q = 1/(e^(ε/2)+k−1), and a 95 % interval from its variance',
  };
}

const MINUTE = 60_000;
/** A TIMESTAMP as the driver gives it ('2026-12-01 09:00:00', UTC) → epoch ms. */
const epochOf = (v) => (typeof v === 'number' ? v : Date.parse(`${String(v).replace(' ', 'T')}Z`));

/**
 * series.sql's minutes → a continuous series: every bucket from the first
 * event to the last (to now while the last event is under an hour old), the
 * empty ones as zeros; minutes grouped (5, 15, 60 … minutes) so that at most
 * 360 points are drawn.
 */
export function timeline(rows, now = Date.now()) {
  const minutes = rows.map((r) => ({ t: epochOf(r.minute), events: num(r.events), pageViews: num(r.page_views) })).filter((r) => Number.isFinite(r.t));
  if (!minutes.length) return { bucketMinutes: 1, points: [] };
  const first = Math.min(...minutes.map((m) => m.t));
  let last = Math.max(...minutes.map((m) => m.t));
  const nowMinute = Math.floor(now / MINUTE) * MINUTE;
  if (nowMinute > last && nowMinute - last <= 60 * MINUTE) last = nowMinute;
  const span = (last - first) / MINUTE + 1;
  const bucketMinutes = [1, 5, 15, 60, 360, 1440].find((b) => span / b <= 360) ?? 10080;
  const size = bucketMinutes * MINUTE;
  const start = Math.floor(first / size) * size;
  const buckets = new Map();
  for (const m of minutes) {
    const t = Math.floor(m.t / size) * size;
    const b = buckets.get(t) ?? { events: 0, pageViews: 0 };
    b.events += m.events;
    b.pageViews += m.pageViews;
    buckets.set(t, b);
  }
  const points = [];
  for (let t = start; t <= last; t += size) points.push({ t, ...(buckets.get(t) ?? { events: 0, pageViews: 0 }) });
  return { bucketMinutes, points };
}

/**
 * Every figure of the dashboard from a `query(sql)` that runs one KPI file
 * (against a kz_events of any source) and resolves its rows as objects.
 */
export async function figures(query, { now = Date.now() } = {}) {
  // One after the other: the local collector runs them on one connection.
  const r = {};
  for (const k of KPI_FILES) r[k] = await query(KPI_SQL[k], k);
  const [totals] = r.totals;
  const [engagement] = r.engagement;
  const [conversion] = r.conversion;
  const [retention] = r.retention;
  const [clv] = r.clv;
  const [nps] = r.nps;
  const { bucketMinutes, points } = timeline(r.series, now);
  return {
    totals: { events: num(totals.events), pageViews: num(totals.page_views), sessions: num(totals.sessions), visitors: num(totals.visitors) },
    series: points,
    seriesMinutes: bucketMinutes,
    engagement: {
      rate: num(engagement.rate),
      sessions: num(engagement.sessions),
      engagedSessions: num(engagement.engaged_sessions),
      engagedSecondsPerSession: num(engagement.engaged_seconds_per_session),
      how: 'sessions with ≥ 10 s of engaged time, ≥ 2 page views or an order, over all sessions; engaged time is the sum of Page Engagement engagedMs per session',
    },
    ctr: {
      rows: r.ctr.map((s) => ({ slot: s.slot, variant: s.variant, holdout: s.holdout, views: num(s.views), clicks: num(s.clicks), ctr: num(s.ctr), low: num(s.low), high: num(s.high) })),
      how: 'Slot Clicked ÷ Slot Viewed (the slot at least half in view for a second) per slot, variant and arm, with Wilson\'s 95 % interval',
    },
    lift: {
      rows: r.lift.map((s) => ({
        slot: s.slot, personalized: numOrNull(s.personalized), holdout: numOrNull(s.holdout),
        views: num(s.views), clicks: num(s.clicks), holdoutViews: num(s.holdout_views), holdoutClicks: num(s.holdout_clicks),
        lift: s.lift === null || s.lift === undefined ? null : { value: Number(s.lift), low: Number(s.low), high: Number(s.high) },
      })),
      how: 'click-through of the visitors who got the personalized choice minus that of the holdout (a fixed share of visitors who always see the default), with a normal 95 % interval of the difference',
    },
    ips: {
      rows: r.off_policy.map((s) => ({ slot: s.slot, n: num(s.views), personalized: numOrNull(s.personalized), defaultIps: numOrNull(s.default_ips), defaultSnips: numOrNull(s.default_snips), ess: num(s.ess) })),
      how: 'from the personalized views alone: each view where the default happened to be shown counts 1 ÷ the chance it had of being shown (its logged propensity). IPS = Σ weight·click ÷ views; SNIPS = Σ weight·click ÷ Σ weights; effective sample size = (Σ weights)² ÷ Σ weights²',
    },
    conversion: { rate: num(conversion.rate), sessions: num(conversion.sessions), converted: num(conversion.converted), how: 'sessions with an Order Completed, over all sessions' },
    retention: { rate: num(retention.rate), visitors: num(retention.visitors), returning: num(retention.returning_visitors), how: 'visitors seen in more than one session, over all visitors' },
    clv: {
      value: num(clv.clv), aov: num(clv.aov), frequency: num(clv.frequency), orders: num(clv.orders), buyers: num(clv.buyers), revenue: num(clv.revenue),
      how: 'average order value (revenue ÷ orders) × purchase frequency (orders ÷ buying visitors)',
    },
    audience: audience(r.audience),
    nps: {
      responses: num(nps.responses), promoters: num(nps.promoters), detractors: num(nps.detractors), score: numOrNull(nps.nps),
      how: '% promoters (scores 9–10) minus % detractors (0–6) of the Survey Responded answers, from −100 to +100',
    },
  };
}

/**
 * Every figure of the dashboard on the local collector's warehouse (w from
 * openWarehouse): `site` 'site' (default: every page but the test fixture
 * pages), 'test' (those only) or 'all'. Also says how many events each
 * part holds, so the dashboard can say what it left out.
 */
export async function kpis(w, { site = 'site', now = Date.now() } = {}) {
  const where = SITES[site] ?? SITES.site;
  const local = viewSelect(VIEW_SQL.local);
  const out = await figures((sql) => w.query(withView(sql, local, where)), { now });
  const [parts] = await w.query(`SELECT COUNT(*) AS all_events, SUM(CASE WHEN COALESCE(${TEST_PATH}, FALSE) THEN 1 ELSE 0 END) AS test_events FROM events`);
  const all = num(parts.all_events);
  const test = num(parts.test_events);
  return {
    site: SITES[site] === undefined ? 'site' : site,
    sites: { site: all - test, test, all, testPages: [...TEST_PAGES, ...TEST_PREFIXES.map((p) => `${p}…`)] },
    ...out,
  };
}
