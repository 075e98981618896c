// The KPI dashboard: fetches /collector/kpis (computed in DuckDB by
// www/collector/kpis.mjs) now, on every batch the collector announces over
// its event stream, and every 5 s; draws with uPlot.

const $ = (id) => document.getElementById(id);
const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)} %`);
const fixed = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
let plot = null;

function tile(key, label, value, how) {
  return `<div class="tile" data-kpi="${key}" title="${how || ''}">${label}<b>${value}</b><span class="how">${how || ''}</span></div>`;
}

function rows(tbody, list, cells) {
  tbody.innerHTML = list.map((r) => `<tr>${cells(r).map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
}

function render(k) {
  $('tiles').innerHTML = [
    tile('events', 'Events', k.totals.events),
    tile('pageViews', 'Page views', k.totals.pageViews),
    tile('sessions', 'Sessions', k.totals.sessions),
    tile('visitors', 'Visitors', k.totals.visitors),
    tile('engagementRate', 'Engagement rate', pct(k.engagement.rate), k.engagement.how),
    tile('engagedSeconds', 'Engaged time per session', `${fixed(k.engagement.engagedSecondsPerSession, 1)} s`),
    tile('conversion', 'Conversion', pct(k.conversion.rate), k.conversion.how),
    tile('retention', 'Returning visitors', pct(k.retention.rate), k.retention.how),
    tile('clv', 'CLV (AOV × frequency)', fixed(k.clv.value), k.clv.how),
    tile('nps', 'NPS', k.nps.score === null ? 'no surveys yet' : fixed(k.nps.score, 0), k.nps.how),
  ].join('');
  $('ctr-how').textContent = k.ctr.how;
  rows($('ctr').tBodies[0], k.ctr.rows, (r) => [r.slot, r.variant, r.holdout ? 'yes' : 'no', r.views, r.clicks, pct(r.ctr), `${pct(r.low)} – ${pct(r.high)}`]);
  $('lift-how').textContent = k.lift.how;
  rows($('lift').tBodies[0], k.lift.rows, (r) => [r.slot, '', pct(r.personalized), pct(r.holdout), r.lift ? pct(r.lift.value) : '–', r.lift ? `${pct(r.lift.low)} – ${pct(r.lift.high)}` : 'needs both arms']);
  $('ips-how').textContent = k.ips.how;
  rows($('ips').tBodies[0], k.ips.rows, (r) => [r.slot, '', r.n, pct(r.personalized), pct(r.defaultIps), pct(r.defaultSnips), fixed(r.ess, 1)]);
  $('audience-how').textContent = `${k.audience.how}${k.audience.n ? ` · ${k.audience.n} visitors` : ''}`;
  const bar = (r) => `<span class="ci"><span style="margin-left:${(100 * Math.max(0, r.low)).toFixed(1)}%;width:${(100 * (Math.min(1, r.high) - Math.max(0, r.low))).toFixed(1)}%"></span></span>`;
  for (const [id, list] of [['audience-segments', k.audience.segments], ['audience-topics', k.audience.topics]]) {
    rows($(id).tBodies[0], list, (r) => [r.value, '', r.raw, pct(r.rawShare), pct(Math.max(0, r.share)), `${pct(Math.max(0, r.low))} – ${pct(Math.min(1, r.high))}`, bar(r)]);
  }
  const data = [k.series.map((s) => s.t / 1000), k.series.map((s) => s.events), k.series.map((s) => s.pageViews)];
  if (!plot) {
    plot = new window.uPlot({ width: Math.min(960, document.body.clientWidth), height: 240, series: [{}, { label: 'events', stroke: '#3b6fd8' }, { label: 'page views', stroke: '#d8843b' }] }, data, $('chart'));
  } else plot.setData(data);
  document.body.dataset.updated = String(Date.now());
}

// One request at a time; a batch announced meanwhile asks for one more.
let running = false;
let again = false;
async function refresh() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    const res = await fetch('/collector/kpis');
    if (res.ok) render(await res.json());
    else $('tiles').textContent = (await res.json()).error;
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
