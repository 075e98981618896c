// Kizuna local collector — a tiny, dependency-free HTTP server for development.
//
// It receives analytics batches the way real backends would (Segment, RudderStack,
// Snowplow and Kizuna's own /collect path), validates them, appends every accepted
// batch as one line to an NDJSON file, streams them live over Server-Sent Events,
// and serves the demo page plus the Kizuna JS/WASM bundle as static files.
//
// Run it:
//   node www/collector.mjs [--port 8080] [--out FILE] [--mount /prefix/=DIR ...] [--quiet]
//   (default mounts: / → www/, /kizuna/ → js/ (npm package), /dist/ → dist/ (script tag))
//
// Or use it from tests:
//   import { startCollector } from './www/collector.mjs';
//   const c = await startCollector({ port: 0 });   // c.url, c.records, c.failNext(503, 2), await c.close()
//
// It listens on 127.0.0.1 only. Endpoints:
//   POST /collect, /v1/batch, /beacon/v1/batch, /com.snowplowanalytics.snowplow/tp2
//   GET  /collector/batches | /collector/rejected | /collector/stream (SSE) | /collector/stats
//   POST /collector/clear | /collector/fail?status=503&count=2&retryAfter=1
//   GET/HEAD anything else → static files from the mounts (longest prefix wins)

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1024 * 1024; // 1 MiB
const HARD_DRAIN_LIMIT = 16 * MAX_BODY_BYTES; // stop draining oversized bodies past this
const SSE_PING_MS = 15_000;
const MAX_REJECTED_KEPT = 1000;

const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url));

const SNOWPLOW_PATH = '/com.snowplowanalytics.snowplow/tp2';
const COLLECT_PATHS = new Set(['/collect', '/v1/batch', '/beacon/v1/batch', SNOWPLOW_PATH]);
const ACCEPTED_BODY_TYPES = new Set(['text/plain', 'application/json']);

const COLLECT_CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After',
};
const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '600',
};
const API_CORS_HEADERS = { 'Access-Control-Allow-Origin': '*' };

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
};

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Start a collector.
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port.
 * @param {string} [options.out] NDJSON file to append batches to (default: in os.tmpdir()).
 * @param {{prefix: string, dir: string, headers?: object}[]} [options.mounts] static mounts.
 * @param {boolean} [options.quiet=true] suppress per-request logging on stderr.
 * @param {object} [options.headers] extra headers added to every static response.
 */
export async function startCollector({ port = 0, out, mounts, quiet = true, headers } = {}) {
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
    sseClients: new Set(),
    log: quiet ? () => {} : (msg) => console.error(`[collector] ${msg}`),
  };

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
      ctx.delay = count > 0 ? { ms: Number(ms), remaining: Number(count) } : null;
    },
    close() {
      closing ??= closeServer(ctx, server);
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------
// Setup helpers
// ---------------------------------------------------------------------------

function defaultOutFile() {
  const stamp = new Date().toISOString().replace(/:/g, '-');
  const base = path.join(os.tmpdir(), `kizuna-collector-${stamp}-${process.pid}`);
  let candidate = `${base}.ndjson`;
  for (let n = 2; fs.existsSync(candidate); n++) candidate = `${base}-${n}.ndjson`;
  return candidate;
}

function defaultMounts() {
  return [
    { prefix: '/', dir: SCRIPT_DIR },
    // The npm package (ES module entry) and the script-tag distribution.
    { prefix: '/kizuna/', dir: path.resolve(SCRIPT_DIR, '../js') },
    { prefix: '/dist/', dir: path.resolve(SCRIPT_DIR, '../dist') },
  ];
}

/** Create the file (and its directory) if needed, without truncating it. */
function prepareOutFile(out) {
  const file = path.resolve(out);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, '');
  return file;
}

