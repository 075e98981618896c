// Fault injection: make the next collect requests fail (failNext, or
// POST /collector/fail?status=503&count=2&retryAfter=1, which sets Retry-After) or
// answer late (delayNext), so retries and backoff can be tested against a real server.
//
// Why a file of its own: it is test control, not collecting; the collect path only
// asks "is a failure or a delay pending?" and this file answers and counts them down.
//
// State lives on the collector's ctx: ctx.fault and ctx.delay.

import { API_CORS_HEADERS, sendJson } from './responses.mjs';

/** Arm `count` failures with `status` (count 0 disarms). Throws RangeError on bad input. */
export function setFault(ctx, status, count, headers) {
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
export function takeFault(ctx) {
  const fault = ctx.fault;
  if (!fault) return null;
  fault.remaining -= 1;
  if (fault.remaining <= 0) ctx.fault = null;
  return fault;
}

/** Answer the next `count` batches `ms` late (count 0 disarms). */
export function setDelay(ctx, ms, count) {
  ctx.delay = count > 0 ? { ms: Number(ms), remaining: Number(count) } : null;
}

/** Consume one injected delay, if any is pending. */
export function takeDelay(ctx) {
  const delay = ctx.delay;
  if (!delay) return null;
  if (--delay.remaining <= 0) ctx.delay = null;
  return delay;
}

/** POST /collector/fail?status=503&count=1&retryAfter=2 */
export function injectFailure(ctx, req, res, query) {
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
