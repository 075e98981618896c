// startCollector(): the HTTP server on 127.0.0.1 and the handle tests drive it with.
//
// Why a file of its own: it is the one place that knows every part — it builds
// the shared state (ctx), sends each request to the module whose job it is
// (collect endpoints → ingest, /collector/* → the API below, anything else →
// static files) once guard.mjs has let it through, turns crashes and malformed
// requests into answers, and closes cleanly. The parts never import this file,
// so there are no cycles.

import http from 'node:http';
import { sendJson } from './responses.mjs';
import { COLLECT_PATHS, handleCollect } from './ingest.mjs';
import { clearRecords, defaultOutFile, prepareOutFile } from './store.mjs';
import { broadcastClear, closeStreams, openStream } from './stream.mjs';
import { addRule, clearRules, injectFailure, injectRule, setDelay, setFault } from './faults.mjs';
import { defaultMounts, handleStatic, normalizeMounts } from './static.mjs';
import { openWarehouse } from './warehouse.mjs';
import { modelService } from './published.mjs';
import { kpis } from './kpis.mjs';
import { QueryError, MAX_ROWS } from './sql.mjs';
import { controlReason, crossOriginReason, ownHost } from './guard.mjs';

const HOST = '127.0.0.1';

/**
 * Start a collector.
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port.
 * @param {string} [options.out] NDJSON file to append batches to (default: in os.tmpdir()).
 * @param {{prefix: string, dir: string, headers?: object}[]} [options.mounts] static mounts.
 * @param {boolean} [options.quiet=true] suppress per-request logging on stderr.
 * @param {object} [options.headers] extra headers added to every static response.
 * @param {object} [options.model] the learned model (model.mjs): `everyMs`
 *   between builds (default 10 minutes, 0: on demand only), `window`, `k`, `top`.
 */
