// The driver: the JavaScript half of the sans-IO design. It captures calls
// into an inbox, hands them to the engine in one crossing per drain (not
// one per call), and carries out what the engine answers: requests,
// beacons, the one timer, storage, the consent cookie, console lines,
// callbacks. It decides nothing. Records cross as bytes (protocol.js), each
// described in src/engine/protocol.json; the inbox holds them as arrays,
// [kind, ...fields].

import { clean, flat, lit } from './capture.js';
import { readConfig } from './config.js';
import { checkCall } from './call.js';
import { consentRecord } from './consent.js';
import { complain, debug, info, report, warn } from './console.js';
import { followPage } from './page.js';
import { autotrack } from './autotrack.js';
import { followStore } from './outbox.js';
import { lifetime } from './life.js';
import { listenForConsent } from './signals.js';
import { openStorage, readCookie, writeCookie } from './storage.js';
import { decode, encode, opened, utf8 } from './protocol.js';
import { TRACKER_IN, TRACKER_OUT } from './records.js';

// Most records handed over in one crossing (bounds what the engine holds).
const CHUNK = 100;
// Calls kept before a drain is forced in the middle of a loop.
const FORCE = 10000;
// A request with no answer after this long is given up and retried. Long
// on purpose: a collector or proxy that cuts a hung connection makes the
// browser resend the request by itself, and a shorter timeout would race
// that resend into a duplicate.
const REQUEST_TIMEOUT_MS = 60000;
// What a string body is sent as: a CORS-safelisted type, so no preflight.
const TEXT = 'text/plain;charset=UTF-8';
const STORED = ['kizuna:anonymousId', 'kizuna:userId', 'kizuna:traits', 'kizuna:consent', 'kizuna:signals', 'kizuna:groupId', 'kizuna:groupTraits'];
const CALL_TYPES = { track: 'T', page: 'V', identify: 'I', group: 'U', alias: 'A' };

function seed() {
  const b = new Uint8Array(16);
  try {
    crypto.getRandomValues(b);
  } catch (_) {
    for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  }
  return Array.from(b, (x) => (x < 16 ? '0' : '') + x.toString(16)).join('');
}

/**
 * Starts an engine for `config` on this page. Throws an Error naming the
 * bad field when the config is invalid (the engine wrote the message).
 */
