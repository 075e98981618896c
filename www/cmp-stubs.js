// A stand-in CMP for the demo and the tests: a minimal IAB TCF v2.2
// __tcfapi (addEventListener fires at once, then on every choice) and
// gtag's Consent Mode default. window.cmp lets buttons and tests choose.
(function () {
  const listeners = new Map();
  let nextId = 1;
  const params = new URLSearchParams(location.search);
  let tcData = {
    tcString: 'demo', tcfPolicyVersion: 5, cmpId: 1, cmpVersion: 1, cmpStatus: 'loaded',
    gdprApplies: params.get('gdpr') !== '0', eventStatus: 'cmpuishown',
    purpose: { consents: {}, legitimateInterests: {} }, vendor: { consents: {}, legitimateInterests: {} },
  };
  window.__tcfapi = function (command, version, callback, parameter) {
    if (command === 'addEventListener') {
      const id = nextId++;
      listeners.set(id, callback);
      callback({ ...tcData, listenerId: id }, true);
    } else if (command === 'removeEventListener') {
      callback(listeners.delete(parameter));
    } else if (command === 'ping') {
      callback({ gdprApplies: tcData.gdprApplies, cmpLoaded: true, cmpStatus: 'loaded', apiVersion: '2.2' });
    }
  };
  window.dataLayer = window.dataLayer || [];
  window.gtag = function () { window.dataLayer.push(arguments); };
  window.gtag('consent', 'default', {
    ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied',
    analytics_storage: 'denied', personalization_storage: 'denied',
  });
  window.cmp = {
    choose(purposes, gdprApplies = true) {
      const consents = {};
      for (const p of purposes) consents[p] = true;
      tcData = { ...tcData, gdprApplies, eventStatus: 'useractioncomplete', purpose: { consents, legitimateInterests: {} } };
      for (const [id, cb] of listeners) cb({ ...tcData, listenerId: id }, true);
      return tcData;
    },
  };
})();
