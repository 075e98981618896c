// The slots test page's Kizuna calls (a file, so the page works under CSP).
// ?format=snowplow sends Snowplow's tracker protocol (to /com.snowplowanalytics.snowplow/tp2).
var params = new URLSearchParams(location.search);
var snowplow = params.get('format') === 'snowplow';
kizuna('init', {
  autotrack: window.kizunaDemoNoAutotrack === true ? false : {},
  endpoint: snowplow ? '/' : '/collect',
  format: snowplow ? 'snowplow' : 'segment',
  writeKey: 'slots',
  consent: { mode: params.get('mode') === 'opt-in' ? 'opt-in' : 'opt-out' },
  debug: params.has('debug'),
  slots: {
    // No exploration floor on this test page's hero: its tests time when a
    // choice becomes kept and which variant shows, which an exploring draw
    // would change at random. The floor is tested on the host (decide.rs).
    hero: { holdout: params.has('holdout') ? 1 : 0, explore: 0, variants: { shoes: { prior: 0.05 }, outerwear: { prior: 0.05 } } },
  },
});
kizuna('page');