export function startEngine(glue, config) {
  const store = openStorage();
  const inbox = [];
  const segments = new Map();
  // Segment id → the key its stored copy is kept under.
  const segmentKeys = new Map();
  let outbox = null;
  const flushes = new Map();
  const watchers = new Set();
  const requests = new Map();
  let status = {};
  let consentText = '';
  let consentValue = null;
  let scheduled = false;
  let wakeTimer = null;
  let listening = false;
  let zoneSent = false;
  let nextFlush = 0;
  let lastName = null;
  let lastLit = '';
  let consumer = null;
  let deferred = [];
  // Stopped (stop(), or the module trapped): every call is a no-op.
  let dead = false;
  const life = lifetime();

  const page = followPage((record) => inbox.push(record), life);
  const stored = STORED.map((k) => store.get(k));
  if (stored[3] === null) stored[3] = readCookie();
  const first = page.page();
  let read;
  try {
    read = readConfig(config);
  } catch (e) {
    const message = String(e && e.message).startsWith('invalid config') ? e.message : 'invalid config: config could not be read (' + clean(String(e)) + ')';
    complain(message);
    life.stop();
    throw new Error('[kizuna] ' + message);
  }
  const init = [['n', Date.now()], ...inbox.splice(0), ...read.records, ['S', lit(navigator.language || ''), lit(navigator.userAgent || ''),
    (screen && screen.width) | 0, (screen && screen.height) | 0, seed(), ...stored.map((v) => (v === null ? '' : lit(v)))]];
  const started = glue.start(encode(init, TRACKER_IN));
  const handle = opened(started, TRACKER_OUT);
  if (typeof handle !== 'number') {
    complain(handle);
    life.stop();
    throw new Error('[kizuna] ' + handle);
  }
  for (const w of read.warnings) warn(w);
  void first;

  // Whether the browser is online decides if beacons are worth sending (the
  // online/offline events do not always fire).
  const line = () => ['l', navigator.onLine === false ? 0 : 1];
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') {
      inbox.push(line());
      cross(['h']);
    }
  };
  // Always listened to: the stored queue's lock goes after the last write.
  life.on(window, 'pagehide', () => {
    inbox.push(line());
    if (listening) cross(['x']);
    if (outbox) outbox.hide();
    for (const r of requests.values()) r.crossed = true;
  });
  // Navigating away (or closing): batches stop growing past what a
  // keepalive request carries, so none in flight must be sent again.
  life.on(window, 'beforeunload', () => { inbox.push(['j']); schedule(); });
  life.on(window, 'pageshow', (e) => {
    if (!e.persisted) return;
    // Back from the back/forward cache: a request in flight as the page
    // went is never answered in WebKit and Firefox (2: the engine decides
    // what it became), and would hold the one request slot for good.
    for (const r of [...requests.values()]) {
      if (!r.crossed) continue;
      try { if (r.controller) r.controller.abort(); } catch (_) { /* already settled */ }
      r.answer(2, '');
    }
    if (outbox) outbox.show();
  });
  const online = (on) => () => { inbox.push(['l', on]); schedule(); };
  life.on(window, 'online', online(1));
  life.on(window, 'offline', online(0));
  if (navigator.onLine === false) inbox.push(['l', 0]);
  // A deferred request covers what storage does not hold yet (Chromium
  // 135+): the engine arms it (Q) and aborts it (q); src/engine/tracker/deferred.rs.
  if (typeof fetchLater === 'function') inbox.push(['L']);
  let armed = null;
  // Aborting one the browser already sent does nothing.
  const disarm = () => { if (armed) armed.abort(); armed = null; };
  function arm(url, body) {
    disarm();
    armed = new AbortController();
    // Over the browser's quota it throws: storage covers them a moment later.
    try { fetchLater(url, { method: 'POST', body: new Blob([body], { type: TEXT }), signal: armed.signal }); } catch (_) { armed = null; }
  }

  function listen(on) {
    if (on === listening) return;
    listening = on;
    document[on ? 'addEventListener' : 'removeEventListener']('visibilitychange', onVisibility);
  }
  life.end(() => {
    listen(false);
    disarm();
    if (wakeTimer !== null) clearTimeout(wakeTimer);
    wakeTimer = null;
  });

  // Every stored queue goes (analytics storage was withdrawn).
  function dropStored() {
    segmentKeys.clear();
    try {
      const local = window.localStorage;
      const doomed = [];
      for (let i = 0; i < local.length; i++) {
        const k = local.key(i);
        if (k && k.startsWith('kizuna:q.')) doomed.push(k);
      }
      for (const k of doomed) store.remove(k);
    } catch (_) { /* nothing stored where storage is gone */ }
  }

  function wake(at) {
    if (wakeTimer !== null) clearTimeout(wakeTimer);
    wakeTimer = null;
    if (!at) return;
    const delay = Math.min(Math.max(at - Date.now(), 0), 2147483647);
    wakeTimer = setTimeout(() => { wakeTimer = null; cross(['w']); }, delay);
  }

  // Collectors that answered readably (CORS works), and those found to
  // answer without CORS headers (sent no-cors from then on: their answers
  // are hidden either way, and a CORS-mode request would fail each time).
  const readable = new Set();
  const opaque = new Set();
  const crossOrigin = (url) => {
    try { return new URL(url, location.href).origin !== location.origin; } catch (_) { return false; }
  };

  function post(f) {
    const [id, keepalive, url, body] = f;
    let controller = null;
    try {
      controller = new AbortController();
    } catch (_) { /* old browser: no abort, the answer decides */ }
    // Answered here, not by the abort's rejection: a fetch that crossed a
    // back/forward cache restore never settles in WebKit and Firefox.
    const timer = setTimeout(() => { if (controller) controller.abort(); answer(0, ''); }, REQUEST_TIMEOUT_MS);
    let done = false;
    const answer = (status, retryAfter) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      requests.delete(id);
      cross(['a', id, status, retryAfter]);
    };
    // No answer, said a task later: a navigation cuts requests off before
    // pagehide, and the rejection's microtask runs after the first pagehide
    // listener; when a site's listener comes before Kizuna's, the engine
    // would hear of the failure before the page leaving, and send a
    // keepalive batch that still arrives a second time.
    const failed = () => setTimeout(() => answer(0, ''), 0);
    requests.set(id, { controller, answer, crossed: false });
    // The body as the engine wrote it, bytes (a string would be encoded
    // again); typed as a string body is, so still no preflight.
    const options = { method: 'POST', body, headers: { 'Content-Type': TEXT }, keepalive: keepalive === 1, signal: controller && controller.signal };
    try {
      if (opaque.has(url)) {
        // 1: the collector answered; the browser hid what (see src/engine/pipeline/transport.rs).
        fetch(url, { ...options, mode: 'no-cors' }).then(() => answer(1, ''), failed);
        return;
      }
      fetch(url, options).then((res) => {
        readable.add(url);
        // The collector's text: cleaned, and short (a date or seconds).
        const retryAfter = clean((res.headers.get('Retry-After') || '').slice(0, 64));
        // Only a fully read response gives back its share of the keepalive quota.
        return res.arrayBuffer().then(() => answer(res.status, retryAfter), () => answer(res.status, retryAfter));
      }).catch((e) => {
        // A collector on another origin that answers without CORS headers
        // fails like the network: asked again without CORS (a HEAD, no
        // body, nothing sent twice), an answer means it is up and took the
        // batch, its answer hidden.
        if (done || (e && e.name === 'AbortError') || readable.has(url) || !crossOrigin(url)) return failed();
        fetch(url, { method: 'HEAD', mode: 'no-cors', signal: controller && controller.signal }).then(() => {
          opaque.add(url);
          answer(1, '');
        }, failed);
      });
    } catch (_) {
      answer(0, '');
    }
  }

  function beacons(list) {
    let taken = 0;
    for (const [url, body] of list) {
      let ok = false;
      try {
        ok = navigator.sendBeacon(url, new Blob([body], { type: TEXT }));
      } catch (_) {
        try {
          fetch(url, { method: 'POST', body, headers: { 'Content-Type': TEXT }, keepalive: true }).catch(() => {});
          ok = true;
        } catch (_) { /* nothing left to try */ }
      }
      if (!ok) break;
      taken++;
    }
    return ['b', taken];
  }

  // Carries out one crossing's actions; returns the records the engine
  // asked for at once (segments back, beacon results).
  function act(out) {
    const follow = [];
    let beaconList = null;
    // The crossing's profile signals go to the personalization module
    // together: one crossing there, however many came.
    let signals = null;
    decode(out, TRACKER_OUT, (k, f) => {
      switch (k) {
        case 'P': post(f); break;
        case 'B': (beaconList || (beaconList = [])).push(f); break;
        case 'Q': arm(f[0], f[1]); break;
        case 'q': disarm(); break;
        case 'W': wake(f[0]); break;
        case 'S': store.set(f[0], f[1]); if (outbox && f[0] === front) outbox.own(true); break;
        case 'D': store.remove(f[0]); if (outbox && f[0] === front) outbox.own(false); break;
        case 'K': writeCookie(f[0]); break;
        case 'L': deferred.push(['log', f[0], f[1]]); break;
        case 'F': deferred.push(['flush', f[0], { sent: f[1], failed: f[2], pending: f[3], waitingForConsent: f[4] }]); break;
        case 'C': deferred.push(['consent', f[0]]); break;
        // Segments, and their stored copies.
        // Kept as bytes (a copy: `out` is reused), decoded only to be stored.
        case 'k': segments.set(f[0], f[1].slice()); break;
        case 'r':
          // Its stored copy stays until the engine deletes its key (and
          // is not written again: see 's').
          follow.push(['s', f[0], segments.get(f[0]) || '']);
          segments.delete(f[0]);
          break;
        // Asked again as the page goes (a task stopped midway may not
        // have written it): what was written is not written again.
        case 's': if (segmentKeys.get(f[0]) !== f[1] && store.persist(f[1], utf8(segments.get(f[0])))) segmentKeys.set(f[0], f[1]); break;
        case 'x': dropStored(); if (outbox) outbox.own(false); break;
        case 'f': case 'd':
          if (k === 'f') segments.delete(f[0]);
          if (segmentKeys.has(f[0])) store.remove(segmentKeys.get(f[0]));
          segmentKeys.delete(f[0]);
          break;
        case 'A': listen(f[0] === 1); break;
        case 'Y': status.accepted = f[0] === 1; break;
        case 'G': if (consumer) (signals || (signals = [])).push(f[0]); break;
        case 'Z': readStatus(f); break;
      }
    });
    if (beaconList) follow.push(beacons(beaconList));
    if (signals) deferred.push(['signals', signals]);
    return follow;
  }

  function readStatus(f) {
    status = {
      anonymousId: f[0], userId: f[1] ? JSON.parse(f[1]) : null, queued: f[2], held: f[3], dropped: f[4],
      accepting: f[6], fits: f[7], debug: f[8] === 1, topics: f[9] === 1, storeProfile: f[10] === 1, accepted: status.accepted,
      owner: f[11], sent: f[12], lost: f[13], expired: f[14], rejected: f[15], damaged: f[16], listeners: f[17],
    };
    if (f[5] !== consentText) {
      consentText = f[5];
      consentValue = null;
    }
  }

  let depth = 0;
  // One crossing (or a few: the engine may ask for segments back at once),
  // with everything waiting in the inbox first, in order.
  // The time zone: the browser's first Intl call is slow (21-56 ms in
  // Chromium 156: it loads locale data), so it is read when the page is
  // idle, or at once when something must be sent sooner (flush, the page
  // going away); where Temporal is (Chromium, Firefox), it answers the
  // same id in microseconds (docs/benchmarks.md).
  function zone() {
    if (zoneSent) return;
    zoneSent = true;
    let z = '';
    try {
      z = (typeof Temporal === 'object' && Temporal.Now.timeZoneId()) || Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (_) { /* no Intl */ }
    inbox.unshift(['z', lit(z)]);
  }

  function cross(extra) {
    scheduled = false;
    if (dead) return;
    if (extra) {
      if (extra[0] === 'h' || extra[0] === 'x' || extra[0] === 'f') zone();
      inbox.push(extra);
    }
    depth++;
    try {
      while (inbox.length) {
        const chunk = inbox.splice(0, CHUNK);
        chunk.unshift(['n', Date.now()]);
        const follow = act(glue.run(handle, encode(chunk, TRACKER_IN)));
        if (follow.length) inbox.unshift(...follow);
      }
    } catch (e) {
      if (trapped(e)) poison(e);
      else report('sending', e);
    } finally {
      depth--;
    }
    if (depth === 0) settle();
  }

  // A trap (a Rust panic, an out-of-bounds access) leaves the module in a
  // state nothing may call into again.
  function trapped(e) {
    try {
      return typeof WebAssembly === 'object' && e instanceof WebAssembly.RuntimeError;
    } catch (_) {
      return false;
    }
  }

  // The engine is gone for this page: said once; its listeners, lock and
  // timer end; what it handed to JS is kept in storage (where the engine
  // kept its queue) for the next page or another tab, which the released
  // lock lets take it over at once.
  function poison(e) {
    dead = true;
    inbox.length = 0;
    complain('the tracking engine stopped after an internal error (' + clean(String(e && e.message ? e.message : e)) +
      '); calls on this page are ignored from now on, and events already queued are kept for the next page');
    try {
      if (status.owner && store.get('kizuna:q.' + status.owner) !== null) {
        for (const [id, bytes] of segments) if (!segmentKeys.has(id)) store.persist('kizuna:q.' + status.owner + '.' + id, utf8(bytes));
      }
    } catch (_) { /* storage gone: nothing more to keep */ }
    life.stop();
  }

  // Site code runs only here, after the crossings: console lines (a site
  // may wrap console), flush promises, onChange callbacks. Whatever they
  // call back into Kizuna is queued and handled after.
  function settle() {
    while (deferred.length) {
      const batch = deferred;
      deferred = [];
      for (const d of batch) {
        try {
          if (d[0] === 'log') (d[1] === 'e' ? complain : d[1] === 'w' ? warn : d[1] === 'i' ? info : debug)(d[2]);
          else if (d[0] === 'flush') { const resolve = flushes.get(d[1]); flushes.delete(d[1]); if (resolve) resolve(d[2]); }
          else if (d[0] === 'consent') { const state = JSON.parse(d[1]); for (const cb of [...watchers]) try { cb(state); } catch (e) { complain('a consent.onChange callback threw; Kizuna carried on'); } }
          else if (d[0] === 'signals' && consumer) consumer(d[1]);
        } catch (e) {
          report('a callback', e);
        }
      }
    }
  }

  function schedule() {
    if (dead) return;
    if (inbox.length >= FORCE) cross();
    else if (!scheduled) {
      scheduled = true;
      queueMicrotask(() => { if (scheduled) cross(); });
    }
  }

  /** Crosses now, so the status is current (getters, synchronous calls). */
  function now(record) {
    if (record || inbox.length) cross(record);
    return status;
  }

  function nameLit(name) {
    if (name !== lastName) {
      lastName = name;
      lastLit = JSON.stringify(name);
    }
    return lastLit;
  }

  act(started);
  // The visit this tab continues (another tab's, or the last one's).
  const session = store.get('kizuna:session');
  if (session) inbox.unshift(['e', 'kizuna:session', session]);
  // This engine's stored queue: its lock is held while it exists.
  const front = 'kizuna:q.' + status.owner;
  outbox = followStore(status.owner, (record) => inbox.push(record), () => cross(), life);
  if (outbox && store.get(front) !== null) outbox.own(true);
  try {
    page.changed = autotrack(status.listeners, (record) => { inbox.push(record); schedule(); }, page, life);
  } catch (e) {
    report('autotrack', e);
  }
  listenForConsent(config, (record) => { inbox.push(record); schedule(); }, life);
  settle();
  schedule();
  // When the page is idle (the first batch goes a second after the first
  // event at the earliest; flush and unload read it at once if sooner).
  const idle = typeof requestIdleCallback === 'function' ? requestIdleCallback : (f) => setTimeout(f, 200);
  idle(() => { if (!zoneSent) { zone(); schedule(); } });

  return {
    /** `track(name, properties, options)`: the fast path first. */
    track(a, b, c) {
      if (dead) return false;
      if (c === undefined && typeof a === 'string' && (status.accepting & 2) && !status.debug) {
        const n = a.length;
        if (n && n < 256 && a.charCodeAt(0) > 32) {
          const json = flat(b);
          if (json !== null) {
            const name = a === lastName ? lastLit : nameLit(a);
            if (3 * (json.length + name.length) <= status.fits) {
              inbox.push(['t', page.current(), Date.now(), name, json]);
              if (!scheduled || inbox.length >= FORCE) schedule();
              return true;
            }
          }
        }
      }
      return this.call('track', a, b, c);
    },
    /** `track`, `page`, `identify`, `group`, `alias` (kind: the call's name); whether accepted. */
    call(kind, a, b, c) {
      if (dead) return false;
      if (!status.debug && c === undefined) {
        if (kind === 'track' && typeof a === 'string' && a.length && a.length < 256 && a.charCodeAt(0) > 32 && (status.accepting & 2)) {
          const json = flat(b);
          const name = nameLit(a);
          if (json !== null && 3 * (json.length + name.length) <= status.fits) {
            inbox.push(['t', page.current(), Date.now(), name, json]);
            schedule();
            return true;
          }
        } else if (kind === 'page' && (a === undefined || (typeof a === 'string' && a.length && a.length < 256 && a.charCodeAt(0) > 32)) && (status.accepting & 2)) {
          const json = flat(b);
          const name = a === undefined ? '' : nameLit(a);
          if (json !== null && 3 * (json.length + name.length) <= status.fits) {
            inbox.push(['v', page.page(), Date.now(), name, json]);
            schedule();
            return true;
          }
        }
      }
      const id = kind === 'page' ? page.page() : page.current();
      const checked = checkCall(kind, a, b, c, Math.max(status.fits || 0, 65536));
      return checked !== null && now([CALL_TYPES[kind], id, Date.now(), 1, ...checked]).accepted;
    },
    /** A call the snippet queued before the SDK loaded, with its own context. */
    replay(kind, args, time, url, referrer, title) {
      const checked = checkCall(kind, args[0], args[1], args[2], Math.max(status.fits || 0, 65536));
      if (checked === null) return;
      const id = page.replay(url, referrer, title, kind === 'page');
      const t = Number(time) > 0 ? Number(time) : Date.now();
      inbox.push([CALL_TYPES[kind], id, t, 0, ...checked]);
      schedule();
    },
    reset() { now(['r']); },
    forget() { now(['o']); },
    flush() {
      if (dead) return Promise.resolve({ sent: 0, failed: 0, pending: 0, waitingForConsent: 0 });
      const token = nextFlush++;
      const promise = new Promise((resolve) => flushes.set(token, resolve));
      now(['f', token]);
      return promise;
    },
    status: () => now(),
    consent() {
      now();
      if (consentValue === null) consentValue = consentText ? JSON.parse(consentText) : null;
      return consentValue && { ...consentValue };
    },
    setConsent(choices, options) {
      const record = consentRecord(choices, options);
      if (record) now(record);
      return this.consent();
    },
    onConsent(cb) {
      watchers.add(cb);
      return () => { watchers.delete(cb); };
    },
    /** A click inside an element about these topics (for the profile). */
    topicClick(topics) { if (status.topics) { inbox.push(['k', lit(topics)]); schedule(); } },
    /** Profile signals go to `fn` (the personalization module) from now on, a crossing's in one list. */
    consume(fn) { consumer = fn; now(['u', fn ? 1 : 0]); },
    /** An event the personalization module made (`name` a JSON literal, `json` clean). */
    inject(name, json) { inbox.push(['t', page.current(), Date.now(), name, json]); schedule(); },
    storage: store,
    seed,
    /** The protocol's codec (protocol.js), shared with the personalization module's engine. */
    encode,
    decode,
    opened,
    /**
     * Ends the engine: every listener, the lock, the timer and the hooks
     * go, and the module forgets it (a failed start, before a retried
     * init()). Calls after it are no-ops.
     */
    stop() {
      if (dead && life.over) return;
      dead = true;
      life.stop();
      try { glue.stop(handle); } catch (_) { /* a trapped module */ }
    },
    /** Whether the engine stopped (stop() or a trap). */
    get stopped() { return dead; },
  };
}