function normalizeMounts(mounts) {
  return mounts
    .map((m) => ({
      prefix: normalizePrefix(m.prefix),
      dir: path.resolve(m.dir),
      headers: { ...(m.headers ?? {}) },
    }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

function normalizePrefix(prefix) {
  let p = String(prefix || '/');
  if (!p.startsWith('/')) p = `/${p}`;
  if (!p.endsWith('/')) p = `${p}/`;
  return p;
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
  for (const client of ctx.sseClients) client.close();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

function setFault(ctx, status, count, headers) {
  const code = Number(status);
  const n = Number(count);
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new RangeError(`failNext: status must be an HTTP status code, got ${status}`);
  }
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`failNext: count must be a non-negative integer, got ${count}`);
  }
  ctx.fault = n > 0 ? { status: code, remaining: n, headers: { ...(headers ?? {}) } } : null;
}

/** Consume one injected failure, if any is pending. */
function takeFault(ctx) {
  const fault = ctx.fault;
  if (!fault) return null;
  fault.remaining -= 1;
  if (fault.remaining <= 0) ctx.fault = null;
  return fault;
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

function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

// ---------------------------------------------------------------------------
// Collecting
// ---------------------------------------------------------------------------

async function handleCollect(ctx, req, res, pathname) {
  if (req.method === 'OPTIONS') {
    ctx.stats.preflights++;
    res.writeHead(204, { ...COLLECT_CORS_HEADERS, ...PREFLIGHT_HEADERS });
    res.end();
    return;
  }
  if (req.method !== 'POST') {
    const headers = { ...COLLECT_CORS_HEADERS, Allow: 'POST, OPTIONS' };
    sendJson(res, 405, { error: `method ${req.method} not allowed on ${pathname}; use POST` }, headers);
    return;
  }

  ctx.stats.requests++;
  let body;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    ctx.stats.aborted++;
    ctx.log(`POST ${pathname}: client went away mid-body (${err.message})`);
    return;
  }

  const fault = takeFault(ctx);
  if (fault) {
    ctx.stats.failed++;
    ctx.log(`POST ${pathname} → ${fault.status} (injected failure)`);
    const headers = { ...COLLECT_CORS_HEADERS, ...fault.headers };
    sendJson(res, fault.status, { error: `injected failure (status ${fault.status})` }, headers);
    return;
  }

  const contentType = req.headers['content-type'] ?? null;
  const problem = checkRequest(pathname, contentType, body);
  if (problem) {
    rejectBatch(ctx, req, res, pathname, problem);
    return;
  }

  const record = makeRecord(ctx, req, pathname, body);
  try {
    fs.appendFileSync(ctx.file, `${JSON.stringify(record)}\n`);
  } catch (err) {
    ctx.seq--;
    console.error(`[collector] cannot write ${ctx.file}: ${err.message}`);
    sendJson(res, 500, { error: `cannot write batch file: ${err.message}` }, COLLECT_CORS_HEADERS);
    return;
  }
  ctx.records.push(record);
  broadcast(ctx, record);
  ctx.log(`#${record.seq} POST ${pathname} ${body.count} event(s), ${record.bytes} B`);
  const delay = ctx.delay;
  if (delay) {
    if (--delay.remaining <= 0) ctx.delay = null;
    await new Promise((resolve) => setTimeout(resolve, delay.ms));
  }
  sendJson(res, 200, { ok: true, received: body.count }, COLLECT_CORS_HEADERS);
}

/**
 * Read a request body. Bodies over `limit` are drained (not buffered) and flagged
 * tooLarge, so the client still gets a clean 413. Rejects if the client aborts.
 */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      fn(value);
    };
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > HARD_DRAIN_LIMIT) {
        req.pause();
        finish(resolve, { buffer: null, size, tooLarge: true, gaveUp: true });
      }
    });
    req.on('end', () => {
      const tooLarge = size > limit;
      finish(resolve, { buffer: tooLarge ? null : Buffer.concat(chunks), size, tooLarge });
    });
    req.on('error', (err) => finish(reject, err));
    req.on('close', () => {
      if (!req.complete) finish(reject, new Error('request aborted'));
    });
  });
}

/**
 * Validate content type, size and shape. On success, sets body.json and body.count
 * and returns null; otherwise returns { status, reason }.
 */
