// The consent demos' shared panel (cmp.html, gpp.html): Kizuna's consent
// state and the stored record's source, kept current as signals arrive.

/** Fills #consent-state and #consent-source now and on every change. */
export function showConsent(kz) {
  const $ = (id) => document.getElementById(id);
  const show = () => {
    const c = kz.consent.get();
    $('consent-state').textContent = `analytics ${c.analytics}, personalization ${c.personalization}, marketing ${c.marketing}`;
    const record = localStorage.getItem('kizuna:consent');
    $('consent-source').textContent = record ? JSON.parse(record).source : 'none';
  };
  kz.consent.onChange(show);
  show();
}
