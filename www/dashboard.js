// The KPI dashboard: fetches /collector/kpis (www/collector/kpis.mjs runs
// the SQL files of www/collector/kpis/ in DuckDB) now, after the batches
// the collector announces over its event stream (at most every 1.5 s), and
// every 5 s; draws the activity with uPlot. Every value from the events
// (slot and variant names…) is written as text, never as HTML.

const $ = (id) => document.getElementById(id);
const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)} %`);
const pts = (x) => (x === null || x === undefined ? '–' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(100 * x).toFixed(1)} pts`);
const fixed = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
const int = (x) => Number(x ?? 0).toLocaleString('en');
const signed = (x) => (x > 0 ? `+${x.toFixed(0)}` : x.toFixed(0));
const TRAFFIC = 'node tools/traffic.mjs';

/** An element with text and attributes; children may be strings or nodes. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

function tile(key, label, value, detail, how, small) {
  return el('div', { class: `tile${small ? ' small' : ''}`, 'data-kpi': key },
    el('span', { class: 'label' }, label), el('b', {}, value), detail ? el('span', { class: 'detail' }, detail) : null, how ? el('span', { class: 'how' }, how) : null);
}

/** Table rows from `list`, or one row saying why there are none. */
function rows(table, list, cells, empty) {
  const tbody = table.tBodies[0];
  const columns = table.tHead.rows[0].cells.length;
  if (!list.length) {
    tbody.replaceChildren(el('tr', { class: 'empty-row' }, el('td', { class: 'empty', colspan: columns }, ...[].concat(empty))));
    return;
  }
  const heads = [...table.tHead.rows[0].cells];
  tbody.replaceChildren(...list.map((r) => el('tr', {}, ...cells(r).map((c, i) => {
    if (c && typeof c === 'object' && !(c instanceof Node)) return el('td', { class: 'empty', colspan: c.colspan }, c.text);
    return el('td', { class: heads[i]?.classList.contains('text') ? 'text' : null }, c instanceof Node ? c : String(c ?? '–'));
  }))));
}

const code = (text) => el('code', {}, text);
const interval = (low, high) => el('span', { class: 'ci', title: `${pct(low)} – ${pct(high)}` },
  el('span', { style: `left:${(100 * Math.max(0, Math.min(1, low))).toFixed(1)}%;width:${(100 * Math.max(0, Math.min(1, high) - Math.max(0, low))).toFixed(1)}%` }));
const noSlots = () => ['No slot was shown yet: open ', el('a', { href: '/' }, 'the shop'), ', accept the banner and browse (a slot counts once it is half in view for a second), or run ', code(TRAFFIC), '.'];

/** What a lift row says in words. */
function reading(l) {
  if (!l) return null;
  if (l.low > 0) return el('span', { class: 'good' }, 'personalized clearly better');
  if (l.high < 0) return el('span', { class: 'bad' }, 'personalized clearly worse');
  return 'no clear difference yet';
}

function headline(k) {
  const h = $('headline');
  h.className = 'headline';
  const withBoth = k.lift.rows.filter((r) => r.lift).sort((a, b) => (b.slot === 'hero') - (a.slot === 'hero') || (b.views + b.holdoutViews) - (a.views + a.holdoutViews));
  const [r] = withBoth;
  if (r) {
    const l = r.lift;
    h.classList.toggle('good', l.low > 0);
    h.classList.toggle('bad', l.high < 0);
    h.replaceChildren(`On the `, el('strong', {}, r.slot), ` slot, visitors who got a personalized choice clicked `, el('strong', {}, pct(r.personalized)),
      ` of the time (${int(r.views)} views); the holdout, who always see the default, `, el('strong', {}, pct(r.holdout)), ` (${int(r.holdoutViews)} views). Lift: `,
      el('strong', {}, pts(l.value)), ` (95 % range ${pts(l.low)} to ${pts(l.high)}): `,
      l.low > 0 ? 'personalization clearly does better.' : l.high < 0 ? 'personalization does worse.' : 'no clear difference yet; more visitors narrow the range.');
  } else if (k.ctr.rows.length) {
    h.replaceChildren(`Slots were shown ${int(k.ctr.rows.reduce((a, c) => a + c.views, 0))} times, none yet to a holdout visitor: the lift needs both groups (the shop's hero keeps 10 % of visitors as its holdout).`);
  } else {
    h.replaceChildren(...noSlots());
  }
}

