// The personalization edge: loads on pages that personalize (the config has
// slots or profile, or the page has data-kz-slot) and drives the
// personalization engine (its records are in src/engine/protocol.json).
// It finds the page's slots, renders the variant decided for each from a
// sanitized clone of its template (never HTML strings), holds nothing
// longer than slots.js allows, measures viewable impressions (half the slot
// in view for a second, once per page view) and clicks, and answers
// decide / explain / profile / onDecision.

import { clean, lit } from './capture.js';
import { lifetime } from './life.js';
import { complain, debug, warn } from './console.js';
import { pageTopics } from './page.js';
import { viewability } from './viewable.js';
import { learned, overlay, printedModel, readRemote } from './remote.js';
import { readPersonal } from './personal.js';
import { sanitize } from '../sanitize.js';
import { PERSONALIZER_IN, PERSONALIZER_OUT } from './records.js';

const SHOWN = 'data-kz-shown';
const PENDING = 'data-kz-pending';
const DEFAULT_KEY = '__kzDefault';

function reveal(slot) {
  if (slot.hasAttribute(PENDING)) {
    slot.removeAttribute(PENDING);
    slot.style.removeProperty('visibility');
  }
}

const isTemplate = (n) => n.nodeName === 'TEMPLATE';
const shown = (slot) => Array.from(slot.childNodes).filter((n) => !isTemplate(n));
const templates = (slot) => Array.from(slot.children).filter((c) => isTemplate(c) && c.hasAttribute('data-kz-variant'));

/** Shows `variant` in `slot`; false when it has no such template. */
function render(slot, variant) {
  if (slot.getAttribute(SHOWN) === variant || (slot.getAttribute('data-kz-prerendered') === variant && slot[DEFAULT_KEY])) {
    // Already showing (earlier, or by the pre-paint script, whose work this now owns).
    slot.removeAttribute('data-kz-prerendered');
    slot.setAttribute(SHOWN, variant);
    reveal(slot);
    return true;
  }
  const t = templates(slot).find((c) => c.getAttribute('data-kz-variant') === variant);
  if (!t) return false;
  const fragment = t.content.cloneNode(true);
  sanitize(fragment);
  const now = shown(slot);
  if (!slot[DEFAULT_KEY]) slot[DEFAULT_KEY] = now;
  for (const n of now) slot.removeChild(n);
  slot.appendChild(fragment);
  slot.setAttribute(SHOWN, variant);
  reveal(slot);
  return true;
}

/** Puts the default back. */
function restore(slot) {
  const saved = slot[DEFAULT_KEY];
  if (saved) {
    for (const n of shown(slot)) slot.removeChild(n);
    for (const n of saved) slot.appendChild(n);
    delete slot[DEFAULT_KEY];
  }
  slot.removeAttribute('data-kz-prerendered');
  slot.setAttribute(SHOWN, 'default');
  reveal(slot);
}

/**
 * Starts the personalization engine of `glue` beside the tracker's driver
 * `d`. `watchers` are the onDecision callbacks (some may have subscribed
 * before it started). Throws an Error naming a bad slots/profile field.
 */
