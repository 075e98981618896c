// The CMP demo: Kizuna started on a page whose consent comes from a TCF CMP
// and from Consent Mode (see cmp-stubs.js).
import { init } from '/kizuna/index.js';
import { showConsent } from '/consent-panel.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const kz = await init({
  ...(window.kizunaDemoNoAutotrack === true ? { autotrack: false } : {}),
  endpoint: '/collect',
  writeKey: 'demo',
  debug: params.has('debug'),
  consent: { tcf: params.get('tcf') !== '0', googleConsentMode: params.get('gcm') !== '0' },
});
window.kz = kz;
kz.page();

showConsent(kz);

const tcf = (purposes, gdpr = true) => {
  const tc = window.cmp.choose(purposes, gdpr);
  $('tcf-last').textContent = `${tc.eventStatus}, gdprApplies ${tc.gdprApplies}, purposes [${purposes.join(', ')}]`;
};
$('tcf-all').addEventListener('click', () => tcf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
$('tcf-measure').addEventListener('click', () => tcf([1, 7, 8, 9, 10]));
$('tcf-none').addEventListener('click', () => tcf([]));
$('tcf-not-gdpr').addEventListener('click', () => tcf([], false));
$('gcm-analytics').addEventListener('click', () => window.gtag('consent', 'update', { analytics_storage: 'granted' }));
$('gcm-ads').addEventListener('click', () => window.gtag('consent', 'update', { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' }));
$('gcm-deny').addEventListener('click', () => window.gtag('consent', 'update', {
  ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied', personalization_storage: 'denied',
}));
$('send').addEventListener('click', () => kz.track('CMP Demo Event', { at: Date.now() }));
$('send-ad').addEventListener('click', () => kz.track('CMP Demo Event', { at: Date.now() }, { category: 'marketing' }));

// The collector's side: each event with the consent it was stamped with, as
// chips that wrap (a JSON line overflowed the panel).
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
