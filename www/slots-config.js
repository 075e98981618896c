// The slots test page's Kizuna calls (a file, so the page works under CSP).
// ?format=snowplow sends Snowplow's tracker protocol (to /com.snowplowanalytics.snowplow/tp2).
// ?model=/v1/model names a learned model (and remote config) to fetch.
var params = new URLSearchParams(location.search);
var snowplow = params.get('format') === 'snowplow';
var config = {
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
    // ?learn=1: no prior of the page's own, so a model's counts set them.
    hero: { holdout: params.has('holdout') ? 1 : 0, explore: 0, variants: params.has('learn') ? { shoes: {}, outerwear: {} } : { shoes: { prior: 0.05 }, outerwear: { prior: 0.05 } } },
  },
};
if (params.get('model')) config.model = params.get('model');
kizuna('init', config);
kizuna('page');
