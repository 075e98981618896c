// startCollector(): the HTTP server on 127.0.0.1 and the handle tests drive it with.
//
// Why a file of its own: it is the one place that knows every part — it builds
// the shared state (ctx), sends each request to the module whose job it is
// (collect endpoints → ingest, /collector/* → the API below, anything else →
// static files), turns crashes and malformed requests into answers, and closes
// cleanly. The parts never import this file, so there are no cycles.

import http from 'node:http';
import { API_CORS_HEADERS, PREFLIGHT_HEADERS, sendJson } from './responses.mjs';
import { COLLECT_PATHS, handleCollect } from './ingest.mjs';
import { clearRecords, defaultOutFile, prepareOutFile } from './store.mjs';
import { broadcastClear, closeStreams, openStream } from './stream.mjs';
import { addRule, clearRules, injectFailure, injectRule, setDelay, setFault } from './faults.mjs';
import { defaultMounts, handleStatic, normalizeMounts } from './static.mjs';
import { openWarehouse } from './warehouse.mjs';
import { kpis } from './kpis.mjs';

const HOST = '127.0.0.1';

/**
 * Start a collector.
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port.
 * @param {string} [options.out] NDJSON file to append batches to (default: in os.tmpdir()).
 * @param {{prefix: string, dir: string, headers?: object}[]} [options.mounts] static mounts.
 * @param {boolean} [options.quiet=true] suppress per-request logging on stderr.
 * @param {object} [options.headers] extra headers added to every static response.
 */
export async function startCollector({ port = 0, out, mounts, quiet = true, headers, duckdb = true } = {}) {
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
    /** Removes every fault rule (hung requests are dropped). */
    clearFaults() {
      clearRules(ctx);
    },
    /** The DuckDB side: `{ file, error, query(sql), exportParquet(file), settled() }`, or null. */
    warehouse: ctx.warehouse,
    close() {
      clearRules(ctx);
      closing ??= closeServer(ctx, server).then(async () => {
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

  if (COLLECT_PATHS.has(pathname)) return handleCollect(ctx, req, res, pathname);
  if (pathname === '/collector' || pathname.startsWith('/collector/')) {
    return handleCollectorApi(ctx, req, res, pathname, query);
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

const API_ROUTES = {
  'GET /collector/batches': (ctx, req, res) => sendJson(res, 200, ctx.records, API_CORS_HEADERS),
  // SELECT over the events table (the dashboard's queries; 127.0.0.1 only).
  'GET /collector/sql': async (ctx, req, res, query) => {
    if (!ctx.warehouse || ctx.warehouse.error) return sendJson(res, 503, { error: ctx.warehouse?.error ?? 'no database' }, API_CORS_HEADERS);
    const sql = String(query.get('q') ?? '');
    if (!/^\s*(select|with|describe|summarize)\b/i.test(sql)) return sendJson(res, 400, { error: 'only SELECT, WITH, DESCRIBE or SUMMARIZE' }, API_CORS_HEADERS);
    try {
      sendJson(res, 200, await ctx.warehouse.query(sql), API_CORS_HEADERS);
    } catch (e) {
      sendJson(res, 400, { error: String(e.message).split('\n')[0] }, API_CORS_HEADERS);
    }
  },
  'GET /collector/kpis': async (ctx, req, res) => {
    if (!ctx.warehouse || ctx.warehouse.error) return sendJson(res, 503, { error: ctx.warehouse?.error ?? 'no database' }, API_CORS_HEADERS);
    try {
      sendJson(res, 200, await kpis(ctx.warehouse), API_CORS_HEADERS);
    } catch (e) {
      sendJson(res, 500, { error: String(e.message).split('\n')[0] }, API_CORS_HEADERS);
    }
  },
  'GET /collector/rejected': (ctx, req, res) => sendJson(res, 200, ctx.rejected, API_CORS_HEADERS),
  'GET /collector/stats': (ctx, req, res) =>
    sendJson(res, 200, { file: ctx.file, stats: ctx.stats, pending: ctx.fault }, API_CORS_HEADERS),
  'GET /collector/stream': (ctx, req, res) => openStream(ctx, req, res),
  'POST /collector/clear': (ctx, req, res) => handleClear(ctx, req, res),
  'POST /collector/fail': (ctx, req, res, query) => injectFailure(ctx, req, res, query),
  'POST /collector/fault': (ctx, req, res, query) => injectRule(ctx, req, res, query),
};

function handleCollectorApi(ctx, req, res, pathname, query) {
  const route = API_ROUTES[`${req.method} ${pathname}`];
  if (route) return route(ctx, req, res, query);

  if (req.method === 'OPTIONS') {
    res.writeHead(204, { ...API_CORS_HEADERS, ...PREFLIGHT_HEADERS, 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS' });
    res.end();
    return;
  }
  const allowed = Object.keys(API_ROUTES)
    .filter((key) => key.endsWith(` ${pathname}`))
    .map((key) => key.split(' ')[0]);
  if (allowed.length > 0) {
    const headers = { ...API_CORS_HEADERS, Allow: allowed.join(', ') };
    sendJson(res, 405, { error: `method ${req.method} not allowed; use ${allowed.join(' or ')}` }, headers);
    return;
  }
  sendJson(res, 404, { error: `no collector endpoint at ${pathname}` }, API_CORS_HEADERS);
}

/** POST /collector/clear: empty memory (not the file) and tell the open streams. */
function handleClear(ctx, req, res) {
  req.resume();
  const cleared = clearRecords(ctx);
  broadcastClear(ctx, cleared);
  ctx.log(`cleared ${cleared.records} record(s), ${cleared.rejected} rejection(s)`);
  sendJson(res, 200, { ok: true, cleared }, API_CORS_HEADERS);
}