function checkRequest(pathname, contentType, body) {
  if (body.tooLarge) {
    return {
      status: 413,
      reason: `body is ${body.size} bytes; the limit is ${MAX_BODY_BYTES} bytes (1 MiB)`,
      closeConnection: Boolean(body.gaveUp),
    };
  }
  const mediaType = contentType ? contentType.split(';')[0].trim().toLowerCase() : null;
  if (mediaType && !ACCEPTED_BODY_TYPES.has(mediaType)) {
    return {
      status: 415,
      reason: `content-type ${mediaType} not accepted; send text/plain or application/json`,
    };
  }
  const parsed = parseJson(body.buffer);
  if (parsed.error) return { status: 400, reason: parsed.error };

  const shapeError =
    pathname === SNOWPLOW_PATH ? validateSnowplow(parsed.value) : validateBatch(parsed.value);
  if (shapeError) return { status: 400, reason: shapeError };

  body.json = parsed.value;
  body.count = pathname === SNOWPLOW_PATH ? parsed.value.data.length : parsed.value.batch.length;
  return null;
}

function parseJson(buffer) {
  const text = buffer.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return { error: 'body is empty; expected a JSON object' };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `body is not JSON: ${err.message}` };
  }
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  return `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Segment/RudderStack/Kizuna shape: { batch: [{ type: string, ... }, ...] }. */
function validateBatch(value) {
  if (!isPlainObject(value)) {
    return `body must be a JSON object with a "batch" array, got ${describe(value)}`;
  }
  if (!('batch' in value)) return 'body has no "batch" field; batch must be a non-empty array';
  const { batch } = value;
  if (!Array.isArray(batch) || batch.length === 0) {
    return `batch must be a non-empty array, got ${describe(batch)}`;
  }
  for (let i = 0; i < batch.length; i++) {
    if (!isPlainObject(batch[i])) return `batch[${i}] must be an object, got ${describe(batch[i])}`;
    if (typeof batch[i].type !== 'string') {
      return `batch[${i}].type must be a string, got ${describe(batch[i].type)}`;
    }
  }
  return null;
}

/** Snowplow tp2 shape: { schema: string, data: [{...}, ...] }. */
function validateSnowplow(value) {
  if (!isPlainObject(value)) {
    return `body must be a JSON object with "schema" and "data", got ${describe(value)}`;
  }
  if (typeof value.schema !== 'string') {
    return `schema must be a string, got ${describe(value.schema)}`;
  }
  if (!Array.isArray(value.data)) return `data must be an array, got ${describe(value.data)}`;
  const bad = value.data.findIndex((item) => !isPlainObject(item));
  if (bad !== -1) return `data[${bad}] must be an object, got ${describe(value.data[bad])}`;
  return null;
}

function rejectBatch(ctx, req, res, pathname, problem) {
  ctx.stats.rejected++;
  ctx.rejected.push({
    at: new Date().toISOString(),
    path: pathname,
    status: problem.status,
    reason: problem.reason,
    contentType: req.headers['content-type'] ?? null,
    userAgent: req.headers['user-agent'] ?? null,
  });
  if (ctx.rejected.length > MAX_REJECTED_KEPT) ctx.rejected.shift();
  ctx.log(`POST ${pathname} → ${problem.status}: ${problem.reason}`);
  const headers = problem.closeConnection
    ? { ...COLLECT_CORS_HEADERS, Connection: 'close' }
    : COLLECT_CORS_HEADERS;
  sendJson(res, problem.status, { error: problem.reason }, headers);
}

function makeRecord(ctx, req, pathname, body) {
  ctx.seq += 1;
  return {
    seq: ctx.seq,
    receivedAt: new Date().toISOString(),
    path: pathname,
    contentType: req.headers['content-type'] ?? null,
    userAgent: req.headers['user-agent'] ?? null,
    bytes: body.size,
    body: body.json,
  };
}

// ---------------------------------------------------------------------------
// /collector/* viewing and control API
// ---------------------------------------------------------------------------

const API_ROUTES = {
  'GET /collector/batches': (ctx, req, res) => sendJson(res, 200, ctx.records, API_CORS_HEADERS),
  'GET /collector/rejected': (ctx, req, res) => sendJson(res, 200, ctx.rejected, API_CORS_HEADERS),
  'GET /collector/stats': (ctx, req, res) =>
    sendJson(res, 200, { file: ctx.file, stats: ctx.stats, pending: ctx.fault }, API_CORS_HEADERS),
  'GET /collector/stream': (ctx, req, res) => openStream(ctx, req, res),
  'POST /collector/clear': (ctx, req, res) => clearRecords(ctx, req, res),
  'POST /collector/fail': (ctx, req, res, query) => injectFailure(ctx, req, res, query),
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

function clearRecords(ctx, req, res) {
  req.resume();
  const cleared = { records: ctx.records.length, rejected: ctx.rejected.length };
  ctx.records.length = 0;
  ctx.rejected.length = 0;
  for (const client of ctx.sseClients) client.send('clear', JSON.stringify(cleared));
  ctx.log(`cleared ${cleared.records} record(s), ${cleared.rejected} rejection(s)`);
  sendJson(res, 200, { ok: true, cleared }, API_CORS_HEADERS);
}

function injectFailure(ctx, req, res, query) {
  req.resume();
  const status = Number(query.get('status') ?? 503);
  const count = Number(query.get('count') ?? 1);
  const retryAfter = query.get('retryAfter');
  const headers = retryAfter !== null ? { 'Retry-After': retryAfter } : {};
  try {
    setFault(ctx, status, count, headers);
  } catch (err) {
    sendJson(res, 400, { error: err.message }, API_CORS_HEADERS);
    return;
  }
  ctx.log(`next ${count} collect request(s) will answer ${status}`);
  sendJson(res, 200, { ok: true, status, count, headers }, API_CORS_HEADERS);
}

/** Server-Sent Events: replay existing records, then push new ones as they arrive. */
function openStream(ctx, req, res) {
  res.writeHead(200, {
    ...API_CORS_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n: connected\n\n');

  const client = {
    send(event, data, id) {
      if (res.writableEnded || res.destroyed) return;
      res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`);
    },
    close() {
      cleanup();
      if (!res.writableEnded) res.end();
    },
  };
  const ping = setInterval(() => {
    if (!res.writableEnded && !res.destroyed) res.write(': ping\n\n');
  }, SSE_PING_MS);
  ping.unref();

  let cleaned = false;
  function cleanup() {
    if (cleaned) return;
    cleaned = true;
    clearInterval(ping);
    ctx.sseClients.delete(client);
    ctx.stats.streams = ctx.sseClients.size;
  }
  res.on('close', cleanup);

  for (const record of ctx.records) client.send('batch', JSON.stringify(record), record.seq);
  ctx.sseClients.add(client);
  ctx.stats.streams = ctx.sseClients.size;
}

