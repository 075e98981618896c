// The demo shop: wires the page's buttons to Kizuna and shows, live, what
// the local collector receives (over Server-Sent Events).
import { init } from '/kizuna/index.js';

const $ = (id) => document.getElementById(id);
const debug = new URLSearchParams(location.search).has('debug');

const ready = init({ endpoint: '/collect', writeKey: 'demo', debug });
window.kzReady = ready;

ready.then((kz) => {
  window.kz = kz;
  kz.page();
  refreshWho(kz);
  setInterval(() => refreshWho(kz), 500);

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
}

// The collector panel.
let count = 0;
const stream = new EventSource('/collector/stream');
stream.addEventListener('batch', (message) => {
  const record = JSON.parse(message.data);
  for (const event of record.body.batch ?? record.body.data ?? []) showEvent(event, record);
});
$('clear').addEventListener('click', async () => {
  await fetch('/collector/clear', { method: 'POST' });
  $('events').replaceChildren();
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
  const pre = document.createElement('pre');
  pre.textContent = JSON.stringify(event.properties ?? event.traits ?? event, null, 1);
  li.append(kind, meta, pre);
  $('events').prepend(li);
}
