// Fault injection: make the next collect requests fail (failNext, or
// POST /collector/fail?status=503&count=2&retryAfter=1, which sets Retry-After) or
// answer late (delayNext), so retries and backoff can be tested against a real server.
//
// Why a file of its own: it is test control, not collecting; the collect path only
// asks "is a failure or a delay pending?" and this file answers and counts them down.
//
// State lives on the collector's ctx: ctx.fault, ctx.delay, ctx.rules and ctx.hung.

import { sendJson } from './responses.mjs';

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
    sendJson(res, 400, { error: err.message });
    return;
  }
  ctx.log(`next ${count} collect request(s) will answer ${status}`);
  sendJson(res, 200, { ok: true, status, count, headers });
}

// Fault rules, for the reliability tests: each rule applies to every `every`th
// collect request (counted from when it was set, at most `count` times) and
// answers it in its `mode`:
//   status  answer `status` (429 and 503 may carry Retry-After: `retryAfter` s)
//   reset   read the body, then drop the connection without an answer
//   refuse  drop the connection before reading anything
//   hang    read the body and never answer (until `ms` passes, then drop)
// A request no rule takes is collected normally. Nothing a rule takes is recorded.
const MODES = new Set(['status', 'reset', 'refuse', 'hang']);

/** Adds a rule; returns it. Throws RangeError on a bad one. */
export function addRule(ctx, { mode = 'status', status = 503, retryAfter, every = 1, count = Infinity, ms = Infinity } = {}) {
  if (!MODES.has(mode)) throw new RangeError(`fault: mode must be one of ${[...MODES].join(', ')}, got ${mode}`);
  const n = Number(every);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`fault: every must be a positive integer, got ${every}`);
  const code = Number(status);
  if (mode === 'status' && (!Number.isInteger(code) || code < 100 || code > 599)) {
    throw new RangeError(`fault: status must be an HTTP status code, got ${status}`);
  }
  const rule = { mode, status: code, every: n, remaining: Number(count), ms: Number(ms), seen: 0, taken: 0,
    headers: retryAfter !== undefined && retryAfter !== null ? { 'Retry-After': String(retryAfter) } : {} };
  ctx.rules.push(rule);
  return rule;
}

/** Removes every rule and lets hung requests go (their connections are dropped). */
export function clearRules(ctx) {
  ctx.rules.length = 0;
  for (const req of ctx.hung) req.socket.destroy();
  ctx.hung.clear();
}

/** The rule that takes this request, if any (every rule counts every request). */
export function takeRule(ctx) {
  let taken = null;
  for (const rule of ctx.rules) {
    rule.seen++;
    if (!taken && rule.remaining > 0 && rule.seen % rule.every === 0) {
      rule.remaining--;
      rule.taken++;
      taken = rule;
    }
  }
  return taken;
}

/** Carries out `rule` on a request whose body was read (or not, for `refuse`). */
export function applyRule(ctx, rule, req, res, headers) {
  ctx.stats.failed++;
  if (rule.mode === 'status') {
    sendJson(res, rule.status, { error: `injected failure (status ${rule.status})` }, { ...headers, ...rule.headers });
  } else if (rule.mode === 'hang') {
    ctx.hung.add(req);
    if (Number.isFinite(rule.ms)) setTimeout(() => { ctx.hung.delete(req); req.socket.destroy(); }, rule.ms);
  } else {
    req.socket.destroy();
  }
}

/** POST /collector/fault?mode=reset&every=3&count=10&status=503&retryAfter=2&ms=30000, or ?clear */
export function injectRule(ctx, req, res, query) {
  req.resume();
  if (query.has('clear')) {
    clearRules(ctx);
    sendJson(res, 200, { ok: true, rules: 0 });
    return;
  }
  const num = (k) => (query.has(k) ? Number(query.get(k)) : undefined);
  try {
    const rule = addRule(ctx, { mode: query.get('mode') ?? undefined, status: num('status'), retryAfter: query.get('retryAfter'),
      every: num('every'), count: num('count'), ms: num('ms') });
    ctx.log(`fault rule: ${rule.mode} every ${rule.every}`);
    sendJson(res, 200, { ok: true, rules: ctx.rules.length });
  } catch (err) {
    sendJson(res, 400, { error: err.message });
  }
}
