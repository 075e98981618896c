// What the autotrack listeners see, handed to the engine as `j` records
// (src/engine/io.rs, Input::Auto): URL changes, clicks with a short
// description of the element, the deepest scroll, input (for engaged
// time) and forms (their fields' names and types, never a value). The
// engine decides what becomes an event: page view dedup, rage clicks,
// milestones, engaged time, which fields may be named, sessions.
//
// Listeners are passive and do no layout work in the event: the scroll
// depth is read once per animation frame, after a scroll said so.

import { lit } from './capture.js';

const TEXT_MAX = 100;
const FILE = /\.(pdf|zip|gz|tgz|rar|7z|dmg|exe|msi|apk|docx?|xlsx?|pptx?|csv|txt|rtf|odt|mp3|mp4|mov|avi|wav|epub)$/i;
const CLICKABLE = 'a[href],button,[data-kz-track],input[type=submit],input[type=button],[role=button]';
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'mousemove'];
const opts = { capture: true, passive: true };

const inert = (el) => !!(el.closest && el.closest('[data-kz-no-capture]'));

/** Visible text of a clickable element: never an input's value or editable text. */
function textOf(el) {
  if (el.isContentEditable) return '';
  if (el.tagName === 'INPUT') return /^(submit|button|reset)$/i.test(el.type) ? el.value : '';
  const t = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
  return t.length > TEXT_MAX ? t.slice(0, TEXT_MAX - 1) + '…' : t;
}

/** A selector path that stays the same across loads: ids where there are some. */
function selectorOf(el) {
  const parts = [];
  for (let e = el, n = 0; e && e.nodeType === 1 && n < 5; e = e.parentElement, n++) {
    const tag = e.tagName.toLowerCase();
    if (e.id) {
      parts.unshift(tag + '#' + e.id);
      break;
    }
    let i = 1;
    for (let s = e.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === e.tagName) i++;
    parts.unshift(i > 1 ? tag + ':nth-of-type(' + i + ')' : tag);
    if (tag === 'body') break;
  }
  return parts.join(' > ');
}

function describe(el) {
  const out = ['"tag":' + lit(el.tagName.toLowerCase())];
  const text = textOf(el);
  if (text) out.push('"text":' + lit(text));
  if (el.id) out.push('"id":' + lit(el.id));
  const cls = typeof el.className === 'string' ? el.className.trim().replace(/\s+/g, ' ').slice(0, 200) : '';
  if (cls) out.push('"classes":' + lit(cls));
  if (el.tagName === 'A' && el.href) {
    try {
      const u = new URL(el.href, location.href);
      out.push('"href":' + lit(u.origin + u.pathname), '"outbound":' + (u.host !== location.host), '"download":' + (el.hasAttribute('download') || FILE.test(u.pathname)));
    } catch (_) { /* not a URL: no href */ }
  }
  out.push('"selector":' + lit(selectorOf(el)));
  return '{' + out.join(',') + '}';
}

/** `data-kz-prop-*` attributes as properties. */
function propsOf(el) {
  const out = [];
  for (const k in el.dataset) {
    if (k.startsWith('kzProp') && k.length > 6) out.push(lit(k.charAt(6).toLowerCase() + k.slice(7)) + ':' + lit(el.dataset[k]));
  }
  return '{' + out.join(',') + '}';
}

function formOf(form) {
  let action = '';
  try { action = new URL(form.action, location.href).pathname; } catch (_) { /* none */ }
  return '{"formId":' + lit(form.id || '') + ',"formName":' + lit(form.getAttribute('name') || '') + ',"action":' + lit(action) + '}';
}

function fieldsOf(form) {
  const out = [];
  const groups = new Set();
  for (const f of Array.from(form.elements || [])) {
    const type = String(f.type || f.tagName || '').toLowerCase();
    if (!f.name && !f.id) continue;
    if (/^(submit|button|reset|image|fieldset)$/.test(type)) continue;
    // A radio group (or checkboxes sharing a name) is one question: one field.
    if ((type === 'radio' || type === 'checkbox') && f.name) {
      if (groups.has(type + f.name)) continue;
      groups.add(type + f.name);
    }
    out.push('[' + lit(type) + ',' + lit(f.name || f.id) + ',' + lit(f.getAttribute('autocomplete') || '') + ']');
  }
  return '[' + out.join(',') + ']';
}

