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
//
// With `configFile`, the document also carries a remote config: the
// `slots`, `journeys`, `journeyCaps` and `insights` a site's devices lay
// their own config over (js/edge/remote.js), read from the file at each
// build, so a campaign changes without a deploy. A file that is missing,
// not JSON or sets anything else is logged and the last good one stays.

import { readFile } from 'node:fs/promises';
import { buildModel, publish } from './model.mjs';
import { sendJson } from './responses.mjs';

const CACHE = 'max-age=300, stale-while-revalidate=86400';
/** The config sections a model document may carry. */
export const REMOTE_SECTIONS = ['slots', 'journeys', 'journeyCaps', 'insights'];

/** The remote config in `file`; throws why it is not one. */
export async function readRemoteConfig(file) {
  const doc = JSON.parse(await readFile(file, 'utf8'));
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  const other = Object.keys(doc).filter((k) => !REMOTE_SECTIONS.includes(k));
  if (other.length) throw new Error(`only ${REMOTE_SECTIONS.join(', ')} may be set remotely, not ${other.join(', ')}`);
  const wrong = REMOTE_SECTIONS.filter((k) => k in doc && (!doc[k] || typeof doc[k] !== 'object' || Array.isArray(doc[k])));
  if (wrong.length) throw new Error(`${wrong.join(', ')} must be an object, as in the config`);
  return doc;
}

/**
 * The model's lifecycle on one collector: built on the first request, then
 * every `everyMs` (0: only on demand), from `ctx.warehouse`, with the
 * remote config of `configFile` when given.
 */
export function modelService(ctx, { everyMs = 600_000, configFile, ...settings } = {}) {
  let current = null;
  let building = null;
  let timer = null;
  let config = null;

  async function remoteConfig() {
    if (!configFile) return null;
    try {
      config = await readRemoteConfig(configFile);
    } catch (e) {
      ctx.log(`remote config ${configFile} not used (${String(e.message).split('\n')[0]}); ${config ? 'the last good one stays' : 'none published'}`);
    }
    return config;
  }

  /** Builds the model now (one build at a time); resolves what is served. */
  function rebuild() {
    if (!ctx.warehouse || ctx.warehouse.error) return Promise.reject(new Error(ctx.warehouse?.error ?? 'no database'));
    building ??= Promise.all([buildModel(ctx.warehouse, settings), remoteConfig()])
      .then(([built, remote]) => {
        const doc = remote ? { ...built, config: remote } : built;
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
