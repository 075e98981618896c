// The dashboard's figures, computed in DuckDB from the events table. Each
// says how it is computed (`how`), so a team can check it with its own SQL.

const z = 1.959964; // 95 %

/** Wilson's 95 % interval of a proportion. */
export function wilson(k, n) {
  if (!n) return [0, 0];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** A difference of two proportions and its 95 % (normal) interval. */
export function diff(k1, n1, k0, n0) {
  if (!n1 || !n0) return null;
  const p1 = k1 / n1;
  const p0 = k0 / n0;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0);
  return { value: p1 - p0, low: p1 - p0 - z * se, high: p1 - p0 + z * se };
}

const num = (v) => (v === null || v === undefined ? 0 : Number(v));

/**
 * Off-policy value of a `target` policy from logs `{ action, p, reward }`
 * (`p`: the logged propensity of the action taken): IPS (Σ w·r ÷ n),
 * SNIPS (Σ w·r ÷ Σ w) and the effective sample size (Σw)² ÷ Σw², where
 * w = target(action) ÷ p. The dashboard and the Open Bandit check use it.
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

/** The audience from Audience Report events: each visitor's latest report, de-biased. */
function audience(reports) {
  // One mechanism at a time: the most common ε and topic domain.
  const key = (r) => `${r.epsilon}|${r.topics}`;
  const tally = new Map();
  for (const r of reports) tally.set(key(r), (tally.get(key(r)) || 0) + 1);
  const [best] = [...tally.entries()].sort((a, b) => b[1] - a[1]);
  if (!best) return { n: 0, segments: [], topics: [], how: 'no Audience Report yet (config insights)' };
  const used = reports.filter((r) => key(r) === best[0]);
  const epsilon = Number(used[0].epsilon);
  let topics = [];
  try { topics = [...JSON.parse(used[0].topics), 'other']; } catch (_) { topics = ['other']; }
  const table = (values, field) => {
    const counts = values.map((v) => used.filter((r) => r[field] === v).length);
    // Each value was randomized with half the report's ε.
    return ldpEstimate(counts, epsilon / 2).map(([est, half], i) => ({
      value: values[i], raw: counts[i], rawShare: counts[i] / used.length,
      share: est / used.length, low: (est - half) / used.length, high: (est + half) / used.length,
    }));
  };
  return {
    n: used.length, epsilon, left: reports.length - used.length,
    segments: table(SEGMENTS, 'segment'), topics: table(topics, 'topic'),
    how: `each visitor's latest Audience Report (randomized on the device, ε = ${epsilon} per report, ε/2 per value); ` +
      'estimate = (count − n·q) / (p − q) with p = e^(ε/2)/(e^(ε/2)+k−1), q = 1/(e^(ε/2)+k−1), and a 95 % interval from its variance',
  };
}

