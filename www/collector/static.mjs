// Static files for GET/HEAD on any path that is not a collect endpoint or
// /collector/*: the demo pages, the npm package and the script-tag build.
//
// Why a file of its own: serving files safely is its own concern — mounts (the
// longest prefix wins), a path that cannot climb out of its mount, the content
// types browsers insist on (application/wasm for streaming compilation,
// text/javascript for modules), per-mount headers such as a strict CSP.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// This file is www/collector/static.mjs; the default mounts are relative to www/.
const WWW_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

/** / → www/, /kizuna/ → js/ (the npm package, ES module entry), /dist/ → dist/ (script tag). */
export function defaultMounts() {
  return [
    { prefix: '/', dir: WWW_DIR },
    // The npm package (ES module entry) and the script-tag distribution.
    { prefix: '/kizuna/', dir: path.resolve(WWW_DIR, '../js') },
    { prefix: '/dist/', dir: path.resolve(WWW_DIR, '../dist') },
    // The dashboard's chart library.
    { prefix: '/vendor/uplot/', dir: path.resolve(WWW_DIR, '../node_modules/uplot/dist') },
  ];
}

/** Absolute dirs, "/prefix/" prefixes, longest prefix first (so it wins). */
export function normalizeMounts(mounts) {
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

export async function handleStatic(ctx, req, res, pathname, query) {
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
    // Asked again every time (a rebuild shows at once), yet storable: a
    // no-store page is never kept in the back/forward cache, and how a
    // restored page behaves is part of what the demo and the tests show.
    'Cache-Control': 'no-cache',
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
