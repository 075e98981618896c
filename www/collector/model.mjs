// The model the collector learns from everyone's events and publishes for
// the devices (www/schemas/dev.kizuna/model/jsonschema/1-0-0; README "Learning from every
// visitor"): aggregates only, no visitor id, nothing from fewer than `k`
// visitors.
//
// - items: for each product, the products the same visitors interacted
//   with within `window` interactions of it (Product Viewed, Clicked,
//   Added, and an order's products, in time order per visitor), pairs at
//   least `k` distinct visitors share, the best `top` per item by how many
//   visitors share them (ties by id); its popularity (distinct visitors)
//   and its most common name. examples/movielens.rs replays the same
//   definition on MovieLens (tools/movielens.sh).
// - slots: each slot variant's views and clicks (Slot Viewed / Slot
//   Clicked, holdout views apart) and the Beta(1 + clicks, 1 + views −
//   clicks) posterior a device can start from; variants seen by fewer
//   than `k` visitors are left out.
//
// Built from the events before `until` only (now, by default), so a
// nightly build holds nothing of the day it is published on.

import { createHash } from 'node:crypto';
import { TEST_PATH } from './kpis.mjs';

/** The published model's settings (examples/movielens.rs uses the same). */
export const MODEL_DEFAULTS = { window: 5, k: 5, top: 20 };
/** The model document's version: a device reads only the versions it knows. */
export const MODEL_VERSION = 1;

const ITEM_EVENTS = "('Product Viewed', 'Product Clicked', 'Product Added')";
// The shop's own events, as the dashboard counts them (kpis.mjs).
const SITE = `NOT COALESCE(${TEST_PATH}, FALSE)`;

// A product's id as Segment's e-commerce spec names it (product_id, or sku).
const ID = (p) => `COALESCE((${p}->>'product_id'), (${p}->>'sku'))`;

function interactions(until) {
  return `interactions AS (
    SELECT anonymous_id AS visitor, ts, ${ID('properties')} AS item, (properties->>'name') AS name
    FROM events
    WHERE type = 'track' AND event IN ${ITEM_EVENTS} AND anonymous_id IS NOT NULL AND ts < ${until} AND ${SITE}
    UNION ALL
    SELECT anonymous_id, ts, ${ID('p')}, (p->>'name')
    FROM (SELECT anonymous_id, ts, path, unnest(from_json((properties->'products'), '["json"]')) AS p
          FROM events
          WHERE type = 'track' AND event = 'Order Completed' AND anonymous_id IS NOT NULL AND ts < ${until}
            AND json_type((properties->'products')) = 'ARRAY')
    WHERE ${SITE}
  ),
  seq AS (
    SELECT visitor, item, name, row_number() OVER (PARTITION BY visitor ORDER BY ts, item) AS n
    FROM interactions
    WHERE item IS NOT NULL AND length(item) BETWEEN 1 AND 128
  )`;
}

/** The SQL of the neighbour lists: rows (item, near, visitors), best first per item. */
export function neighboursSql({ window, k, top }, until) {
  return `WITH ${interactions(until)},
  pairs AS (
    SELECT a.visitor, least(a.item, b.item) AS x, greatest(a.item, b.item) AS y
    FROM seq a JOIN seq b ON a.visitor = b.visitor AND b.n > a.n AND b.n <= a.n + ${window}
    WHERE a.item <> b.item
  ),
  shared AS (
    SELECT x, y, count(DISTINCT visitor) AS visitors FROM pairs GROUP BY x, y HAVING count(DISTINCT visitor) >= ${k}
  ),
  both_ways AS (SELECT x AS item, y AS near, visitors FROM shared UNION ALL SELECT y, x, visitors FROM shared),
  ranked AS (
    SELECT item, near, visitors, row_number() OVER (PARTITION BY item ORDER BY visitors DESC, near) AS r FROM both_ways
  )
  SELECT item, near, visitors FROM ranked WHERE r <= ${top} ORDER BY item, r`;
}

