// GET /collector/sql: one read-only SELECT from whoever asks, under limits.
//
// Why a file of its own: this is the one place SQL from outside the collector
// runs, so every rule that keeps it from doing more than reading `events` is
// here, each enforced by DuckDB itself rather than by looking at the text:
//   - the statement: DuckDB's parser must see exactly one SELECT, twice over —
//     json_serialize_sql (parses, binds nothing, refuses anything but SELECT)
//     and extractStatements + the prepared statement's type (so `SELECT 1;
//     COPY …`, `WITH … DELETE`, PRAGMA, CALL, SET, ATTACH, LOAD … are refused);
//   - the transaction: READ ONLY, rolled back after, on a connection of its
//     own, so even a SELECT that could write cannot;
//   - the files: the database instance runs with external access off and its
//     configuration locked (warehouse.mjs), so read_text, read_csv, glob,
//     read_parquet … of the developer's files fail;
//   - the cost: at most MAX_ROWS rows come back (the answer says when it was
//     cut), and a query still running after TIME_LIMIT_MS is interrupted.

import { StatementType } from '@duckdb/node-api';

/** Most rows one answer carries. */
export const MAX_ROWS = 10_000;
/** How long a query may run before it is interrupted. */
export const TIME_LIMIT_MS = 5_000;

/** A query refused or failed for a reason the asker should see (an HTTP 400). */
export class QueryError extends Error {}

const firstLine = (e) => String(e?.message ?? e).split('\n')[0];

/**
 * Runs `sql` if it is exactly one SELECT statement, on a fresh connection of
 * `instance` inside a read-only transaction. Resolves `{ rows, truncated }`
 * (rows as JSON-ready objects, at most `maxRows`); rejects with a QueryError
 * saying why it was refused, failed or interrupted.
 */
export async function runSelect(instance, sql, { maxRows = MAX_ROWS, timeoutMs = TIME_LIMIT_MS } = {}) {
  if (!sql.trim()) throw new QueryError('the query is empty; send one SELECT statement as ?q=');
  const connection = await instance.connect();
  let interrupted = false;
  const timer = setTimeout(() => {
    interrupted = true;
    connection.interrupt();
  }, timeoutMs);
  try {
    await checkOneSelect(connection, sql);
    await connection.run('BEGIN TRANSACTION READ ONLY');
    const extracted = await connection.extractStatements(sql);
    if (extracted.count !== 1) throw new QueryError(`only one SELECT statement is allowed, got ${extracted.count}`);
    const prepared = await extracted.prepare(0);
    if (prepared.statementType !== StatementType.SELECT) {
      throw new QueryError(`only one SELECT statement is allowed, got ${StatementType[prepared.statementType] ?? prepared.statementType}`);
    }
    // Streamed, so a huge result is never computed past the limit.
    const reader = await prepared.streamAndReadUntil(maxRows + 1);
    const rows = reader.getRowObjectsJson();
    return { rows: rows.length > maxRows ? rows.slice(0, maxRows) : rows, truncated: rows.length > maxRows };
  } catch (e) {
    if (e instanceof QueryError) throw e;
    if (interrupted) throw new QueryError(`the query ran longer than ${timeoutMs / 1000} s and was interrupted`);
    throw new QueryError(firstLine(e));
  } finally {
    clearTimeout(timer);
    try { await connection.run('ROLLBACK'); } catch (_) { /* no transaction open */ }
    connection.closeSync();
  }
}

/** DuckDB's parser, binding nothing: one statement, and a SELECT. */
async function checkOneSelect(connection, sql) {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
  const parsed = JSON.parse(reader.getRowObjectsJson()[0].j);
  if (parsed.error && parsed.error_type === 'parser') throw new QueryError(`Parser Error: ${parsed.error_message}`);
  if (parsed.error) throw new QueryError('only one SELECT statement is allowed (this is, or holds, another kind of statement)');
  if (parsed.statements.length !== 1) {
    throw new QueryError(`only one SELECT statement is allowed, got ${parsed.statements.length}`);
  }
}