export function startPersonalization(glue, d, config, watchers = new Set(), extras = []) {
  // The config's sections, validated before anything starts (js/edge/personal.js).
  let own;
  try {
    own = readPersonal(config);
  } catch (e) {
    complain(e.message);
    throw new Error('[kizuna] ' + e.message);
  }
  for (const w of own.warnings) warn(w);
  // The tracker's codec: one copy on the page.
  const { encode, decode, opened } = d;
  const slots = new Map();
  let wakeTimer = null;
  // Stopped (stop(), or its module trapped): slots keep their defaults.
  let dead = false;
  const life = lifetime();
  life.end(() => { if (wakeTimer !== null) clearTimeout(wakeTimer); });
  let visitor = d.status().anonymousId;
  let consentKey = '';

  const consent = () => {
    const s = d.status();
    return (s.topics ? 1 : 0) + 2 * (s.storeProfile ? 1 : 0);
  };
  const pageRecord = () => {
    let source = '';
    let campaign = '';
    let content = '';
    let search = '';
    try {
      const q = new URL(location.href).searchParams;
      source = q.get('utm_source') || '';
      campaign = q.get('utm_campaign') || '';
      content = q.get('utm_content') || '';
      // The terms of a search engine's results page that led here.
      const r = document.referrer && new URL(document.referrer);
      if (r && r.origin !== location.origin) search = ['q', 'p', 'query', 'text', 'wd'].map((k) => r.searchParams.get(k)).find(Boolean) || '';
    } catch (_) { /* no campaign */ }
    return ['p', location.pathname, source, campaign, pageTopics(), content, search];
  };

  // Carries out one crossing's answers; returns the value asked for (a
  // decision, an explanation, the profile) and the decisions to announce.
  function act(out) {
    let answer = null;
    const decided = [];
    decode(out, PERSONALIZER_OUT, (k, f) => {
      switch (k) {
        case 'R': { // a decision
          const [slotLit, variantLit, json] = f;
          const decision = JSON.parse(json);
          answer = decision;
          const name = JSON.parse(slotLit);
          known.set(name, json);
          const state = slots.get(name);
          if (state && !state.rendered) {
            state.decision = decision;
            state.rendered = true;
            const variant = JSON.parse(variantLit);
            if (variant === null || !render(state.el, variant)) restore(state.el);
          }
          decided.push(decision);
          break;
        }
        case 'T': d.inject(f[0], f[1]); break;
        case 'S': d.storage.set(f[0], f[1]); break;
        case 'D': d.storage.remove(f[0]); break;
        case 'W':
          if (wakeTimer !== null) clearTimeout(wakeTimer);
          wakeTimer = null;
          if (f[0]) wakeTimer = setTimeout(() => { wakeTimer = null; cross([['w']]); }, Math.max(0, f[0] - Date.now()));
          break;
        case 'L': (f[0] === 'e' ? complain : f[0] === 'w' ? warn : debug)(f[1]); break;
        case 'E': answer = f[0]; break;
        case 'Q': answer = JSON.parse(f[0]); break;
        default: for (const x of parts) if (x.answer) { const a = x.answer(k, f); if (a !== undefined) answer = a; }
      }
    });
    return [answer, decided];
  }

  // Site code (onDecision callbacks) runs after the crossing: a callback
  // that calls back into Kizuna starts a crossing of its own.
  // Slots announced on this page view: decide() of one of them answers
  // without announcing it again (a callback that calls decide() would
  // otherwise be called back forever).
  const announced = new Set();
  let querying = false;
  // The engine's decisions of this page view, by slot (their JSON): a
  // decision holds for the page view, so decide() answers again from here
  // without a crossing (src/engine/personalize decides; this remembers).
  const known = new Map();
  function announce(decided) {
    for (const decision of decided) {
      if (querying && announced.has(decision.slot)) continue;
      announced.add(decision.slot);
      for (const cb of [...watchers]) {
        try { cb({ ...decision }); } catch (_) { complain('an onDecision callback threw; Kizuna carried on'); }
      }
    }
  }

  // One crossing: `records`, each [kind, ...fields] (src/engine/protocol.json).
  function cross(records) {
    if (dead) return null;
    const s = d.status();
    const list = [['n', Date.now()]];
    if (s.anonymousId !== visitor) {
      visitor = s.anonymousId;
      list.push(['i', visitor]);
    }
    const c = consent();
    if (c !== consentKey) {
      consentKey = c;
      list.push(['c', c & 1, c >> 1]);
    }
    // A new page view, visitor, consent or forget(): the engine decides again.
    if (list.length > 1 || records.some((r) => r[0] === 'p' || r[0] === 'o')) known.clear();
    let out;
    try {
      out = glue.run(handle, encode(list.concat(records), PERSONALIZER_IN));
    } catch (e) {
      // A trap: the module may not be called again. The page keeps its
      // defaults; tracking goes on.
      dead = true;
      complain('personalization stopped after an internal error (' + clean(String(e && e.message ? e.message : e)) + '); slots show their defaults on this page');
      for (const s of slots.values()) if (!s.rendered) restore(s.el);
      life.stop();
      return null;
    }
    const [answer, decided] = act(out);
    announce(decided);
    return answer;
  }

  // The engage build's parts (recommendations…), each given the crossing.
  const parts = extras.map((make) => make({ cross: (records) => cross(records), d, life }));

  // The remote document (src/engine/personalize/remote.rs; js/edge/remote.js).
  const url = own.model;
  let applied = null;
  let last = null; // the last document used, given again when storage is granted later
  // A model document's records for the engine (`keep`: it was fetched, and
  // the engine stores it; none when it came from storage), or why it is not
  // used. Its config (the page's own laid over it) is validated as init's
  // is; one that fails keeps the last good one. Never throws: the document
  // is untrusted (a nesting too deep to write).
  function remote(doc, keep) {
    try {
      const r = readRemote(doc);
      if (typeof r === 'string') return r;
      const text = JSON.stringify(r);
      if (text === applied) return [];
      applied = text;
      let read;
      try {
        read = readPersonal(overlay(r.config, config));
      } catch (e) {
        warn(`the ${keep ? 'fetched' : 'stored'} remote config was not used (${e.message}); ${keep ? 'the last good one' : "the page's own"} stays`);
        // Its counts do not count either; a stored one is removed.
        return [['C', 0, keep ? text : '']];
      }
      for (const w of read.warnings) warn('the remote config: ' + w);
      // More than storage should carry is used on this page only.
      return [...read.records, ['C', 1, keep && text.length <= 65536 ? text : ''], ...learned(r)];
    } catch (_) {
      return 'larger than Kizuna reads';
    }
  }
  // Gives the engine and the parts a model document; why not, or ''.
  const use = (doc) => {
    const records = remote(doc, true);
    if (typeof records === 'string') return records;
    last = doc;
    if (records.length) cross(records);
    for (const x of parts) if (x.model) x.model(doc);
    return '';
  };
  let asked = false;
  let printed = null;
  // Once a page, with personalization granted; the browser's HTTP cache
  // keeps and revalidates it.
  function want() {
    if (!url || asked || !(consent() & 1)) return;
    asked = true;
    fetch(url, { credentials: 'omit' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status))))
      .then((doc) => { const why = use(doc); if (why) throw new Error(why); })
      .catch((e) => warn(`the model at ${url} was not used (${clean(String(e && e.message))}); Kizuna goes on with the last good one`));
  }
  // The page's printed model, once a document (an SPA's routes do not put
  // back what a fetched model replaced).
  function readPrinted() {
    const text = printedModel(document);
    if (text === null || printed !== null) return;
    printed = text;
    let doc = null;
    try {
      doc = JSON.parse(text);
    } catch (_) { /* said below */ }
    const why = use(doc);
    if (why) warn(`the page's data-kz-model script was not used (${why})`);
  }

  const store = d.storage;
  consentKey = consent();
  const profile = store.get('kizuna:profile');
  const init = [['n', Date.now()], pageRecord(), ...own.records,
    ['S', profile === null ? '' : lit(profile), visitor, d.seed(), consentKey & 1, consentKey >> 1, (screen && screen.width) | 0]];
  // The last good remote document, for this page's first decisions, where
  // the page still names a model (the engine drops one that is damaged or
  // no longer read: C 0).
  const kept = consentKey === 3 && (url || printedModel(document) !== null) ? store.get('kizuna:remote') : null;
  if (kept !== null) {
    let records;
    try {
      records = remote(JSON.parse(kept), false);
    } catch (_) { /* damaged */ }
    if (!Array.isArray(records)) warn(`the stored remote config was not used (${records || 'damaged'}); the page's own stays`);
    init.push(...(Array.isArray(records) ? records : [['C', 0, '']]));
  }
  const started = glue.start(encode(init, PERSONALIZER_IN));
  const handle = opened(started, PERSONALIZER_OUT);
  life.end(() => { dead = true; try { glue.stop(handle); } catch (_) { /* a trapped module */ } });
  announce(act(started)[1]);

  // Viewable impressions: half the slot in view for a second.
  const views = viewability((el) => {
    const state = slots.get(el.getAttribute('data-kz-slot'));
    if (state) cross([['v', lit(state.name)]]);
  });
  life.end(() => views.reset());

  function decidePage() {
    announced.clear();
    slots.clear();
    views.reset();
    readPrinted();
    want();
    const records = [pageRecord()];
    for (const el of document.querySelectorAll('[data-kz-slot]')) {
      const name = el.getAttribute('data-kz-slot');
      if (!name || slots.has(name)) continue;
      slots.set(name, { name, el, decision: null, rendered: false });
      const variants = templates(el).map((t) => [t.getAttribute('data-kz-variant'), t.getAttribute('data-kz-tags') || '']);
      records.push(['d', el.hasAttribute('data-kz-late') ? 1 : 0, lit(name), JSON.stringify(variants), lit(el.getAttribute('data-kz-prerendered') || '')]);
      views.observe(el);
    }
    for (const x of parts) if (x.page) records.push(...x.page());
    cross(records);
  }

  if (document.readyState === 'loading') life.on(document, 'DOMContentLoaded', decidePage, { once: true });
  else decidePage();

  life.on(document, 'click', (event) => {
    const t = event.target;
    if (!t || !t.closest) return;
    const topic = t.closest('[data-kz-topic]');
    if (topic) d.topicClick(topic.getAttribute('data-kz-topic'));
    const slot = t.closest('[data-kz-slot]');
    if (slot && slots.has(slot.getAttribute('data-kz-slot'))) cross([['k', lit(slot.getAttribute('data-kz-slot'))]]);
  }, true);
  life.on(document, 'visibilitychange', () => { if (document.visibilityState === 'hidden') cross([['h']]); });
  d.consume((signals) => cross(signals.map((s) => ['g', s])));
  life.end(() => d.consume(null));
  life.end(d.onConsent(() => {
    const changed = consent() !== consentKey;
    // Storage granted since the document came: the engine keeps it now.
    if (consent() === 3 && consentKey !== 3 && last) {
      applied = null;
      use(last);
    }
    if (changed) decidePage();
  }));

  const api = {
    decide(slot) {
      if (typeof slot !== 'string') {
        complain('decide() needs a slot name (a string)');
        return null;
      }
      const s = d.status();
      const json = known.get(slot);
      if (json !== undefined && !s.debug && s.anonymousId === visitor && consent() === consentKey) return JSON.parse(json);
      querying = true;
      try {
        return cross([['a', lit(slot)]]);
      } finally {
        querying = false;
      }
    },
    explain(slot) {
      if (typeof slot !== 'string') {
        complain('explain() needs a slot name (a string)');
        return '';
      }
      return cross([['e', lit(slot)]]) || '';
    },
    profile: () => cross([['q']]),
    forget() {
      cross([['o']]);
      decidePage();
    },
    onDecision(cb) {
      if (typeof cb !== 'function') {
        complain('onDecision() needs a function; nothing subscribed');
        return () => {};
      }
      watchers.add(cb);
      return () => { watchers.delete(cb); };
    },
    /** A page view (an SPA route): slots are decided, and viewable, again. */
    pageView() {
      if (dead) return;
      if (slots.size || parts.length) decidePage();
      else cross([pageRecord()]);
    },
    /** Ends the module on this page: listeners, observers and its timer go. */
    stop: () => life.stop(),
  };
  for (const x of parts) {
    Object.assign(api, x.api);
    if (x.bind) x.bind(api);
  }
  return api;
}
