// Every accepted event, in an embedded analytical database (DuckDB, a file
// next to the NDJSON log): one row per event, either wire format, in a
// table a team can query (`SELECT event, count(*) FROM events GROUP BY 1`)
// and export to Parquet.
//
// The NDJSON log stays the durable copy: when the database cannot be
// opened (locked by another process, corrupt) or a write fails, the
// collector says so once and goes on without it.
//
// The instance is locked down as soon as it is open (lockDown): the
// collector only inserts rows and exports Parquet, while GET
// /collector/sql runs SQL from outside (sql.mjs) on this same instance —
// a second instance cannot open the file while this one holds its lock.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { runSelect } from './sql.mjs';

const COLUMNS = `
  received_at TIMESTAMP, format VARCHAR, type VARCHAR, event VARCHAR,
  message_id VARCHAR, anonymous_id VARCHAR, user_id VARCHAR,
  session_id VARCHAR, session_index INTEGER, ts TIMESTAMP,
  url VARCHAR, path VARCHAR, properties JSON, context JSON`;
// One statement per batch, one row per event (a statement per event would
// cost a 10,000-event burst seconds of the collector's time). Times are UTC:
// make_timestamp(µs) (to_timestamp(s)::TIMESTAMP gave the wall time of the
// collector's time zone, so epoch_ms(ts) was off by its offset).
const UTC = (i) => `make_timestamp(CAST(round($${i} * 1000) AS BIGINT))`;
const ROW = (n) => `(${UTC(n + 1)}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9}, ${UTC(n + 10)}, $${n + 11}, $${n + 12}, $${n + 13}::JSON, $${n + 14}::JSON)`;
const insertOf = (count) => `INSERT INTO events VALUES ${Array.from({ length: count }, (_, i) => ROW(i * 14)).join(', ')}`;

const pathOf = (url) => {
  try { return new URL(url).pathname; } catch (_) { return null; }
};
const parse = (s) => {
  try { return JSON.parse(s); } catch (_) { return null; }
};

/**
 * Kizuna's schemas of the calls that are not events: each is the row's
 * `type` (Segment's), with no event name (tests/fixtures/snowplow-events.json's
 * `calls`).
 */
const CALLS = new Set(['identify', 'group', 'alias']);

/**
 * The event name a Snowplow self-describing event stands for, the same as
 * the Segment format's `event`, so one query (and the KPIs) reads either
 * format: `custom_event` and `form_event` carry it as `name`; each of
 * Kizuna's own event schemas is its name in snake case (`slot_viewed` is
 * `Slot Viewed`; pairs in tests/fixtures/snowplow-events.json, shared with
 * src/engine/encode/snowplow.rs); Kizuna's schemas of calls (`identify`,
 * `group`, `alias`) have none (null); another vendor's schema keeps its name.
 */
