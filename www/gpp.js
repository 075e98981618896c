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
for (const name of ['none', 'optout', 'sensitive', 'gpc']) {
  $('gpp-' + name).addEventListener('click', () => { $('gpp-last').textContent = window.gppCmp.choose(name); });
}
$('send').addEventListener('click', () => kz.track('GPP Demo Event', { at: Date.now() }));
$('send-ad').addEventListener('click', () => kz.track('GPP Demo Event', { at: Date.now() }, { category: 'marketing' }));
