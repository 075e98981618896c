// The page context, captured once and again only when it changes (an SPA
// route through the history API, popstate, hashchange, a new title), not
// copied on every call. Each context gets an id; calls carry the id.

import { lit } from './capture.js';

const US = '\x1f';

/** The engine's record of a page context (`p` in src/engine/edge.rs). */
export function pageRecord(id, current, url, referrer, title, topics) {
  let utm = '{}';
  try {
    const params = [];
    for (const [k, v] of new URL(url).searchParams) if (k.startsWith('utm_')) params.push(lit(k) + ':' + lit(v));
    utm = '{' + params.join(',') + '}';
  } catch (_) { /* not a URL we can read: no campaign */ }
  return 'p' + id + US + (current ? 1 : 0) + US + url + US + referrer + US + lit(title) + US + utm + US + lit(topics);
}

/** What the page says it is about: `data-kz-topic` on html, body or main. */
export function pageTopics() {
  try {
    return Array.from(document.querySelectorAll('html[data-kz-topic], body[data-kz-topic], main[data-kz-topic]'),
      (el) => el.getAttribute('data-kz-topic')).join(',');
  } catch (_) {
    return '';
  }
}

/**
 * Follows the current page. `push(record)` receives each new context;
 * `current()` is the id calls are made on now (it re-reads the page only
 * after something said it changed).
 */
export function followPage(push) {
  let id = 0;
  let url = '';
  let title = '';
  let topics = '';
  let stale = true;
  const mark = () => { stale = true; };
  const refresh = (withTopics) => {
    stale = false;
    const u = location.href;
    const t = document.title;
    const k = withTopics ? pageTopics() : topics;
    if (u !== url || t !== title || k !== topics || !id) {
      url = u;
      title = t;
      topics = k;
      id++;
      push(pageRecord(id, true, u, document.referrer, t, k));
    }
  };
  try {
    for (const method of ['pushState', 'replaceState']) {
      const original = history[method];
      history[method] = function () {
        const result = original.apply(this, arguments);
        mark();
        return result;
      };
    }
    addEventListener('popstate', mark);
    addEventListener('hashchange', mark);
    const head = document.head || document.documentElement;
    new MutationObserver(mark).observe(head, { childList: true, subtree: true, characterData: true });
  } catch (_) {
    // Without hooks, every call checks.
    return { current: () => (refresh(false), id), page: () => (refresh(true), id), replay: () => (refresh(false), id) };
  }
  let replayed = 1 << 30;
  return {
    current() {
      if (stale) refresh(false);
      return id;
    },
    /** For `page()`: the topics are read again (the body may be parsed now). */
    page() {
      refresh(true);
      return id;
    },
    /** A context of a call the snippet queued before the SDK loaded (`view`: a page view). */
    replay(u, referrer, t, view) {
      if (u === location.href && t === document.title && referrer === document.referrer) return view ? this.page() : this.current();
      push(pageRecord(++replayed, false, String(u), String(referrer), String(t), ''));
      return replayed;
    },
  };
}
