// The stored queues of other owners: pages of the site that went away and
// tabs that were closed or crashed left their unsent events in
// localStorage (the engine decides what is written; see
// src/engine/pipeline/store.rs). This hands them to the engine once their
// owner is gone, so one tab sends them, once.
//
// Where the browser has Web Locks, each engine holds a lock named after its
// owner id while it lives; the browser releases it when the page goes away
// or crashes, and a tab waiting for it takes the queue over then. The lock
// is given up on pagehide (a page holding one is kept out of the
// back/forward cache) and taken again if the page comes back. Without Web
// Locks, a stored queue whose lease ran out is taken over.

import { lit } from './capture.js';

const PREFIX = 'kizuna:q.';
const US = '\x1f';
const RS = '\x1e';
const LEASE_CHECK_MS = 30000;

const ownerOf = (key) => key.slice(PREFIX.length).split('.')[0];

/**
 * Follows the stored queues for the engine of `owner`: `push(record)` adds a
 * record to its inbox, `cross()` hands the inbox over at once. Returns what
 * the driver calls on pagehide (after its own crossing) and pageshow, or
 * null without localStorage.
 */
export function followStore(owner, push, cross) {
  let local = null;
  try {
    local = window.localStorage;
    void local.length;
  } catch (_) {
    return null;
  }
  const locks = typeof navigator !== 'undefined' && navigator.locks && typeof AbortController === 'function' ? navigator.locks : null;
  const watched = new Set();
  // Keys handed over once are never handed again (the engine deletes them
  // after its next write; a scan or a storage event may see them before).
  const given = new Set();
  let stop = null;
  let release = null;

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
    const mine = keys(PREFIX + other).filter((k) => k === PREFIX + other || k.startsWith(PREFIX + other + '.'));
    mine.sort((a, b) => a.split('.').length - b.split('.').length);
    let any = false;
    for (const k of mine) {
      let v = null;
      try { v = local.getItem(k); } catch (_) { /* gone meanwhile */ }
      if (v !== null && v.indexOf(RS) < 0 && !given.has(k)) {
        given.add(k);
        push('e' + k + US + v);
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
    // Granted when the other owner is gone (at once if it already is).
    locks.request(PREFIX + other, { signal: stop.signal }, () => take(other))
      .catch(() => {})
      .then(() => watched.delete(other));
  }

  function scan() {
    for (const k of keys(PREFIX)) watch(ownerOf(k));
  }

  function hold() {
    if (!locks) return;
    stop = new AbortController();
    locks.request(PREFIX + owner, { signal: stop.signal }, () => new Promise((resolve) => { release = resolve; })).catch(() => {});
  }

  hold();
  scan();
  if (!locks) setInterval(scan, LEASE_CHECK_MS);

  addEventListener('storage', (e) => {
    if (e.storageArea !== local || !e.key) return;
    if (e.key.startsWith(PREFIX)) watch(ownerOf(e.key));
    else if (e.key === 'kizuna:session' && e.newValue && e.newValue.indexOf(RS) < 0) {
      // Another tab's activity: one session for the site.
      push('e' + e.key + US + e.newValue);
      cross();
    }
    else if (e.key === 'kizuna:consent') {
      // Another tab's choice holds here too (a withdrawal purges at once).
      push('R' + (e.newValue === null ? '' : lit(e.newValue)));
      cross();
    }
  });
  return {
    /** The page is going away, its queue written: the lock goes (and the waits for others'). */
    hide() {
      if (!locks) return;
      if (stop) stop.abort();
      if (release) release();
      release = null;
      watched.clear();
    },
    /** The page came back from the back/forward cache. */
    show() {
      hold();
      let ours = false;
      try { ours = local.getItem(PREFIX + owner) !== null; } catch (_) { /* as if taken */ }
      push('y' + (ours ? 1 : 0));
      cross();
      scan();
    },
  };
}
