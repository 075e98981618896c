// Recommendations at the edge (the engage build only): finds the page's
// rows (`data-kz-recs="name"` over the product elements the page already
// has, each `data-kz-item="id"`, optionally `data-kz-topic`,
// `data-kz-popularity`, `data-kz-repeats`; the row's `data-kz-n` says how
// many to show, default 4), hands them to the engine to rank, then puts the
// picks first in their ranked order and hides the rest. Measures each
// shown item like a slot (half in view for a second, once per page view;
// clicks) and answers kz.recommend(items, { n, slot }) for apps that render
// themselves. The ranking itself is in src/engine/personalize/recs.rs.
//
// Given a model document (the personalization edge fetches the config's
// `model`, or reads the page's printed one: js/edge/remote.js), it hands
// the engine what everyone's visitors viewed near the visitor's latest
// items (which the engine names in its `I` record) with each row. Rows
// ranked before the model arrived, and not yet seen, are ranked again with it.

import { lit } from './capture.js';
import { complain } from './console.js';
import { viewability } from './viewable.js';

const isId = (x) => typeof x === 'string' && x.length > 0 && x.length <= 128;

/**
 * A model document's lists by item id (id -> [name, id, weight, id,
 * weight…], at most 50 neighbours, with its `visitors`; bad entries left
 * out), or why it is not one Kizuna reads.
 */
export function readModel(doc) {
  const items = doc && doc.version === 1 && doc.items;
  if (!items || typeof items !== 'object' || Array.isArray(items)) return 'not a version 1 model';
  const lists = new Map();
  for (const id of Object.keys(items).slice(0, 1e5)) {
    const it = items[id];
    if (isId(id) && it && Array.isArray(it.near)) {
      const list = [typeof it.name === 'string' ? it.name.slice(0, 100) : '',
        ...it.near.slice(0, 50).filter((p) => Array.isArray(p) && isId(p[0]) && p[1] > 0 && p[1] < Infinity).flatMap((p) => [p[0], p[1]])];
      // How many visitors it had: the popularity of an item the page gives none.
      list.visitors = it.visitors > 0 && it.visitors < Infinity ? it.visitors : 0;
      lists.set(id, list);
    }
  }
  return lists;
}

const itemOf = (el) => [el.getAttribute('data-kz-item'), el.getAttribute('data-kz-topic') || '',
  Number(el.getAttribute('data-kz-popularity')) || 0, el.hasAttribute('data-kz-repeats')];