function render(k) {
  $('no-events').hidden = k.totals.events > 0;
  for (const o of document.querySelectorAll('.origin')) o.textContent = `${location.origin}/`;
  const sites = k.sites;
  $('scope').textContent = sites?.test
    ? `The test pages' ${int(sites.test)} events (${sites.testPages.join(', ')}) are left out: they are fixtures for the test suites, not the shop.`
    : '';
  headline(k);

  const e = k.engagement;
  const nps = k.nps;
  $('tiles').replaceChildren(
    tile('visitors', 'Visitors', int(k.totals.visitors), null, 'distinct browsers (anonymous ids)'),
    tile('sessions', 'Sessions', int(k.totals.sessions), null, 'visits: a new one after 30 min away or from a new campaign'),
    tile('pageViews', 'Page views', int(k.totals.pageViews)),
    tile('events', 'Events', int(k.totals.events), null, 'everything sent: page views, clicks, slot views, engagement…', true),
    tile('engagementRate', 'Engaged sessions', pct(e.rate), `${int(e.engagedSessions)} of ${int(e.sessions)} sessions`, '≥ 10 s of attention, ≥ 2 pages, or an order'),
    tile('engagedSeconds', 'Attention per session', `${fixed(e.engagedSecondsPerSession, 1)} s`, null, 'time the page was visible and in use'),
    tile('conversion', 'Conversion', pct(k.conversion.rate), `${int(k.conversion.converted)} of ${int(k.conversion.sessions)} sessions ordered`, 'sessions with an order'),
    tile('retention', 'Returning visitors', pct(k.retention.rate), `${int(k.retention.returning)} of ${int(k.retention.visitors)} visitors`, 'seen in more than one session'),
    tile('clv', 'Customer value', k.clv.orders ? fixed(k.clv.value) : 'no orders yet',
      k.clv.orders ? `${fixed(k.clv.aov)} an order × ${fixed(k.clv.frequency)} orders a buyer` : null, 'average order × orders per buying visitor'),
    tile('nps', 'Net Promoter Score', nps.score === null ? 'no answers yet' : signed(nps.score),
      nps.score === null ? 'the survey shows after an order' : `${int(nps.responses)} answers: ${int(nps.promoters)} promoters, ${int(nps.detractors)} detractors`,
      '% scoring 9–10 minus % scoring 0–6, from −100 to +100'),
  );

  rows($('lift'), k.lift.rows, (r) => (r.lift
    ? [r.slot, int(r.views), pct(r.personalized), int(r.holdoutViews), pct(r.holdout), pts(r.lift.value), `${pts(r.lift.low)} to ${pts(r.lift.high)}`, reading(r.lift)]
    : [r.slot, int(r.views), pct(r.personalized), { colspan: 5, text: r.holdoutViews
      ? 'no personalized views yet'
      : 'no holdout views: this slot has no holdout in its config (slots.<slot>.holdout), or none of its holdout visitors has seen it yet' }]), noSlots());

  const group = (h) => (h === true ? 'holdout' : h === false ? 'personalized' : '–');
  rows($('ctr'), k.ctr.rows, (r) => [r.slot, r.variant ?? '–', group(r.holdout), int(r.views), int(r.clicks), pct(r.ctr), `${pct(r.low)} – ${pct(r.high)}`, interval(r.low, r.high)], noSlots());

  rows($('ips'), k.ips.rows, (r) => {
    if (!r.n) return [r.slot, '0', { colspan: 4, text: 'no personalized views yet' }];
    // No weight: the personalized choice never showed the default (it picks among the variants only).
    if (!r.ess) return [r.slot, int(r.n), pct(r.personalized), { colspan: 3, text: 'the personalized choice never showed the default on this slot (it picks among the variants), so nothing can stand in for it: the holdout measures the default directly (lift, above)' }];
    return [r.slot, int(r.n), pct(r.personalized), pct(r.defaultIps), pct(r.defaultSnips), r.ess < 30 ? `${fixed(r.ess, 1)} (too few: noise)` : fixed(r.ess, 1)];
  }, noSlots());

  const a = k.audience;
  $('audience-how').textContent = a.n
    ? `${int(a.n)} visitors reported. Each device reports its visitor's segment and top interest after flipping them at random with a known probability (local differential privacy): no single report can be trusted and no profile is collected, yet the counts can be de-biased. How: ${a.how}.`
    : '';
  const emptyAudience = () => ['No Audience Report yet: the shop sends one per visitor, randomized on the device, when opened with ', code('?insights=1'),
    ' and both analytics and personalization are allowed (', code(TRAFFIC), ' does).'];
  for (const [id, list] of [['audience-segments', a.segments], ['audience-topics', a.topics]]) {
    // Shares between 0 and 100 % (an estimate from few noisy reports can fall outside).
    const clamp = (x) => Math.max(0, Math.min(1, x));
    rows($(id), list, (r) => [r.value, int(r.raw), pct(r.rawShare), pct(clamp(r.share)), `${pct(clamp(r.low))} – ${pct(clamp(r.high))}`, interval(r.low, r.high)], emptyAudience());
  }

  chart(k);
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.updated = String(Date.now());
}

