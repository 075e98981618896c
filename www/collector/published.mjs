// Serving the learned model (model.mjs): GET /v1/model for the devices of
// any site that sends here, POST /collector/model to rebuild it now (the
// dashboard's control API, guarded like /collector/clear).
//
// The model is public by construction (aggregates of at least k visitors,
// no visitor id), so it goes to any origin (Access-Control-Allow-Origin *,
// no credentials). Browsers cache it: an ETag of what it says and
// `max-age=300, stale-while-revalidate=86400`, so a device asks at most
// every five minutes, revalidates in the background after that, and keeps
// using its copy for a day while the collector is unreachable.

import { buildModel, publish } from './model.mjs';
import { sendJson } from './responses.mjs';

const CACHE = 'max-age=300, stale-while-revalidate=86400';

/**
 * The model's lifecycle on one collector: built on the first request, then
 * every `everyMs` (0: only on demand), from `ctx.warehouse`.
 */
export function modelService(ctx, { everyMs = 600_000, ...settings } = {}) {
  let current = null;
  let building = null;
  let timer = null;

  /** Builds the model now (one build at a time); resolves what is served. */
  function rebuild() {
    if (!ctx.warehouse || ctx.warehouse.error) return Promise.reject(new Error(ctx.warehouse?.error ?? 'no database'));
    building ??= buildModel(ctx.warehouse, settings)
      .then((doc) => {
        current = { ...publish(doc), items: Object.keys(doc.items).length, slots: Object.keys(doc.slots).length };
        ctx.log(`model built: ${current.items} items, ${current.slots} slots, ETag ${current.etag}`);
        return current;
      })
      .finally(() => { building = null; });
    return building;
  }
  if (everyMs > 0) {
    timer = setInterval(() => rebuild().catch((e) => ctx.log(`model build failed: ${e.message}`)), everyMs);
    timer.unref();
  }

  return {
    rebuild,
    /** GET or HEAD /v1/model. */
    async serve(req, res) {
      req.resume();
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: `method ${req.method} not allowed; use GET` }, { Allow: 'GET, HEAD' });
        return;
      }
      let m = current;
      try {
        m ??= await rebuild();
      } catch (e) {
        sendJson(res, 503, { error: `no model: ${String(e.message).split('\n')[0]}` }, { 'Access-Control-Allow-Origin': '*' });
        return;
      }
      const headers = { ETag: m.etag, 'Cache-Control': CACHE, 'Access-Control-Allow-Origin': '*', 'Last-Modified': new Date(m.builtAt).toUTCString() };
      const asked = String(req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
      if (asked.includes(m.etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(m.body) });
      res.end(req.method === 'HEAD' ? undefined : m.body);
    },
    stop() {
      if (timer) clearInterval(timer);
      return building?.catch(() => {});
    },
  };
}