function broadcast(ctx, record) {
  const data = JSON.stringify(record);
  for (const client of ctx.sseClients) client.send('batch', data, record.seq);
}

// ---------------------------------------------------------------------------
// Static files
// ---------------------------------------------------------------------------

async function handleStatic(ctx, req, res, pathname, query) {
  const search = query.toString() ? `?${query}` : '';
  const baseHeaders = { ...ctx.staticHeaders };

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, 'method not allowed\n', { ...baseHeaders, Allow: 'GET, HEAD' });
    return;
  }

  // "/kizuna" → "/kizuna/" so relative URLs inside the mount resolve.
  if (ctx.mounts.some((m) => m.prefix === `${pathname}/`)) {
    redirect(req, res, `${pathname}/${search}`, baseHeaders);
    return;
  }

  const mount = ctx.mounts.find((m) => pathname.startsWith(m.prefix));
  if (!mount) {
    sendText(req, res, 404, 'not found\n', baseHeaders);
    return;
  }
  const headers = { ...baseHeaders, ...mount.headers };

  const resolved = resolveInMount(mount, pathname.slice(mount.prefix.length));
  if (resolved.error) {
    sendText(req, res, resolved.status, `${resolved.error}\n`, headers);
    return;
  }

  let filePath = resolved.filePath;
  let stat = await statOrNull(filePath);
  if (stat?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      redirect(req, res, `${pathname}/${search}`, headers);
      return;
    }
    filePath = path.join(filePath, 'index.html');
    stat = await statOrNull(filePath);
  }
  if (!stat?.isFile()) {
    sendText(req, res, 404, 'not found\n', headers);
    return;
  }
  sendFile(ctx, req, res, filePath, stat, headers);
}