/**
 * Installs the listeners `bits` asks for (1 history, 2 hash, 4 clicks,
 * 8 scroll, 16 activity, 32 forms, 64 the load's page view:
 * `AutoPolicy::listeners`). `push(record)`
 * queues a record for the engine; `page` is the page follower; the
 * listeners last as long as `life`.
 */
export function autotrack(bits, push, page, life) {
  if (!bits) return () => {};
  let url = location.href;
  let deepest = -1;
  let reading = false;
  let lastActive = 0;

  // The first reading of a view (what shows without scrolling) counts for
  // the depth but passes its milestones silently: a short page is not
  // "scrolled to 100 %" by loading.
  let first = true;
  const depth = () => {
    reading = false;
    const doc = document.documentElement;
    const height = Math.max(doc.scrollHeight, document.body ? document.body.scrollHeight : 0);
    if (!height) return;
    const seen = Math.min(100, Math.round(((window.scrollY || doc.scrollTop || 0) + window.innerHeight) * 100 / height));
    if (seen > deepest) {
      deepest = seen;
      push(['D', page.current(), seen, first ? 1 : 0]);
    }
    first = false;
  };
  const readSoon = () => {
    if (!reading) {
      reading = true;
      (window.requestAnimationFrame || setTimeout)(depth);
    }
  };
  const active = () => {
    const now = Date.now();
    if (now - lastActive > 1000) {
      lastActive = now;
      push(['E', now]);
    }
  };

  // Called by the page follower after history or the fragment changed;
  // the router sets the title soon after, so the view is taken a moment later.
  const changed = () => {
    const before = url;
    url = location.href;
    if (url === before) return;
    const fragment = before.split('#')[0] === url.split('#')[0];
    setTimeout(() => {
      if (life.over) return;
      deepest = -1;
      first = true;
      push(['P', page.page(), Date.now(), fragment ? '#' : '']);
      if (bits & 8) readSoon();
    }, 50);
  };

  if (bits & 4) {
    life.on(window, 'click', (e) => {
      const t = e.target;
      const el = t && t.closest ? t.closest(CLICKABLE) : null;
      if (!el || inert(el)) return;
      let kind = el.tagName === 'A' ? 'l' : 'b';
      let name = '""';
      const custom = el.getAttribute('data-kz-track');
      if (custom !== null && custom.trim() && custom.length < 256) {
        kind = 't';
        name = lit(custom.trim());
      }
      push(['C', page.current(), Date.now(), Math.max(0, Math.round(e.clientX)), Math.max(0, Math.round(e.clientY)), kind, name, describe(el), kind === 't' ? propsOf(el) : '{}']);
    }, opts);
  }
  if (bits & 8) {
    life.on(window, 'scroll', readSoon, opts);
    life.on(window, 'resize', readSoon, opts);
    if (document.readyState === 'complete') readSoon();
    else life.on(window, 'load', readSoon, { once: true });
  }
  if (bits & 16) {
    for (const type of ACTIVITY) life.on(window, type, active, opts);
    life.on(document, 'visibilitychange', () => { if (document.visibilityState === 'visible') { lastActive = 0; active(); } });
    active();
  }
  if (bits & 32) {
    const started = new WeakSet();
    life.on(window, 'focusin', (e) => {
      const f = e.target && e.target.form;
      if (!f || started.has(f) || inert(f)) return;
      started.add(f);
      push(['F', page.current(), Date.now(), 0, formOf(f), fieldsOf(f)]);
    }, opts);
    life.on(window, 'submit', (e) => {
      const f = e.target;
      if (!f || !f.elements || inert(f)) return;
      push(['F', page.current(), Date.now(), 1, formOf(f), fieldsOf(f)]);
    }, opts);
  }
  // The page view of the load, after the calls the snippet queued (a
  // site's own page() of this URL makes it the same view).
  if (bits & 64) {
    setTimeout(() => { if (!life.over) push(['P', page.page(), Date.now(), '']); }, 0);
    // Back from the back/forward cache: the visitor sees the page again,
    // a view as a reload would be (r: whatever URL the last one was on).
    life.on(window, 'pageshow', (e) => { if (e.persisted) push(['P', page.page(), Date.now(), 'r']); });
  }
  return (bits & 3) ? changed : () => {};
}