/** The recommendations part of the personalization edge. */
export function recs({ cross, life }) {
  const rows = new Map(); // name -> { el, shown: Map id -> element, viewed: Set of ids, n, items: [[id, topics, popularity, repeats]…] }
  let model = null; // id -> [name, id, weight, id, weight…]
  let models = 0; // model documents read (a new one may change the items' popularity)
  // kz.recommend's last items by slot, each with the values it was read
  // from: the same items again cost a comparison, not a copy.
  const inputs = new Map();
  let recent = []; // the visitor's latest items, newest first (the engine's I record)
  // Each row's items as the engine last had them: the same again cross as
  // `same` (the engine kept them), not item by item.
  const sent = new Map();
  // Rows whose kept items the engine no longer has (its A record).
  const again = new Set();
  const same = (a, b) => a.length === b.length && a.every((x, i) => x[0] === b[i][0] && x[1] === b[i][1] && x[2] === b[i][2] && x[3] === b[i][3]);
  // A row's records for the engine: its items (`j`; an item the page gives
  // no popularity takes its visitors in the model: what sells, for a new
  // visitor) unless they are those it last had, the model's lists of the
  // visitor's latest items (`y`, `z`), then `m`. `anew`: the engine asked
  // for the items; `unchanged`: kz.recommend's items are those of its last
  // call, the model the same (nothing to compare when they are what was sent).
  function rank(row, anew, unchanged) {
    let kept = !anew && unchanged && sent.has(row.name) && sent.get(row.name).from === row.items;
    if (!kept) {
      const items = row.items.map(([id, topics, pop, repeats]) => [id, topics, pop || (model && model.has(id) ? model.get(id).visitors : 0), repeats ? 1 : 0]);
      kept = !anew && sent.has(row.name) && same(sent.get(row.name), items);
      items.from = row.items;
      sent.set(row.name, items);
    }
    const items = sent.get(row.name);
    const records = kept ? [] : items.map((it) => ['j', ...it]);
    for (const id of model ? recent : []) {
      const l = model.get(id);
      if (!l) continue;
      records.push(['y', id, l[0]]);
      for (let i = 1; i + 1 < l.length; i += 2) records.push(['z', l[i], l[i + 1]]);
    }
    records.push(['m', row.name, row.n, kept ? 1 : 0]);
    return records;
  }
  // The rows the engine asked for again, with their items.
  function rankAgain() {
    const asked = [...again].map((name) => rows.get(name)).filter(Boolean);
    again.clear();
    if (asked.length) cross(asked.flatMap((row) => rank(row, true)));
  }
  const seen = (row, id) => {
    if (row && !row.viewed.has(id)) {
      row.viewed.add(id);
      cross([['V', lit(row.name), lit(id)]]);
    }
  };
  const views = viewability((el) => seen(rows.get(el.__kzRow), el.getAttribute('data-kz-item')));
  life.end(() => views.reset());

  life.on(document, 'click', (event) => {
    const item = event.target && event.target.closest && event.target.closest('[data-kz-item]');
    const row = item && rows.get(item.__kzRow);
    if (row && row.shown.has(item.getAttribute('data-kz-item'))) cross([['K', lit(row.name), lit(item.getAttribute('data-kz-item'))]]);
  }, true);

  // Shows a row's picks first, in order; hides the others.
  function render(row, picks) {
    row.shown.clear();
    const els = Array.from(row.el.querySelectorAll('[data-kz-item]'));
    const byId = new Map(els.map((el) => [el.getAttribute('data-kz-item'), el]));
    // Picks go, in order, where the first item was (siblings only: items
    // in wrappers of their own keep their place).
    const parent = els[0] && els[0].parentNode;
    let anchor = els[0] || null;
    for (const p of picks) {
      const el = byId.get(p.id);
      if (!el) continue;
      if (el === anchor) anchor = el.nextSibling;
      else if (el.parentNode === parent) parent.insertBefore(el, anchor);
      el.hidden = false;
      el.setAttribute('data-kz-position', String(p.position));
      el.setAttribute('data-kz-reason', p.reason);
      el.title = p.explanation;
      row.shown.set(p.id, el);
      views.observe(el);
    }
    for (const el of els) if (!row.shown.has(el.getAttribute('data-kz-item'))) { el.hidden = true; el.removeAttribute('data-kz-position'); }
    row.el.setAttribute('data-kz-shown', picks.map((p) => p.id).join(','));
  }

  return {
    page() {
      rows.clear();
      views.reset();
      const records = [];
      for (const el of document.querySelectorAll('[data-kz-recs]')) {
        const name = el.getAttribute('data-kz-recs');
        if (!name || rows.has(name)) continue;
        const items = Array.from(el.querySelectorAll('[data-kz-item]'), (i) => { i.__kzRow = name; return itemOf(i); });
        const row = { name, el, shown: new Map(), viewed: new Set(), n: Number(el.getAttribute('data-kz-n')) || 4, items };
        rows.set(name, row);
        records.push(...rank(row));
      }
      return records;
    },
    /** A model document arrived (the personalization edge read it). */
    model(doc) {
      const read = readModel(doc);
      if (typeof read === 'string') return;
      model = read;
      models++;
      const unseen = [...rows.values()].filter((row) => row.el && row.viewed.size === 0);
      if (unseen.length) cross(unseen.flatMap((row) => rank(row)));
    },
    answer(k, f) {
      if (k === 'I') {
        try { recent = JSON.parse(f[0]).filter(isId); } catch (_) { recent = []; }
        return undefined;
      }
      if (k === 'A') {
        // After this crossing (a call waiting for its answer does it at once).
        if (!again.size) queueMicrotask(rankAgain);
        again.add(f[0]);
        return undefined;
      }
      if (k !== 'M') return undefined;
      const picks = JSON.parse(f[1]);
      const row = rows.get(JSON.parse(f[0]));
      if (row && row.el) render(row, picks);
      return picks;
    },
    api: {
      /**
       * Ranks `items` ([{ id, topics?, popularity?, repeats? }]) for this
       * visitor; returns the best `n` (default 4) as [{ id, position,
       * reason, explanation }]. `slot` names the row for its exposure events
       * (measure it with kz.recommendationViewed / Clicked).
       */
      recommend(items, options) {
        const o = options || {};
        if (!Array.isArray(items)) {
          complain('recommend() needs an array of items ({ id, topics, popularity })');
          return [];
        }
        const slot = typeof o.slot === 'string' ? o.slot : 'recommendations';
        const last = inputs.get(slot);
        const unchanged = last && last.models === models && last.list.length === items.length &&
          items.every((x, i) => x && x.id === last.list[i][0] && x.topics === last.list[i][4] && x.popularity === last.list[i][5] && x.repeats === last.list[i][6]);
        const list = unchanged ? last.list : items.filter((x) => x && typeof x.id === 'string').map((x) =>
          [x.id, Array.isArray(x.topics) ? x.topics.join(',') : (typeof x.topics === 'string' ? x.topics : ''), Number(x.popularity) || 0, !!x.repeats, x.topics, x.popularity, x.repeats]);
        if (!unchanged) inputs.set(slot, { models, list });
        const row = { name: slot, el: null, shown: new Map(), viewed: new Set(), n: Number(o.n) || 4, items: list };
        rows.set(slot, row);
        let picks = cross(rank(row, false, unchanged));
        if (again.delete(slot)) picks = cross(rank(row, true));
        return picks || [];
      },
      /** An app-rendered recommended item was seen (once per page view). */
      recommendationViewed(slot, id) {
        seen(rows.get(slot), id);
      },
      /** An app-rendered recommended item was clicked. */
      recommendationClicked(slot, id) { cross([['K', lit(slot), lit(id)]]); },
    },
  };
}