/** The SQL of the items' popularity and names: items at least `k` visitors interacted with. */
export function itemsSql({ k }, until) {
  return `WITH ${interactions(until)}
  SELECT item, count(DISTINCT visitor) AS visitors, left(mode(name), 100) AS name
  FROM seq GROUP BY item HAVING count(DISTINCT visitor) >= ${k} ORDER BY item`;
}

/** The SQL of the slot variants' exposures and clicks (holdout apart). */
export function slotsSql({ k }, until) {
  return `SELECT (properties->>'slot') AS slot, (properties->>'variant') AS variant,
    COALESCE(TRY_CAST((properties->>'holdout') AS BOOLEAN), FALSE) AS holdout,
    count(*) FILTER (WHERE event = 'Slot Viewed') AS views,
    count(*) FILTER (WHERE event = 'Slot Clicked') AS clicks,
    count(DISTINCT anonymous_id) AS visitors
  FROM events
  WHERE type = 'track' AND event IN ('Slot Viewed', 'Slot Clicked') AND ts < ${until} AND ${SITE}
    AND (properties->>'slot') IS NOT NULL AND (properties->>'variant') IS NOT NULL
  GROUP BY ALL HAVING count(DISTINCT anonymous_id) >= ${k} ORDER BY slot, variant, holdout`;
}

const whole = (v, min, max, name) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`model ${name} must be an integer from ${min} to ${max}`);
  return n;
};

/**
 * Builds the model document from `warehouse` (warehouse.mjs): `{ version,
 * builtAt, until, settings, items, slots }`. `settings` may change
 * window (1–50), k (2–1000) and top (1–100); `until` (ms) bounds the
 * events read (now by default).
 */
export async function buildModel(warehouse, settings = {}, until = Date.now()) {
  const s = {
    window: whole(settings.window ?? MODEL_DEFAULTS.window, 1, 50, 'window'),
    k: whole(settings.k ?? MODEL_DEFAULTS.k, 2, 1000, 'k'),
    top: whole(settings.top ?? MODEL_DEFAULTS.top, 1, 100, 'top'),
  };
  const at = `make_timestamp(CAST(${Math.floor(Number(until))} AS BIGINT) * 1000)`;
  const [pairs, popular, variants] = [
    await warehouse.query(neighboursSql(s, at)),
    await warehouse.query(itemsSql(s, at)),
    await warehouse.query(slotsSql(s, at)),
  ];
  // Ids and names come from visitors' events: own keys only, never
  // `__proto__`, so `constructor` or `toString` is an id like any other.
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const items = {};
  for (const r of popular) if (r.item !== '__proto__') items[r.item] = { ...(r.name ? { name: r.name } : {}), visitors: Number(r.visitors), near: [] };
  for (const r of pairs) if (own(items, r.item)) items[r.item].near.push([r.near, Number(r.visitors)]);
  const slots = {};
  for (const r of variants) {
    const views = Number(r.views);
    const clicks = Math.min(Number(r.clicks), views);
    if (r.slot === '__proto__' || r.variant === '__proto__') continue;
    if (!own(slots, r.slot)) slots[r.slot] = { variants: {}, holdout: {} };
    const slot = slots[r.slot];
    if (r.holdout) slot.holdout[r.variant] = { views, clicks };
    else slot.variants[r.variant] = { views, clicks, alpha: 1 + clicks, beta: 1 + views - clicks };
  }
  return { version: MODEL_VERSION, builtAt: new Date().toISOString(), until: new Date(Number(until)).toISOString(), settings: s, items, slots };
}

/** The document as served (its bytes) and its ETag (a hash of what it says, not of when it was built). */
export function publish(doc) {
  const { builtAt, ...content } = doc;
  const etag = `"${createHash('sha256').update(JSON.stringify({ ...content, until: undefined })).digest('hex').slice(0, 32)}"`;
  return { body: JSON.stringify(doc), etag, builtAt };
}
