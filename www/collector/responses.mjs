// JSON responses and the CORS headers every part of the collector answers with.
//
// Why a file of its own: the collect endpoints, the /collector/* API and the fault
// control all answer in the same JSON shape with the same CORS headers, and keeping
// them here lets those modules share them without importing one another.

export const COLLECT_CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Retry-After',
};
export const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '600',
};
export const API_CORS_HEADERS = { 'Access-Control-Allow-Origin': '*' };

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