/** Decode and normalize a path below a mount; refuse anything escaping the mount dir. */
function resolveInMount(mount, rest) {
  let decoded;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return { status: 400, error: 'bad percent-encoding in path' };
  }
  if (decoded.includes('\0')) return { status: 400, error: 'bad path' };
  const filePath = path.resolve(mount.dir, `.${path.sep}${decoded}`);
  if (filePath !== mount.dir && !filePath.startsWith(mount.dir + path.sep)) {
    return { status: 403, error: 'forbidden' };
  }
  return { filePath };
}

async function statOrNull(filePath) {
  try {
    return await fs.promises.stat(filePath);
  } catch {
    return null;
  }
}

function contentTypeFor(filePath) {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

function sendFile(ctx, req, res, filePath, stat, headers) {
  res.writeHead(200, {
    'Content-Type': contentTypeFor(filePath),
    'Content-Length': stat.size,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = fs.createReadStream(filePath);
  stream.on('error', (err) => {
    ctx.log(`read error on ${filePath}: ${err.message}`);
    res.destroy();
  });
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

function sendText(req, res, status, text, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function redirect(req, res, location, headers) {
  sendText(req, res, 301, `moved to ${location}\n`, { ...headers, Location: location });
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

const USAGE = `usage: node www/collector.mjs [--port 8080] [--out FILE] [--mount /prefix/=DIR ...] [--quiet]

  --port N              port on 127.0.0.1 (default 8080; 0 picks a free one)
  --out FILE            NDJSON file batches are appended to (default: in ${os.tmpdir()})
  --mount /prefix/=DIR  serve DIR under /prefix/ (repeatable; replaces the defaults
                        "/"=www/ and "/kizuna/"=js/)
  --quiet               do not log requests to stderr`;

export function parseArgs(argv) {
  const opts = { port: 8080, out: undefined, mounts: [], quiet: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? splitFlag(argv[i]) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': opts.port = parsePort(value()); break;
      case '--out': opts.out = path.resolve(value()); break;
      case '--mount': opts.mounts.push(parseMount(value())); break;
      case '--quiet': opts.quiet = true; break;
      case '--help': case '-h': opts.help = true; break;
      default: throw new Error(`unknown argument: ${argv[i]}`);
    }
  }
  return opts;
}

function splitFlag(arg) {
  const eq = arg.indexOf('=');
  return eq === -1 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

function parsePort(text) {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port: ${text}`);
  return port;
}

function parseMount(text) {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new Error(`--mount expects /prefix/=DIR, got ${text}`);
  return { prefix: text.slice(0, eq), dir: path.resolve(text.slice(eq + 1)) };
}

async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }

  process.on('uncaughtException', (err) => console.error(`[collector] uncaught: ${err?.stack ?? err}`));
  process.on('unhandledRejection', (err) => console.error(`[collector] unhandled: ${err?.stack ?? err}`));

  let collector;
  try {
    collector = await startCollector({
      port: opts.port,
      out: opts.out,
      mounts: opts.mounts.length > 0 ? opts.mounts : undefined,
      quiet: opts.quiet,
    });
  } catch (err) {
    const hint = err.code === 'EADDRINUSE' ? ` (port ${opts.port} is in use; try --port 0)` : '';
    console.error(`[collector] cannot start: ${err.message}${hint}`);
    process.exit(1);
  }

  console.log(`Kizuna collector listening on ${collector.url}/`);
  console.log(`Writing batches to ${collector.file}`);

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) process.exit(1); // second signal: give up waiting
    stopping = true;
    if (!opts.quiet) console.error(`[collector] ${signal}: shutting down`);
    await collector.close();
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