/** Every figure of the dashboard. */
export async function kpis(w) {
  const q = (sql) => w.query(sql);
  const [totals] = await q(`SELECT count(*) AS events, count(*) FILTER (WHERE type = 'page') AS page_views,
      count(DISTINCT session_id) AS sessions, count(DISTINCT anonymous_id) AS visitors FROM events`);
  const series = await q(`SELECT epoch_ms(date_trunc('minute', ts)) AS t, count(*) AS events, count(*) FILTER (WHERE type = 'page') AS page_views
      FROM events GROUP BY 1 ORDER BY 1`);
  const sessions = await q(`SELECT session_id,
      sum(CASE WHEN event = 'Page Engagement' THEN (properties->>'engagedMs')::DOUBLE ELSE 0 END) AS engaged_ms,
      count(*) FILTER (WHERE type = 'page') AS views,
      count(*) FILTER (WHERE event = 'Order Completed') AS orders
      FROM events WHERE session_id IS NOT NULL GROUP BY 1`);
  const engagedSessions = sessions.filter((s) => num(s.engaged_ms) >= 10_000 || num(s.views) >= 2 || num(s.orders) > 0).length;
  const converted = sessions.filter((s) => num(s.orders) > 0).length;
  const slots = await q(`SELECT properties->>'slot' AS slot, properties->>'variant' AS variant, (properties->>'holdout')::BOOLEAN AS holdout,
      count(*) FILTER (WHERE event = 'Slot Viewed') AS views, count(*) FILTER (WHERE event = 'Slot Clicked') AS clicks
      FROM events WHERE event IN ('Slot Viewed', 'Slot Clicked') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
  const ctr = slots.map((s) => {
    const [low, high] = wilson(num(s.clicks), num(s.views));
    return { slot: s.slot, variant: s.variant, holdout: s.holdout, views: num(s.views), clicks: num(s.clicks), ctr: num(s.views) ? num(s.clicks) / num(s.views) : 0, low, high };
  });
  const lift = [...new Set(ctr.map((c) => c.slot))].map((slot) => {
    const sum = (h) => ctr.filter((c) => c.slot === slot && c.holdout === h).reduce((a, c) => [a[0] + c.clicks, a[1] + c.views], [0, 0]);
    const [k1, n1] = sum(false);
    const [k0, n0] = sum(true);
    return { slot, personalized: n1 ? k1 / n1 : null, holdout: n0 ? k0 / n0 : null, views: n1, holdoutViews: n0, lift: diff(k1, n1, k0, n0) };
  });
  // Off-policy: each view's click (did a Slot Clicked follow for that
  // visitor, slot and variant) weighed by 1 / the logged propensity.
  const logged = await q(`WITH v AS (SELECT anonymous_id, properties->>'slot' AS slot, properties->>'variant' AS variant,
        (properties->>'propensity')::DOUBLE AS p, (properties->>'holdout')::BOOLEAN AS holdout FROM events WHERE event = 'Slot Viewed'),
      c AS (SELECT DISTINCT anonymous_id, properties->>'slot' AS slot, properties->>'variant' AS variant FROM events WHERE event = 'Slot Clicked')
      SELECT v.slot, v.variant, v.p, v.holdout, (c.slot IS NOT NULL) AS clicked FROM v LEFT JOIN c USING (anonymous_id, slot, variant)`);
  const ips = [...new Set(logged.map((r) => r.slot))].map((slot) => {
    const rows = logged.filter((r) => r.slot === slot && !r.holdout && num(r.p) > 0);
    const est = offPolicy(rows.map((r) => ({ action: r.variant, p: num(r.p), reward: r.clicked ? 1 : 0 })), (a) => (a === 'default' ? 1 : 0));
    const onPolicy = rows.length ? rows.filter((r) => r.clicked).length / rows.length : null;
    return { slot, n: rows.length, personalized: onPolicy, defaultIps: est.ips, defaultSnips: est.snips, ess: est.ess };
  });
  const [orders] = await q(`SELECT count(*) AS orders, count(DISTINCT anonymous_id) AS buyers,
      coalesce(sum((properties->>'revenue')::DOUBLE), 0) AS revenue FROM events WHERE event = 'Order Completed'`);
  const [retention] = await q(`SELECT count(*) AS visitors, count(*) FILTER (WHERE n > 1) AS returning
      FROM (SELECT anonymous_id, greatest(count(DISTINCT session_id), max(session_index)) AS n FROM events WHERE anonymous_id IS NOT NULL GROUP BY 1)`);
  const [nps] = await q(`SELECT count(*) AS responses,
      count(*) FILTER (WHERE (properties->>'score')::INTEGER >= 9) AS promoters,
      count(*) FILTER (WHERE (properties->>'score')::INTEGER <= 6) AS detractors FROM events WHERE event = 'Survey Responded'`);
  const reports = await q(`SELECT segment, topic, epsilon, topics FROM (
      SELECT properties->>'segment' AS segment, properties->>'topic' AS topic, properties->>'epsilon' AS epsilon,
        CAST(properties->'topics' AS VARCHAR) AS topics, row_number() OVER (PARTITION BY anonymous_id ORDER BY ts DESC) AS r
      FROM events WHERE event = 'Audience Report') WHERE r = 1`);
  const aov = num(orders.orders) ? num(orders.revenue) / num(orders.orders) : 0;
  const frequency = num(orders.buyers) ? num(orders.orders) / num(orders.buyers) : 0;
  const sessionsN = sessions.length;
  return {
    totals: { events: num(totals.events), pageViews: num(totals.page_views), sessions: num(totals.sessions), visitors: num(totals.visitors) },
    series: series.map((s) => ({ t: num(s.t), events: num(s.events), pageViews: num(s.page_views) })),
    engagement: {
      rate: sessionsN ? engagedSessions / sessionsN : 0,
      engagedSecondsPerSession: sessionsN ? sessions.reduce((a, s) => a + num(s.engaged_ms), 0) / sessionsN / 1000 : 0,
      how: 'engaged sessions (≥ 10 s of engaged time, ≥ 2 page views, or an order) over sessions; engaged time is the sum of Page Engagement engagedMs per session',
    },
    ctr: { rows: ctr, how: 'Slot Clicked over Slot Viewed per slot × variant × holdout, with Wilson 95 % intervals' },
    lift: { rows: lift, how: 'CTR of the personalized arm minus CTR of the holdout (which always sees the default), with a normal 95 % interval for the difference' },
    ips: { rows: ips, how: 'over personalized views: the personalized policy\'s observed CTR, and the always-default policy estimated by IPS (Σ 1[default]·click/p ÷ n) and SNIPS (÷ Σ weights), with the effective sample size (Σw)²/Σw²' },
    conversion: { rate: sessionsN ? converted / sessionsN : 0, how: 'sessions with an Order Completed over sessions' },
    retention: { rate: num(retention.visitors) ? num(retention.returning) / num(retention.visitors) : 0, how: 'visitors seen in more than one session over visitors' },
    clv: { value: aov * frequency, aov, frequency, how: 'average order value (revenue ÷ orders) × purchase frequency (orders ÷ buying visitors)' },
    audience: audience(reports),
    nps: { responses: num(nps.responses), score: num(nps.responses) ? (100 * (num(nps.promoters) - num(nps.detractors))) / num(nps.responses) : null, how: '% promoters (9–10) minus % detractors (0–6) over Survey Responded scores' },
  };
}
