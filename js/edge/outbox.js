// The stored queues of other owners: pages of the site that went away and
// tabs that were closed or crashed left their unsent events in
// localStorage (the engine decides what is written; see
// src/engine/pipeline/store.rs). This hands them to the engine once their
// owner is gone, so one tab sends them, once.
//
// Where the browser has Web Locks, each engine holds a lock named after its
// owner id while it has a stored queue (from the engine's first write of it
// to its removal, once everything was delivered); the browser releases it
// when the page goes away or crashes, and a tab waiting for it takes the
// queue over then. A page with nothing stored holds no lock: Firefox keeps
// no page holding one in its back/forward cache, and decides before
// pagehide. The lock is given up on pagehide and taken again if the page
// comes back. Without Web Locks, a stored queue whose lease ran out is
// taken over.

import { clean, lit } from './capture.js';
import { warn } from './console.js';

const PREFIX = 'kizuna:q.';
const US = '\x1f';
const LEASE_CHECK_MS = 30000;

// The keys an engine writes: its owner id (12 hex digits), and a
// segment's number after it. Anything else under the prefix is not
// Kizuna's to read (and is removed).
const KEY = /^kizuna:q\.[0-9a-f]{12}(\.[0-9]{1,9})?$/;

const ownerOf = (key) => key.slice(PREFIX.length).split('.')[0];

/**
 * Follows the stored queues for the engine of `owner`: `push(record)` adds a
 * record to its inbox, `cross()` hands the inbox over at once. Returns what
 * the driver calls on pagehide (after its own crossing) and pageshow, or
 * null without localStorage. Its lock, listener and interval last as long
 * as `life`.
 */
export function followStore(owner, push, cross, life) {
  let local = null;
  try {
    local = window.localStorage;
    void local.length;
  } catch (_) {
    return null;
  }
  const locks = typeof navigator !== 'undefined' && navigator.locks && typeof AbortController === 'function' ? navigator.locks : null;
  const watched = new Set();
  // What each key held when it was handed over: not handed again as it
  // was (the engine deletes it after its next write; a scan or a storage
  // event may see it before), but again when its owner wrote it once more
  // as it went (the engine takes only the events it did not hold).
  const given = new Map();
  // Ends the waits for other owners' locks (pagehide, stop).
  let waits = null;
  // Ends the request for our own lock, and gives it back once granted.
  let mine = null;
  let release = null;
  let holding = false;

  const keys = (prefix) => {
    const out = [];
    try {
      for (let i = 0; i < local.length; i++) {
        const k = local.key(i);
        if (k && k.startsWith(prefix)) out.push(k);
      }
    } catch (_) { /* storage went away: nothing to take over */ }
    return out;
  };

  // Hands over every key of `other`, its front first (it holds the pages).
  function take(other) {
    const mine = keys(PREFIX + other).filter((k) => KEY.test(k) && (k === PREFIX + other || k.startsWith(PREFIX + other + '.')));
    mine.sort((a, b) => a.split('.').length - b.split('.').length);
    let any = false;
    for (const k of mine) {
      let v = null;
      try { v = local.getItem(k); } catch (_) { /* gone meanwhile */ }
      // Its length and end (where the newest record is) tell a rewrite.
      const seen = v === null ? null : v.length + ':' + v.slice(-128);
      if (seen !== null && given.get(k) !== seen) {
        given.set(k, seen);
        // Stored text is untrusted: the engine checks every stored event.
        push(['e', k, v]);
        any = true;
      }
    }
    if (any) cross();
  }

  function leaseOver(other) {
    try {
      const head = (local.getItem(PREFIX + other) || '').split('\x1d')[0].split(US);
      return head[0] === 'kzq2' && Number(head[2]) < Date.now();
    } catch (_) {
      return false;
    }
  }

  function watch(other) {
    if (other === owner || watched.has(other)) return;
    if (!locks) {
      if (leaseOver(other)) take(other);
      return;
    }
    watched.add(other);
    if (!waits) waits = new AbortController();
    // Granted when the other owner is gone (at once if it already is).
    locks.request(PREFIX + other, { signal: waits.signal }, () => take(other))
      .catch(() => {})
      .then(() => watched.delete(other));
  }

  // A key under the prefix that no engine wrote: removed, said once.
  function garbage(k) {
    if (KEY.test(k)) return false;
    try { local.removeItem(k); } catch (_) { /* storage went away */ }
    warn('removed ' + clean(JSON.stringify(k.slice(0, 80))) + ' from localStorage: not a key Kizuna writes, though under its prefix');
    return true;
  }

  function scan() {
    for (const k of keys(PREFIX)) if (!garbage(k)) watch(ownerOf(k));
  }

  // A grant comes a task after the request: one that comes after the lock
  // was given up (the page left or the engine stopped meanwhile), or for
  // an older request, is handed straight back.
  let generation = 0;
  function hold() {
    if (!locks || life.over || holding) return;
    holding = true;
    mine = new AbortController();
    const current = ++generation;
    locks.request(PREFIX + owner, { signal: mine.signal }, () => (current === generation ? new Promise((resolve) => { release = resolve; }) : undefined)).catch(() => {});
  }

  // Our lock goes (nothing stored any more, or the page leaves).
  function unhold() {
    if (!locks || !holding) return;
    holding = false;
    generation++;
    if (mine) mine.abort();
    if (release) release();
    release = null;
  }

  scan();
  if (!locks) {
    const interval = setInterval(scan, LEASE_CHECK_MS);
    life.end(() => clearInterval(interval));
  }
  life.end(() => give());

  // The lock goes, and the waits for others' (leaving, or stopped).
  function give() {
    unhold();
    if (waits) waits.abort();
    waits = null;
    watched.clear();
  }

  life.on(window, 'storage', (e) => {
    if (e.storageArea !== local || !e.key) return;
    if (e.key.startsWith(PREFIX)) { if (e.newValue !== null && !garbage(e.key)) watch(ownerOf(e.key)); }
    else if (e.key === 'kizuna:session' && e.newValue) {
      // Another tab's activity: one session for the site.
      push(['e', e.key, e.newValue]);
      cross();
    }
    else if (e.key === 'kizuna:consent') {
      // Another tab's choice holds here too (a withdrawal purges at once).
      push(['R', e.newValue === null ? '' : lit(e.newValue)]);
      cross();
    }
  });
  return {
    /** The engine wrote its stored queue (`true`) or removed it: the lock follows. */
    own(on) {
      if (on) hold();
      else unhold();
    },
    /** The page is going away, its queue written: the lock goes (and the waits for others'). */
    hide: give,
    /** The page came back from the back/forward cache. */
    show() {
      if (life.over) return;
      let ours = false;
      try { ours = local.getItem(PREFIX + owner) !== null; } catch (_) { /* as if taken */ }
      if (ours) hold();
      push(['y', ours ? 1 : 0]);
      cross();
      scan();
    },
  };
}
