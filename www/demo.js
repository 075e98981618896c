// The demo shop: wires the page's buttons to Kizuna and shows, live, what
// the local collector receives (over Server-Sent Events).
import { init } from '/kizuna/index.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const debug = params.has('debug');
// ?mode=opt-out runs the shop without a consent banner (the end-to-end
// tracking tests use it; consent has its own).
const mode = params.get('mode') === 'opt-out' ? 'opt-out' : 'opt-in';

// The shop without personalized slots, for tests that count events exactly
// (the slots' exposure events would mix in): they set this flag first.
if (window.kizunaDemoNoSlots) document.querySelectorAll('[data-kz-slot]').forEach((s) => s.removeAttribute('data-kz-slot'));

// The recommendations row loads the engage build and sends its own
// exposure events: off for the suites that count events exactly, unless a
// test asks for it (tests/e2e/recs.test.mjs).
const engage = !(window.kizunaDemoNoSlots || window.kizunaDemoNoAutotrack) || window.kizunaDemoRecs === true;
if (!engage) document.querySelectorAll('[data-kz-recs],[data-kz-why]').forEach((r) => { r.removeAttribute('data-kz-recs'); r.removeAttribute('data-kz-why'); });

// Browsing a category (?topic=shoes) makes this page about it.
const topic = params.get('topic');
if (topic) document.body.dataset.kzTopic = topic;

// Tests that count events exactly set this flag first: autotrack's own
// events (clicks on the shop's buttons, engagement) would mix in.
const noAutotrack = window.kizunaDemoNoAutotrack === true;

// ?format=snowplow sends Snowplow's tracker protocol instead of Segment's
// batches; ?insights=1 adds audience reports (local differential privacy).
const snowplow = params.get('format') === 'snowplow';

const ready = init({
  ...(noAutotrack ? { autotrack: false } : {}),
  endpoint: snowplow ? '/' : '/collect',
  ...(snowplow ? { format: 'snowplow' } : {}),
  writeKey: 'demo',
  debug,
  consent: { mode },
  // The profile never learns these (the shop's first-aid kit is about health).
  profile: { sensitive: ['health'] },
  // What the collector learned from every visitor (GET /v1/model): the
  // "Recommended for you" row puts first what others viewed near this
  // visitor's latest products.
  ...(window.kizunaDemoNoModel === true ? {} : { model: '/v1/model' }),
  // A nudge a minute after something was added to the cart and not ordered
  // (or on the next visit), and an NPS survey after an order.
  ...(engage ? {
    journeys: {
      cart: { on: 'cart-abandoned', windowMinutes: 1, message: 'Still thinking it over? Your cart is waiting.', link: '/?topic=cart' },
      nps: { on: 'order', survey: true, everyDays: 90, quietDays: 90 },
    },
    ...(params.has('insights') ? { insights: { topics: ['shoes', 'outerwear', 'accessories'] } } : {}),
  } : {}),
  slots: {
    hero: { holdout: 0.1, variants: { shoes: { prior: 0.05 }, outerwear: { prior: 0.05 }, accessories: { prior: 0.04 } } },
    cta: { variants: { welcome: { rules: { visitor: 'new' } }, loyalty: { rules: { segment: ['returning', 'engaged', 'loyal'] } } } },
  },
});
window.kzReady = ready;

ready.then((kz) => {
  window.kz = kz;
  // The page view is autotrack's (on load and on every route change).
  if (noAutotrack) kz.page();
  refreshWho(kz);
  setInterval(() => refreshWho(kz), 500);
  setUpBanner(kz);
  const decisions = new Map();
  const showDecisions = () => {
    $('decisions').replaceChildren(...[...decisions.values()].map((d) => {
      const li = document.createElement('li');
      const strong = document.createElement('strong');
      strong.textContent = `${d.slot}: ${d.variant ?? 'default'}`;
      li.append(strong, ` (${d.reason}, p=${d.propensity.toFixed(2)}${d.holdout ? ', holdout' : ''}) — ${d.explanation}`);
      return li;
    }));
    $('profile').textContent = JSON.stringify(kz.profile(), null, 1) ?? 'none';
  };
  for (const slot of ['hero', 'recommended', 'cta']) {
    const d = kz.decide(slot);
    if (d) decisions.set(slot, d);
  }
  kz.onDecision((d) => { decisions.set(d.slot, d); showDecisions(); });
  showDecisions();
  setInterval(showDecisions, 1000);
  $('forget').addEventListener('click', () => { kz.forget(); showDecisions(); refreshWho(kz); });
  $('order').addEventListener('click', () => kz.track('Order Completed', { revenue: 60, category: 'accessories' }));

  document.querySelectorAll('.product button').forEach((button) => {
    button.addEventListener('click', () => {
      const p = button.closest('.product').dataset;
      const properties = { sku: p.sku, name: p.name, price: Number(p.price), category: p.category };
      kz.track(button.dataset.action === 'view' ? 'Product Viewed' : 'Product Added', properties);
    });
  });

  $('identify').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    kz.identify(form.get('userId'), { plan: form.get('plan') });
    refreshWho(kz);
  });
  $('reset').addEventListener('click', () => { kz.reset(); refreshWho(kz); });
  $('page').addEventListener('click', () => kz.page());
  $('flush').addEventListener('click', async () => {
    const s = await kz.flush();
    $('flush-result').textContent = `flush: ${s.sent} sent, ${s.failed} failed, ${s.pending} pending`;
  });
  $('bad').addEventListener('click', () => {
    // Each of these is reported on the console with a [kizuna] message; none throws.
    kz.track();
    kz.track(42);
    const cyclic = { ok: true };
    cyclic.self = cyclic;
    kz.track('Bad Properties', { cyclic, fn() {}, big: 10n, sym: Symbol('s') });
    kz.track('Not An Object', 'oops');
  });
}, (error) => {
  $('flush-result').textContent = String(error);
});

