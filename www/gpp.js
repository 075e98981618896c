// The GPP demo: Kizuna on a page whose consent comes from a GPP CMP (see gpp-stub.js).
import { init } from '/kizuna/index.js';

const $ = (id) => document.getElementById(id);
const kz = await init({
  ...(window.kizunaDemoNoAutotrack === true ? { autotrack: false } : {}),
  endpoint: '/collect',
  writeKey: 'demo',
  consent: { mode: 'opt-out' },
});
window.kz = kz;
kz.page();

const show = () => {
  const c = kz.consent.get();
  $('consent-state').textContent = `analytics ${c.analytics}, personalization ${c.personalization}, marketing ${c.marketing}`;
  const record = localStorage.getItem('kizuna:consent');
  $('consent-source').textContent = record ? JSON.parse(record).source : 'none';
};
kz.consent.onChange(show);
show();
for (const name of ['none', 'optout', 'sensitive', 'gpc']) {
  $('gpp-' + name).addEventListener('click', () => { $('gpp-last').textContent = window.gppCmp.choose(name); });
}
$('send').addEventListener('click', () => kz.track('GPP Demo Event', { at: Date.now() }));
$('send-ad').addEventListener('click', () => kz.track('GPP Demo Event', { at: Date.now() }, { category: 'marketing' }));
