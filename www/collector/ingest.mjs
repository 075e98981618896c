// The collect endpoints: POST /collect (Kizuna), /v1/batch and /beacon/v1/batch
// (Segment, RudderStack) and /com.snowplowanalytics.snowplow/tp2 (Snowplow).
//
// Why a file of its own: this is what a real backend would do with a batch —
// read the body within the size limit, check its content type and shape, then
// accept it (store it, stream it, answer 200) or reject it with the reason — and
// it is the part tests assert on most, so it reads top to bottom in one place.

import { COLLECT_CORS_HEADERS, PREFLIGHT_HEADERS, sendJson } from './responses.mjs';

// The collect endpoints' CORS headers; none where a test plays a collector
// that sends none (ctx.cors false).
const corsOf = (ctx) => (ctx.cors === false ? {} : COLLECT_CORS_HEADERS);
import { addRecord, addRejection } from './store.mjs';
import { broadcast } from './stream.mjs';
import { applyRule, takeDelay, takeFault, takeRule } from './faults.mjs';

const MAX_BODY_BYTES = 1024 * 1024; // 1 MiB
const HARD_DRAIN_LIMIT = 16 * MAX_BODY_BYTES; // stop draining oversized bodies past this

const SNOWPLOW_PATH = '/com.snowplowanalytics.snowplow/tp2';
export const COLLECT_PATHS = new Set(['/collect', '/v1/batch', '/beacon/v1/batch', SNOWPLOW_PATH]);
const ACCEPTED_BODY_TYPES = new Set(['text/plain', 'application/json']);

export async function handleCollect(ctx, req, res, pathname) {
  if (req.method === 'OPTIONS') {
    ctx.stats.preflights++;
    res.writeHead(204, { ...corsOf(ctx), ...PREFLIGHT_HEADERS });
    res.end();
    return;
  }
  if (req.method !== 'POST') {
    const headers = { ...corsOf(ctx), Allow: 'POST, OPTIONS' };
    sendJson(res, 405, { error: `method ${req.method} not allowed on ${pathname}; use POST` }, headers);
    return;
  }

  ctx.stats.requests++;
  const rule = takeRule(ctx);
  if (rule && rule.mode === 'refuse') {
    applyRule(ctx, rule, req, res, corsOf(ctx));
    return;
  }
  let body;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    ctx.stats.aborted++;
    ctx.log(`POST ${pathname}: client went away mid-body (${err.message})`);
    return;
  }

  if (rule) {
    ctx.log(`POST ${pathname} → ${rule.mode} (fault rule)`);
    applyRule(ctx, rule, req, res, corsOf(ctx));
    return;
  }
  const fault = takeFault(ctx);
  if (fault) {
    ctx.stats.failed++;
    ctx.log(`POST ${pathname} → ${fault.status} (injected failure)`);
    const headers = { ...corsOf(ctx), ...fault.headers };
    sendJson(res, fault.status, { error: `injected failure (status ${fault.status})` }, headers);
    return;
  }

  const contentType = req.headers['content-type'] ?? null;
  const problem = checkRequest(pathname, contentType, body);
  if (problem) {
    rejectBatch(ctx, req, res, pathname, problem);
    return;
  }

  let record;
  try {
    record = addRecord(ctx, {
      path: pathname,
      contentType,
      userAgent: req.headers['user-agent'] ?? null,
      bytes: body.size,
      body: body.json,
    });
  } catch (err) {
    console.error(`[collector] cannot write ${ctx.file}: ${err.message}`);
    sendJson(res, 500, { error: `cannot write batch file: ${err.message}` }, corsOf(ctx));
    return;
  }
  broadcast(ctx, record);
  ctx.log(`#${record.seq} POST ${pathname} ${body.count} event(s), ${record.bytes} B`);
  const delay = takeDelay(ctx);
  if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms));
  sendJson(res, 200, { ok: true, received: body.count }, corsOf(ctx));
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
  addRejection(ctx, {
    at: new Date().toISOString(),
    path: pathname,
    status: problem.status,
    reason: problem.reason,
    contentType: req.headers['content-type'] ?? null,
    userAgent: req.headers['user-agent'] ?? null,
  });
  ctx.log(`POST ${pathname} → ${problem.status}: ${problem.reason}`);
  const headers = problem.closeConnection
    ? { ...corsOf(ctx), Connection: 'close' }
    : corsOf(ctx);
  sendJson(res, problem.status, { error: problem.reason }, headers);
}
