// Who may talk to the collector: checks run before any route does its work.
//
// Why a file of its own: the collector runs on the developer's machine and can
// query (and, before these checks, write) the developer's files, so no web page
// the developer happens to have open may drive it. Three rules, one place:
//   1. Host: only the collector's own names (127.0.0.1, localhost, [::1] with its
//      port). A rebound DNS name (evil.example → 127.0.0.1) reaches the socket but
//      carries its own Host header, so every route refuses it (DNS rebinding).
//   2. /collector/* is same-origin only: an Origin header other than the
//      collector's own, or Fetch Metadata saying the request came from another
//      site, is refused; answers carry no Access-Control-Allow-Origin, so other
//      origins cannot read them either.
//   3. The state-changing routes (POST /collector/clear, /fail, /fault) also need
//      the X-Kizuna-Collector header: a <form> or a no-cors fetch cannot send a
//      custom header, and the CORS preflight a cross-origin fetch would need is
//      never granted.
// The collect endpoints keep answering any origin (ingest.mjs): that is what a
// collector is for, and rule 1 still applies to them.

/** The header the state-changing /collector/* routes need (value "1"). */
export const CONTROL_HEADER = 'X-Kizuna-Collector';

const LOCAL_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The request's Host, lowercased, if it names this collector (one of
 * LOCAL_NAMES with the port the request arrived on); otherwise null.
 * The port comes from the socket, so it is right even before listen() returns.
 */
export function ownHost(req) {
  const host = String(req.headers.host ?? '').toLowerCase();
  const port = req.socket?.localPort;
  if (!host || !port) return null;
  const allowed = LOCAL_NAMES.map((name) => `${name}:${port}`);
  // Browsers leave the default port out of Host.
  if (port === 80) allowed.push(...LOCAL_NAMES);
  return allowed.includes(host) ? host : null;
}

/**
 * Why a /collector/* request must be refused as cross-origin, or null.
 * `host` is the request's own (checked) Host: the page the dashboard runs in
 * has origin `http://<host>`. Fetch Metadata `none` is the address bar.
 */
export function crossOriginReason(req, host) {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return `requests from origin ${String(origin).slice(0, 100)} are refused: /collector/* is same-origin only`;
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `${String(site).slice(0, 20)} requests are refused: /collector/* is same-origin only`;
  }
  return null;
}

/** Why a state-changing /collector/* request must be refused (no control header), or null. */
export function controlReason(req) {
  if (req.headers[CONTROL_HEADER.toLowerCase()] === '1') return null;
  return `${req.method} ${req.url.split('?')[0]} needs the header ${CONTROL_HEADER}: 1`;
}