export async function startCollector({ port = 0, out, mounts, quiet = true, headers, duckdb = true, model } = {}) {
  const file = prepareOutFile(out ?? defaultOutFile());
  const ctx = {
    file,
    quiet,
    staticHeaders: { ...(headers ?? {}) },
    mounts: normalizeMounts(mounts ?? defaultMounts()),
    records: [],
    rejected: [],
    stats: { requests: 0, preflights: 0, rejected: 0, failed: 0, aborted: 0, streams: 0 },
    seq: 0,
    fault: null,
    delay: null,
    rules: [],
    hung: new Set(),
    sseClients: new Set(),
    log: quiet ? () => {} : (msg) => console.error(`[collector] ${msg}`),
    warehouse: null,
  };
  // The database next to the log (events.ndjson → events.duckdb).
  if (duckdb) ctx.warehouse = await openWarehouse(typeof duckdb === 'string' ? duckdb : file.replace(/(\.ndjson)?$/, '.duckdb'), ctx.log);
  ctx.model = modelService(ctx, model);

  const server = http.createServer((req, res) => {
    handleRequest(ctx, req, res).catch((err) => failRequest(ctx, res, err));
  });
  server.on('clientError', (err, socket) => handleClientError(ctx, err, socket));

  await listen(server, port);
  const actualPort = server.address().port;
  let closing = null;

  return {
    url: `http://${HOST}:${actualPort}`,
    port: actualPort,
    file,
    records: ctx.records,
    rejected: ctx.rejected,
    stats: ctx.stats,
    server,
    failNext(status, count = 1, extraHeaders = {}) {
      setFault(ctx, status, count, extraHeaders);
    },
    /** Records the next `count` batches at once but answers them `ms` later (a slow network). */
    delayNext(ms, count = 1) {
      setDelay(ctx, ms, count);
    },
    /**
     * Adds a fault rule: `{ mode: 'status' | 'reset' | 'refuse' | 'hang', status, retryAfter, every, count, ms }`
     * (see faults.mjs). Returns the rule; its `taken` counts the requests it took.
     */
    fault(rule) {
      return addRule(ctx, rule);
    },
    /** Whether the collect endpoints send CORS headers (a test may play a collector that does not). */
    cors(on) {
      ctx.cors = !!on;
    },
    /** Removes every fault rule (hung requests are dropped). */
    clearFaults() {
      clearRules(ctx);
    },
    /** The DuckDB side: `{ file, error, query(sql), select(sql), exportParquet(file), settled() }`, or null. */
    warehouse: ctx.warehouse,
    /** Builds the learned model now; resolves `{ body, etag, builtAt, items, slots }`. */
    buildModel() {
      return ctx.model.rebuild();
    },
    close() {
      clearRules(ctx);
      closing ??= closeServer(ctx, server).then(async () => {
        await ctx.model.stop();
        await ctx.warehouse?.settled();
        ctx.warehouse?.close?.();
      });
      return closing;
    },
  };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(ctx, server) {
  closeStreams(ctx);
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

// ---------------------------------------------------------------------------
// Request routing and error handling
// ---------------------------------------------------------------------------

async function handleRequest(ctx, req, res) {
  req.on('error', () => {}); // aborts are handled where the body is read
  res.on('error', (err) => ctx.log(`response error: ${err.message}`));

  const target = splitTarget(req.url);
  if (!target) {
    sendJson(res, 400, { error: `malformed request target: ${String(req.url).slice(0, 200)}` });
    return;
  }
  const { pathname, query } = target;

  // Every route, static files and the collect endpoints too: a rebound DNS
  // name must not reach anything (guard.mjs).
  const host = ownHost(req);
  if (!host) {
    req.resume();
    sendJson(res, 421, { error: `Host ${String(req.headers.host ?? '(none)').slice(0, 100)} is not this collector; use http://127.0.0.1:${req.socket.localPort}` });
    return;
  }
  if (COLLECT_PATHS.has(pathname)) return handleCollect(ctx, req, res, pathname);
  if (pathname === '/v1/model') return ctx.model.serve(req, res);
  if (pathname === '/collector' || pathname.startsWith('/collector/')) {
    return handleCollectorApi(ctx, req, res, pathname, query, host);
  }
  return handleStatic(ctx, req, res, pathname, query);
}

/** Split a raw origin-form request target into pathname and query (no decoding). */
function splitTarget(rawUrl) {
  if (typeof rawUrl !== 'string' || !rawUrl.startsWith('/')) return null;
  const q = rawUrl.indexOf('?');
  const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const search = q === -1 ? '' : rawUrl.slice(q + 1);
  let query;
  try {
    query = new URLSearchParams(search);
  } catch {
    return null;
  }
  return { pathname, query, search: q === -1 ? '' : `?${search}` };
}

function failRequest(ctx, res, err) {
  console.error(`[collector] internal error: ${err?.stack ?? err}`);
  if (!res.headersSent && !res.destroyed) {
    sendJson(res, 500, { error: `internal error: ${err?.message ?? err}` });
  } else {
    res.destroy();
  }
}

function handleClientError(ctx, err, socket) {
  ctx.log(`client error: ${err.code ?? err.message}`);
  if (socket.writable && !socket.destroyed && err.code !== 'ECONNRESET') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  } else {
    socket.destroy();
  }
}

// ---------------------------------------------------------------------------
// /collector/* viewing and control API
// ---------------------------------------------------------------------------

// Same-origin only (the dashboard and the demo are served by the collector):
// no Access-Control-Allow-Origin on any answer, and guard.mjs refuses other
// origins before a route runs.
const API_ROUTES = {
  'GET /collector/batches': (ctx, req, res) => sendJson(res, 200, ctx.records),
  'GET /collector/sql': (ctx, req, res, query) => handleSql(ctx, req, res, query),
  'GET /collector/kpis': async (ctx, req, res) => {
    if (!ctx.warehouse || ctx.warehouse.error) return sendJson(res, 503, { error: ctx.warehouse?.error ?? 'no database' });
    try {
      sendJson(res, 200, await kpis(ctx.warehouse));
    } catch (e) {
      sendJson(res, 500, { error: String(e.message).split('\n')[0] });
    }
  },
  'GET /collector/rejected': (ctx, req, res) => sendJson(res, 200, ctx.rejected),
  'GET /collector/stats': (ctx, req, res) => sendJson(res, 200, { file: ctx.file, stats: ctx.stats, pending: ctx.fault }),
  'GET /collector/stream': (ctx, req, res) => openStream(ctx, req, res),
  'POST /collector/clear': (ctx, req, res) => handleClear(ctx, req, res),
  'POST /collector/fail': (ctx, req, res, query) => injectFailure(ctx, req, res, query),
  'POST /collector/fault': (ctx, req, res, query) => injectRule(ctx, req, res, query),
  'POST /collector/model': async (ctx, req, res) => {
    req.resume();
    try {
      const m = await ctx.model.rebuild();
      sendJson(res, 200, { etag: m.etag, builtAt: m.builtAt, items: m.items, slots: m.slots });
    } catch (e) {
      sendJson(res, 503, { error: String(e.message).split('\n')[0] });
    }
  },
};

function handleCollectorApi(ctx, req, res, pathname, query, host) {
  const refused = crossOriginReason(req, host) ?? (req.method !== 'GET' && req.method !== 'HEAD' ? controlReason(req) : null);
  if (refused) {
    // A preflight lands here too: answered without any CORS header, so the
    // browser never sends the request it asked about.
    req.resume();
    sendJson(res, 403, { error: refused });
    return;
  }
  const route = API_ROUTES[`${req.method} ${pathname}`];
  if (route) return route(ctx, req, res, query);

  const allowed = Object.keys(API_ROUTES)
    .filter((key) => key.endsWith(` ${pathname}`))
    .map((key) => key.split(' ')[0]);
  if (allowed.length > 0) {
    sendJson(res, 405, { error: `method ${req.method} not allowed; use ${allowed.join(' or ')}` }, { Allow: allowed.join(', ') });
    return;
  }
  sendJson(res, 404, { error: `no collector endpoint at ${pathname}` });
}

/**
 * GET /collector/sql?q=: one read-only SELECT (sql.mjs says what is refused
 * and why). The rows are the answer; X-Kizuna-Truncated says when they were
 * cut at MAX_ROWS.
 */
async function handleSql(ctx, req, res, query) {
  if (!ctx.warehouse || ctx.warehouse.error) return sendJson(res, 503, { error: ctx.warehouse?.error ?? 'no database' });
  try {
    const { rows, truncated } = await ctx.warehouse.select(String(query.get('q') ?? ''));
    sendJson(res, 200, rows, truncated ? { 'X-Kizuna-Truncated': `only the first ${MAX_ROWS} rows` } : {});
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    sendJson(res, 400, { error: e.message });
  }
}

/** POST /collector/clear: empty memory (not the file) and tell the open streams. */
function handleClear(ctx, req, res) {
  req.resume();
  const cleared = clearRecords(ctx);
  broadcastClear(ctx, cleared);
  ctx.log(`cleared ${cleared.records} record(s), ${cleared.rejected} rejection(s)`);
  sendJson(res, 200, { ok: true, cleared });
}
