// JSON responses, and the CORS headers of the collect endpoints.
//
// Why a file of its own: the collect endpoints, the /collector/* API and the fault
// control all answer in the same JSON shape, and keeping it here lets those modules
// share it without importing one another. Only the collect endpoints answer other
// origins (any site may send events); /collector/* is same-origin (guard.mjs) and
// sends no CORS headers at all.

export const COLLECT_CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After',
};
export const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '600',
};

/** Answers `value` as JSON, never cached, with `headers` added. */
export function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}
