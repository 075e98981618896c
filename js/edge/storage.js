// Storage for the engine: localStorage, falling back to memory for the page
// when it is missing, blocked (the getter itself may throw) or full, which
// is said once on the console. Plus the consent cookie a server can read.

import { warn } from './console.js';

export function openStorage() {
  const memory = new Map();
  let local = null;
  let told = false;
  try {
    local = window.localStorage;
    local.getItem('kizuna:probe');
  } catch (_) {
    local = null;
  }
  const fallBack = (why) => {
    if (!told) {
      told = true;
      warn('localStorage ' + why + ': Kizuna keeps its data in memory for this page');
    }
  };
  if (!local) fallBack('is not available');
  return {
    get(key) {
      if (memory.has(key)) return memory.get(key);
      if (!local) return null;
      try {
        return local.getItem(key);
      } catch (_) {
        return null;
      }
    },
    set(key, value) {
      if (local) {
        try {
          local.setItem(key, value);
          memory.delete(key);
          return;
        } catch (_) {
          fallBack('refused a write (full?)');
        }
      }
      memory.set(key, value);
    },
    /** Writes to localStorage only (a copy meant for the next page): whether it was kept. */
    persist(key, value) {
      if (!local) return false;
      try {
        local.setItem(key, value);
        return true;
      } catch (_) {
        fallBack('refused a write (full?)');
        return false;
      }
    },
    remove(key) {
      memory.delete(key);
      if (local) {
        try {
          local.removeItem(key);
        } catch (_) { /* nothing to remove where nothing can be written */ }
      }
    },
  };
}

const COOKIE = 'kz_consent';

/** The consent cookie's value, decoded (null when absent). */
export function readCookie() {
  try {
    for (const part of document.cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === COOKIE) return decodeURIComponent(v.join('='));
    }
  } catch (_) { /* no cookies here (sandboxed frame, file://) */ }
  return null;
}

/** Writes (or, with an empty value, removes) the consent cookie. */
export function writeCookie(value) {
  try {
    document.cookie = COOKIE + '=' + value + '; Path=/; Max-Age=' + (value ? 395 * 86400 : 0) + '; SameSite=Lax' +
      (location.protocol === 'https:' ? '; Secure' : '');
  } catch (_) { /* as above */ }
}
