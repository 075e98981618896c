// A stand-in IAB GPP CMP (CMP API 1.1) for the demo and the tests: __gpp
// with addEventListener (fires at once, then on every change), ping and
// removeEventListener, holding a US National (usnat) section. The strings
// were built with the IAB's encoder (@iabgpp/cmpapi). window.gppCmp lets
// buttons and tests choose; ?gpp=none|optout|sensitive|gpc picks the start.
(function () {
  const STRINGS = {
    none: 'DBABLA~CAAqAAAAAABA.QA', // sale, sharing, targeted ads: did not opt out
    optout: 'DBABLA~CAAVAAAAAABA.QA', // opted out of all three
    sensitive: 'DBABLA~CAAqVVVVVQBA.QA', // no opt-out, but no consent to sensitive data
    gpc: 'DBABLA~CAAqAAAAAABA.YA', // no opt-out, the GPC segment says GPC
  };
  const params = new URLSearchParams(location.search);
  const listeners = new Map();
  let nextId = 1;
  let ping = {
    gppVersion: '1.1', cmpStatus: 'loaded', cmpDisplayStatus: 'hidden', signalStatus: 'ready',
    supportedAPIs: ['7:usnat'], cmpId: 1, sectionList: [7],
    applicableSections: params.get('applies') === '0' ? [-1] : [7],
    gppString: STRINGS[params.get('gpp')] || STRINGS.none, parsedSections: {},
  };
  const event = (id, name) => ({ eventName: name, listenerId: id, data: true, pingData: { ...ping } });
  window.__gpp = function (command, callback, parameter) {
    if (command === 'addEventListener') {
      const id = nextId++;
      listeners.set(id, callback);
      callback(event(id, 'listenerRegistered'), true);
    } else if (command === 'removeEventListener') {
      callback(listeners.delete(parameter), true);
    } else if (command === 'ping') {
      callback({ ...ping }, true);
    }
  };
  window.gppCmp = {
    STRINGS,
    choose(name) {
      ping = { ...ping, gppString: STRINGS[name] };
      for (const [id, cb] of listeners) cb(event(id, 'signalStatus'), true);
      return ping.gppString;
    },
  };
})();