function refreshWho(kz) {
  $('anon').textContent = kz.anonymousId() ?? '–';
  $('user').textContent = kz.userId() ?? 'none';
  $('queued').textContent = String(kz.queued());
  const c = kz.consent.get();
  $('consent-state').textContent = c ? `analytics ${c.analytics}, personalization ${c.personalization}, marketing ${c.marketing}` : '–';
  const p = kz.consent.pending();
  $('consent-pending').textContent = String(p.buffered);
  $('consent-dropped').textContent = String(p.dropped);
  $('consent-record').textContent = localStorage.getItem('kizuna:consent') ?? 'none';
  const cookie = document.cookie.split('; ').find((c) => c.startsWith('kz_consent='));
  $('consent-cookie').textContent = cookie ? decodeURIComponent(cookie.slice('kz_consent='.length)) : 'none';
}

// The consent banner: shown while any category has no choice; every
// button goes through the Kizuna consent API.
function setUpBanner(kz) {
  const banner = $('banner');
  const boxes = () => [...$('banner-choices').querySelectorAll('input[name]')];
  const show = () => {
    const c = kz.consent.get();
    for (const box of boxes()) box.checked = c[box.name] === 'granted';
    banner.hidden = false;
  };
  const choose = (choices) => {
    kz.consent.set(choices, { source: 'banner' });
    banner.hidden = true;
    refreshWho(kz);
  };
  $('accept-all').addEventListener('click', () => choose({ analytics: true, personalization: true, marketing: true }));
  $('reject-all').addEventListener('click', () => choose({ analytics: false, personalization: false, marketing: false }));
  $('save-choices').addEventListener('click', () => choose(Object.fromEntries(boxes().map((b) => [b.name, b.checked]))));
  $('privacy').addEventListener('click', show);
  kz.consent.onChange(() => refreshWho(kz));
  const c = kz.consent.get();
  if (c && [c.analytics, c.personalization, c.marketing].includes('unknown')) show();
}

// The collector panel: the newest SHOWN events (the stream replays every
// batch the collector kept: after tools/traffic.mjs, thousands, which drawn
// one by one held the page for seconds). Events are drawn once a frame.
// tools/traffic.mjs sets window.kizunaDemoNoStream: with a few hundred
// simulated visitors, each page drawing every visitor's events would cost
// more than the visit itself.
const SHOWN = 100;
let count = 0;
let waiting = [];
if (window.kizunaDemoNoStream === true) {
  document.querySelector('.panel .note').textContent = 'The live list is off on this page (a simulated visitor).';
} else {
  const stream = new EventSource('/collector/stream');
  stream.addEventListener('batch', (message) => {
    if (!waiting.length) requestAnimationFrame(drawWaiting);
    waiting.push(message.data);
  });
}

function drawWaiting() {
  const records = waiting.map((data) => JSON.parse(data));
  waiting = [];
  const events = records.flatMap((record) => (record.body.batch ?? record.body.data ?? []).map((event) => [event, record]));
  count += Math.max(0, events.length - SHOWN);
  for (const [event, record] of events.slice(-SHOWN)) showEvent(event, record);
  const list = $('events');
  while (list.children.length > SHOWN) list.lastElementChild.remove();
  list.start = count; // the newest is number `count`
}
$('clear').addEventListener('click', async () => {
  // The header marks it as the collector's own page (a cross-site form cannot send it).
  await fetch('/collector/clear', { method: 'POST', headers: { 'X-Kizuna-Collector': '1' } });
  $('events').replaceChildren();
  waiting = [];
  count = 0;
  $('count').textContent = '0';
});

function showEvent(event, record) {
  count += 1;
  $('count').textContent = String(count);
  const li = document.createElement('li');
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = `${event.type ?? event.e} ${event.event ?? event.name ?? event.userId ?? ''}`;
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = ` · ${(event.timestamp ?? '').slice(11, 23)} · batch #${record.seq} (${record.bytes} B) · id ${(event.messageId ?? '').slice(0, 8)}`;
  const stamps = document.createElement('span');
  for (const [category, state] of Object.entries(event.context?.consent ?? {})) {
    if (category === 'necessary') continue;
    const s = document.createElement('span');
    s.className = `stamp ${state}`;
    s.textContent = `${category}: ${state}`;
    s.title = 'consent when the event was made';
    stamps.append(s);
  }
  const pre = document.createElement('pre');
  pre.textContent = JSON.stringify(event.properties ?? event.traits ?? event, null, 1);
  li.append(kind, meta, stamps, pre);
  $('events').prepend(li);
}
