// The GPP demo: Kizuna on a page whose consent comes from a GPP CMP (see gpp-stub.js).
import { init } from '/kizuna/index.js';
import { showConsent } from '/consent-panel.js';

const $ = (id) => document.getElementById(id);
const kz = await init({
  ...(window.kizunaDemoNoAutotrack === true ? { autotrack: false } : {}),
  endpoint: '/collect',
  writeKey: 'demo',
  consent: { mode: 'opt-out' },
});
window.kz = kz;
kz.page();

showConsent(kz);
// The CMP's string, from the start (Kizuna read it at init), and what it says.
const MEANING = {
  none: 'no opt-out: sale, sharing and targeted ads allowed',
  optout: 'opted out of sale, sharing and targeted ads',
  sensitive: 'no opt-out, but no consent to using sensitive data',
  gpc: 'no opt-out, and the section carries Global Privacy Control',
};
const showString = (value) => {
  const name = Object.keys(window.gppCmp.STRINGS).find((k) => window.gppCmp.STRINGS[k] === value);
  $('gpp-last').textContent = value;
  $('gpp-meaning').textContent = name ? `(${MEANING[name]})` : '';
};
window.__gpp('ping', (ping) => showString(ping.gppString));
for (const name of ['none', 'optout', 'sensitive', 'gpc']) {
  $('gpp-' + name).addEventListener('click', () => showString(window.gppCmp.choose(name)));
}
$('send').addEventListener('click', () => kz.track('GPP Demo Event', { at: Date.now() }));
$('send-ad').addEventListener('click', () => kz.track('GPP Demo Event', { at: Date.now() }, { category: 'marketing' }));

// What reached the collector, with the consent each event was stamped with.
const stream = new EventSource('/collector/stream');
stream.addEventListener('batch', (message) => {
  const record = JSON.parse(message.data);
  for (const e of record.body.batch ?? []) {
    const li = document.createElement('li');
    const kind = document.createElement('strong');
    kind.textContent = `${e.type} ${e.event ?? e.name ?? ''}`;
    li.append(kind);
    for (const [category, state] of Object.entries(e.context?.consent ?? {})) {
      if (category === 'necessary') continue;
      const chip = document.createElement('span');
      chip.className = `stamp ${state}`;
      chip.textContent = `${category}: ${state}`;
      li.append(' ', chip);
    }
    $('events').prepend(li);
  }
  while ($('events').children.length > 100) $('events').lastElementChild.remove();
});