export function eventName(vendor, schema, data) {
  if (schema === 'custom_event' || schema === 'form_event') return data?.name ?? schema;
  if (vendor !== 'dev.kizuna') return schema;
  if (CALLS.has(schema)) return null;
  return schema.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/**
 * A row's properties, the same in either format: a track's or page's
 * properties, identify's traits, and for group and alias the call's ids as
 * Snowplow's event carries them (`{ groupId, traits }`, `{ userId, previousId }`).
 */
function segmentProperties(e) {
  if (e.type === 'group') return { groupId: e.groupId ?? null, traits: e.traits ?? {} };
  if (e.type === 'alias') return { userId: e.userId ?? null, previousId: e.previousId ?? null };
  return e.properties ?? e.traits ?? {};
}

/**
 * The rows of one accepted batch (Segment's `batch` or Snowplow's `data`):
 * the same rows for the same calls in either format. `type` is Segment's
 * (`track`, `page`, `identify`, `group`, `alias`); `event` is null but for
 * a track.
 */
export function rowsOf(record) {
  const received = Date.parse(record.receivedAt);
  const rows = [];
  if (Array.isArray(record.body?.batch)) {
    for (const e of record.body.batch) {
      const url = e.context?.page?.url ?? e.properties?.url ?? null;
      rows.push([received, 'segment', e.type ?? null, e.event ?? e.name ?? null, e.messageId ?? null, e.anonymousId ?? null, e.userId ?? null,
        e.context?.session?.id ?? null, e.context?.session?.index ?? null, Date.parse(e.timestamp) || received, url, pathOf(url),
        JSON.stringify(segmentProperties(e)), JSON.stringify(e.context ?? {})]);
    }
  } else if (Array.isArray(record.body?.data)) {
    for (const e of record.body.data) {
      const co = parse(e.co || e.cx) ?? { data: [] };
      const session = co.data?.find((x) => String(x.schema).includes('/session/'))?.data;
      const ue = parse(e.ue_pr)?.data;
      const [vendor, schema = ''] = String(ue?.schema ?? '').replace(/^iglu:/, '').split('/');
      const type = e.e === 'pv' ? 'page' : vendor === 'dev.kizuna' && CALLS.has(schema) ? schema : 'track';
      const name = type !== 'track' ? null : eventName(vendor, schema, ue?.data);
      const props = type === 'page' ? {} : (schema === 'custom_event' || schema === 'form_event') ? ue?.data?.properties ?? {} : type === 'identify' ? ue?.data?.traits ?? {} : ue?.data ?? {};
      rows.push([received, 'snowplow', type, name, e.eid ?? null, e.duid ?? null, e.uid ?? null, session?.id ?? null, session?.index ?? null,
        Number(e.dtm) || received, e.url ?? null, e.url ? pathOf(e.url) : null, JSON.stringify(props), JSON.stringify(co.data ?? [])]);
    }
  }
  return rows;
}

const literal = (text) => `'${String(text).replace(/'/g, "''")}'`;

/**
 * External access off: no file but the database's own (and its spill
 * directory) can be read or written, no ATTACH of a file, no INSTALL or
 * LOAD. The one exception is `exportDir`, a private directory Parquet
 * exports are written to and moved out of at once (DuckDB fixes the
 * allowed directories before external access goes off). Then the
 * configuration is locked, so no statement can turn any of this back on.
 */
async function lockDown(connection, exportDir) {
  await connection.run(`SET allowed_directories = [${literal(exportDir)}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

/** Moves a file, across file systems too (the export directory is in os.tmpdir()). */
function moveFile(from, to) {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if (e.code !== 'EXDEV') throw e;
    fs.copyFileSync(from, to);
    fs.rmSync(from, { force: true });
  }
}

/**
 * Opens (or creates) the database at `file` and its `events` table.
 * Never throws: `{ error }` says why there is no database.
 */
export async function openWarehouse(file, log) {
  let instance;
  let connection;
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-export-'));
  try {
    // No extension is fetched or loaded on demand (JSON and Parquet are built in).
    instance = await DuckDBInstance.create(file, { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    connection = await instance.connect();
    await lockDown(connection, exportDir);
    await connection.run(`CREATE TABLE IF NOT EXISTS events (${COLUMNS})`);
  } catch (e) {
    fs.rmSync(exportDir, { recursive: true, force: true });
    try { instance?.closeSync(); } catch (_) { /* not open */ }
    const error = `DuckDB database ${file} is unavailable (${String(e?.message ?? e).split('\n')[0]}); events are kept in the NDJSON log only`;
    console.error(`[collector] ${error}`);
    const unavailable = async () => { throw new Error(error); };
    return { file, error, insert() {}, query: unavailable, select: unavailable, exportParquet: unavailable, settled: () => Promise.resolve() };
  }
  let chain = Promise.resolve();
  let told = false;
  const w = {
    file,
    error: null,
    /** Adds a record's events (in order; never throws into the request). */
    insert(record) {
      const rows = rowsOf(record);
      if (!rows.length) return;
      chain = chain.then(() => connection.run(insertOf(rows.length), rows.flat())).catch((e) => {
        if (!told) {
          told = true;
          w.error = `DuckDB write failed (${String(e?.message ?? e).split('\n')[0]}); the NDJSON log still has every event`;
          log(w.error);
          console.error(`[collector] ${w.error}`);
        }
      });
    },
    /** Rows of the collector's own query (the KPIs, tests), as objects, after every pending insert. */
    async query(sql) {
      await chain;
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson();
    },
    /**
     * SQL from outside (GET /collector/sql): one SELECT, read-only, limited
     * (sql.mjs). Resolves `{ rows, truncated }`; rejects with a QueryError.
     */
    async select(sql, limits) {
      await chain;
      return runSelect(instance, sql, limits);
    },
    /** Writes the events to a Parquet file; resolves its path. */
    async exportParquet(out) {
      await chain;
      // Written where the locked-down instance may write, then moved.
      const staged = path.join(exportDir, `${randomUUID()}.parquet`);
      try {
        await connection.run(`COPY events TO ${literal(staged)} (FORMAT parquet)`);
        moveFile(staged, out);
      } finally {
        fs.rmSync(staged, { force: true });
      }
      return out;
    },
    /** Resolves once every insert so far is written. */
    settled: () => chain,
    close() {
      try { connection.closeSync?.(); } catch (_) { /* closing anyway */ }
      try { instance.closeSync?.(); } catch (_) { /* closing anyway */ }
      fs.rmSync(exportDir, { recursive: true, force: true });
    },
  };
  return w;
}
