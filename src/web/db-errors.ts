/**
 * Database errors that mean "busy, try again", not "broken": the request did nothing wrong and the
 * same request moments later will most likely succeed. The error handler answers them 503 with
 * Retry-After instead of 500.
 */

/** SQLite: another connection held the write lock past busy_timeout, or a table lock conflicted. */
const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/**
 * PostgreSQL SQLSTATEs (Appendix A, "PostgreSQL Error Codes"): 40001 serialization_failure and
 * 40P01 deadlock_detected ask the client to retry the transaction; class 08 is a connection
 * exception; 53300 too_many_connections; 57P01–57P03 the server is shutting down or starting.
 */
const PG_CODES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03']);

/** Node network errors talking to PostgreSQL. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isTransientDbError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (SQLITE_CODES.has(code) || PG_CODES.has(code) || code.startsWith('08') || NET_CODES.has(code)) return true;
  // knex: no pooled connection came free in time (every connection busy or the server unreachable).
  if (e.name === 'KnexTimeoutError') return true;
  // pg: the server closed the connection under us (no code on this one); or a transaction's
  // ROLLBACK on a client that already lost its connection, which a PostgreSQL restart mid-post
  // raised as a 500 (test/e2e/faults-db-restart.test.ts).
  return typeof e.message === 'string' && /Connection terminated unexpectedly|Client has encountered a connection error and is not queryable/.test(e.message);
}
