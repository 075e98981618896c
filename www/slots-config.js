// The slots test page's Kizuna calls (a file, so the page works under CSP).
var params = new URLSearchParams(location.search);
kizuna('init', {
  autotrack: window.kizunaDemoNoAutotrack === true ? false : {},
  endpoint: '/collect',
  writeKey: 'slots',
  consent: { mode: params.get('mode') === 'opt-in' ? 'opt-in' : 'opt-out' },
  debug: params.has('debug'),
  slots: {
    // No exploration floor on this test page's hero: its tests time when a
    // choice becomes kept, which an exploring draw (shown once, never kept)
    // would postpone at random. The floor is tested on the host (decide.rs).
    hero: { holdout: params.has('holdout') ? 1 : 0, explore: 0, variants: { shoes: { prior: 0.05 }, outerwear: { prior: 0.05 } } },
  },
});
kizuna('page');
