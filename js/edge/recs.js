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
  let recent = []; // the visitor's latest items, newest first (the engine's I record)
  // The model's lists of the visitor's latest items, for an `m` record.
  const near = () => (model ? JSON.stringify(recent.filter((id) => model.has(id)).map((id) => [id, ...model.get(id)])) : '');
  // A row's items for the engine: an item the page gives no popularity
  // takes its visitors in the model (what sells, for a new visitor).
  const rank = (row) => ['m', lit(row.name), row.n,
    JSON.stringify(row.items.map(([id, topics, pop, repeats]) => [id, topics, pop || (model && model.has(id) ? model.get(id).visitors : 0), repeats])), near()];
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
        records.push(rank(row));
      }
      return records;
    },
    /** A model document arrived (the personalization edge read it). */
    model(doc) {
      const read = readModel(doc);
      if (typeof read === 'string') return;
      model = read;
      const again = [...rows.values()].filter((row) => row.el && row.viewed.size === 0);
      if (again.length) cross(again.map(rank));
    },
    answer(k, f) {
      if (k === 'I') {
        try { recent = JSON.parse(f[0]).filter(isId); } catch (_) { recent = []; }
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
        const list = items.filter((x) => x && typeof x.id === 'string').map((x) =>
          [x.id, Array.isArray(x.topics) ? x.topics.join(',') : (typeof x.topics === 'string' ? x.topics : ''), Number(x.popularity) || 0, !!x.repeats]);
        const row = { name: slot, el: null, shown: new Map(), viewed: new Set(), n: Number(o.n) || 4, items: list };
        rows.set(slot, row);
        return cross([rank(row)]) || [];
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
