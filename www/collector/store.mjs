// What the collector has received: the in-memory records and rejections, and the
// NDJSON file every accepted batch is appended to (one line per batch).
//
// Why a file of its own: the file is the durable copy (it survives /collector/clear
// and restarts), the lists are what tests and the demo read; both change together
// here, so a batch is never in one and missing from the other.
//
// State lives on the collector's ctx: ctx.file, ctx.records, ctx.rejected, ctx.seq.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MAX_REJECTED_KEPT = 1000;

/** A fresh file name in os.tmpdir() that does not exist yet. */
export function defaultOutFile() {
  const stamp = new Date().toISOString().replace(/:/g, '-');
  const base = path.join(os.tmpdir(), `kizuna-collector-${stamp}-${process.pid}`);
  let candidate = `${base}.ndjson`;
  for (let n = 2; fs.existsSync(candidate); n++) candidate = `${base}-${n}.ndjson`;
  return candidate;
}

/** Create the file (and its directory) if needed, without truncating it. */
export function prepareOutFile(out) {
  const file = path.resolve(out);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, '');
  return file;
}

/**
 * Number an accepted batch, append it to the file, then keep it in memory.
 * Throws (and keeps nothing, the sequence number included) if the file write fails.
 */
export function addRecord(ctx, { path: pathname, contentType, userAgent, bytes, body }) {
  const record = {
    seq: ctx.seq + 1,
    receivedAt: new Date().toISOString(),
    path: pathname,
    contentType,
    userAgent,
    bytes,
    body,
  };
  fs.appendFileSync(ctx.file, `${JSON.stringify(record)}\n`);
  ctx.seq = record.seq;
  ctx.records.push(record);
  ctx.warehouse?.insert(record);
  return record;
}

/** Keep a rejection (the newest MAX_REJECTED_KEPT only). */
export function addRejection(ctx, rejection) {
  ctx.rejected.push(rejection);
  if (ctx.rejected.length > MAX_REJECTED_KEPT) ctx.rejected.shift();
}

/** Empty both lists in place (callers hold references to them); the file is untouched. */
export function clearRecords(ctx) {
  const cleared = { records: ctx.records.length, rejected: ctx.rejected.length };
  ctx.records.length = 0;
  ctx.rejected.length = 0;
  return cleared;
}