let plot = null;
function chart(k) {
  const points = k.series;
  const m = k.seriesMinutes || 1;
  $('chart-title').textContent = `Events and page views per ${m === 1 ? 'minute' : m < 60 ? `${m} minutes` : m === 60 ? 'hour' : m < 1440 ? `${m / 60} hours` : 'day'}`;
  $('chart-empty').hidden = points.length > 0;
  $('chart').hidden = points.length === 0;
  if (!points.length) return;
  // uPlot's time axis is in seconds.
  const data = [points.map((s) => s.t / 1000), points.map((s) => s.events), points.map((s) => s.pageViews)];
  const half = (m * 60) / 2;
  if (!plot) {
    const bars = (size) => window.uPlot.paths.bars({ size: [size, 60] });
    plot = new window.uPlot({
      width: Math.min(1024, document.body.clientWidth - 32),
      height: 240,
      // The range comes from the data: given one point, uPlot's own time
      // range is 86400 ÷ 1e-3 s (1,000 days) wide.
      scales: { x: { time: true, range: (u) => [u.data[0][0] - half, u.data[0][u.data[0].length - 1] + half] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      series: [{}, { label: 'events', stroke: '#3b6fd8', fill: 'rgba(59,111,216,.35)', paths: bars(0.8) }, { label: 'page views', stroke: '#d8843b', fill: 'rgba(216,132,59,.8)', paths: bars(0.4) }],
      // Ticks on whole minutes at least (the default also ticks seconds).
      axes: [{ incrs: [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800] }, { size: 50 }],
    }, data, $('chart'));
    window.addEventListener('resize', () => plot.setSize({ width: Math.min(1024, document.body.clientWidth - 32), height: 240 }));
    window.kzPlot = plot; // for tests/e2e/dashboard.test.mjs: the axis
  } else {
    plot.setData(data);
  }
}

// One request at a time, at most one every 1.5 s; a batch announced meanwhile asks for one more.
let running = false;
let again = false;
let last = 0;
async function refresh() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  const wait = last + 1500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  last = Date.now();
  try {
    const res = await fetch('/collector/kpis');
    if (res.ok) render(await res.json());
    else $('headline').textContent = `The collector answered ${res.status}: ${(await res.json()).error}`;
  } catch (_) { /* the collector restarts: the next tick tries again */ }
  running = false;
  if (again) {
    again = false;
    refresh();
  }
}

refresh();
setInterval(refresh, 5000);
try {
  new EventSource('/collector/stream').addEventListener('batch', () => refresh());
} catch (_) { /* no event stream: the timer refreshes */ }
