// The slots test page's Kizuna calls (a file, so the page works under CSP).
var params = new URLSearchParams(location.search);
kizuna('init', {
  autotrack: window.kizunaDemoNoAutotrack === true ? false : {},
  endpoint: '/collect',
  writeKey: 'slots',
  consent: { mode: params.get('mode') === 'opt-in' ? 'opt-in' : 'opt-out' },
  debug: params.has('debug'),
  slots: {
    hero: { holdout: params.has('holdout') ? 1 : 0, variants: { shoes: { prior: 0.05 }, outerwear: { prior: 0.05 } } },
  },
});
kizuna('page');
