// The page context, captured once and again only when it changes (an SPA
// route through the history API, popstate, hashchange, a new title), not
// copied on every call. Each context gets an id; calls carry the id.

import { clean, lit } from './capture.js';
import { hook } from './life.js';

/** The engine's record of a page context (`p` in src/engine/protocol.json). */
export function pageRecord(id, current, url, referrer, title, topics) {
  let utm = '{}';
  try {
    const params = [];
    for (const [k, v] of new URL(url).searchParams) if (k.startsWith('utm_')) params.push(lit(k) + ':' + lit(v));
    utm = '{' + params.join(',') + '}';
  } catch (_) { /* not a URL we can read: no campaign */ }
  return ['p', id, current ? 1 : 0, clean(url), clean(referrer), lit(title), utm, lit(topics)];
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
 * after something said it changed); `changed`, when set, is called after
 * a history or fragment change. Its hooks last as long as `life`.
 */
export function followPage(push, life) {
  let id = 0;
  let url = '';
  let title = '';
  let topics = '';
  // An SPA route's referrer is the route before it.
  let referrer = document.referrer;
  let stale = true;
  const follower = { changed: null };
  const mark = () => { stale = true; };
  const moved = () => { stale = true; if (follower.changed) follower.changed(); };
  const refresh = (withTopics) => {
    stale = false;
    const u = location.href;
    const t = document.title;
    const k = withTopics ? pageTopics() : topics;
    if (u !== url || t !== title || k !== topics || !id) {
      if (url && u !== url) referrer = url;
      url = u;
      title = t;
      topics = k;
      id++;
      push(pageRecord(id, true, u, referrer, t, k));
    }
  };
  try {
    for (const method of ['pushState', 'replaceState']) hook(history, method, life, moved);
    life.on(window, 'popstate', moved);
    life.on(window, 'hashchange', moved);
    const head = document.head || document.documentElement;
    const titles = new MutationObserver(mark);
    titles.observe(head, { childList: true, subtree: true, characterData: true });
    life.end(() => titles.disconnect());
  } catch (_) {
    // Without hooks, every call checks.
    return Object.assign(follower, { current: () => (refresh(false), id), page: () => (refresh(true), id), replay: () => (refresh(false), id) });
  }
  let replayed = 1 << 30;
  return Object.assign(follower, {
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
  });
}
