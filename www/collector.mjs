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
// It listens on 127.0.0.1 only, and answers only requests whose Host names it
// (127.0.0.1, localhost or [::1] with its port). Endpoints:
//   POST /collect, /v1/batch, /beacon/v1/batch, /com.snowplowanalytics.snowplow/tp2 (any origin)
//   GET  /collector/batches | /collector/rejected | /collector/stream (SSE) | /collector/stats
//        | /collector/kpis | /collector/sql?q=<one SELECT>   (same-origin only)
//   POST /collector/clear | /collector/fail?status=503&count=2&retryAfter=1
//        | /collector/fault?mode=reset|refuse|hang|status&every=3&count=…&status=…&retryAfter=…&ms=… (or ?clear)
//        (same-origin only, with the header X-Kizuna-Collector: 1)
//   GET/HEAD anything else → static files from the mounts (longest prefix wins)
//
// This file is the entry point: the command line, and the exports tests and tools
// import. The server itself lives in www/collector/, one job per file:
//   server.mjs     startCollector(), routing, the /collector/* API, error handling
//   guard.mjs      who may talk to it: the Host check, same-origin /collector/*, the control header
//   ingest.mjs     the collect endpoints: body limits, content types, payload checks
//   store.mjs      records and rejections in memory, the NDJSON file
//   stream.mjs     Server-Sent Events (/collector/stream)
//   faults.mjs     injected failures, delays and fault rules (failNext, delayNext, fault, /collector/fail, /collector/fault)
//   static.mjs     static files from the mounts
//   warehouse.mjs  the DuckDB database (locked down: no file access), Parquet export
//   sql.mjs        /collector/sql: one read-only SELECT, row and time limits
//   kpis.mjs       the dashboard's figures
//   responses.mjs  JSON answers and the collect endpoints' CORS headers

import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startCollector } from './collector/server.mjs';

export { startCollector };

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

const USAGE = `usage: node www/collector.mjs [--port 8080] [--out FILE] [--mount /prefix/=DIR ...] [--quiet]

  --port N              port on 127.0.0.1 (default 8080; 0 picks a free one)
  --out FILE            NDJSON file batches are appended to (default: in ${os.tmpdir()})
  --mount /prefix/=DIR  serve DIR under /prefix/ (repeatable; replaces the defaults
                        "/"=www/ and "/kizuna/"=js/)
  --quiet               do not log requests to stderr
  --remote-config FILE  publish FILE's slots, journeys, journeyCaps and insights
                        with the learned model (GET /v1/model), read at each build`;

export function parseArgs(argv) {
  const opts = { port: 8080, out: undefined, mounts: [], quiet: false, help: false, remoteConfig: undefined };
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
      case '--remote-config': opts.remoteConfig = path.resolve(value()); break;
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
      model: opts.remoteConfig ? { configFile: opts.remoteConfig } : undefined,
    });
  } catch (err) {
    const hint = err.code === 'EADDRINUSE' ? ` (port ${opts.port} is in use; try --port 0)` : '';
    console.error(`[collector] cannot start: ${err.message}${hint}`);
    process.exit(1);
  }

  console.log(`Kizuna collector listening on ${collector.url}/`);
  console.log(`Writing batches to ${collector.file}`);
  if (collector.warehouse && !collector.warehouse.error) {
    console.log(`Events in DuckDB at ${collector.warehouse.file} (SELECT … FROM events; GET /collector/sql?q=…)`);
    console.log(`KPI dashboard at ${collector.url}/dashboard.html`);
  }

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
