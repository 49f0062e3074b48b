/**
 * The one place that recognises what a database error means, whether pg threw it or Prisma did
 * (Prisma's driver adapter keeps Postgres's SQLSTATE under meta.driverAdapterError.cause).
 */

interface DatabaseErrorShape {
  code?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
}

/** Postgres's SQLSTATE when the error carries one, else pg's or Prisma's own code (P1001…). */
export function databaseErrorCode(error: unknown): string | undefined {
  const e = error as DatabaseErrorShape | null | undefined;
  const code = e?.meta?.driverAdapterError?.cause?.originalCode ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** 23505: a row with the same unique key already exists. */
export function isUniqueViolation(error: unknown): boolean {
  return databaseErrorCode(error) === '23505';
}

/** 42P04: CREATE DATABASE of a database that exists. */
export function isDuplicateDatabase(error: unknown): boolean {
  return databaseErrorCode(error) === '42P04';
}

/** The error's own code: Prisma's (P2025…) for Prisma's errors, the SQLSTATE for pg's. */
function ownCode(error: unknown): unknown {
  return (error as DatabaseErrorShape | null | undefined)?.code;
}

/** Prisma's P2025: the row to update or delete is not there (deleted in between). */
export function isRowGone(error: unknown): boolean {
  return ownCode(error) === 'P2025';
}

/** A row others still reference (Prisma's P2003, Postgres's 23503): a restricting foreign key. */
export function isForeignKeyViolation(error: unknown): boolean {
  return ownCode(error) === 'P2003' || databaseErrorCode(error) === '23503';
}

/**
 * Postgres's class 22 ("data exception"): a value it cannot hold or compare, so one the client
 * sent.
 */
export function isDataException(error: unknown): boolean {
  const code = databaseErrorCode(error);
  return code !== undefined && /^22[0-9A-Z]{3}$/.test(code);
}

/**
 * Postgres unreachable, restarting or shutting down (class 08 "connection exception", class 57P
 * "operator intervention", a connection cut mid-query, or no socket at all): the statement did not
 * take effect, and trying again shortly will work.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as DatabaseErrorShape | null | undefined;
  if (e?.meta?.driverAdapterError?.cause?.kind === 'DatabaseNotReachable') return true;
  const code = databaseErrorCode(error);
  // Prisma says P1001 ("can't reach database server") / P1017 ("server closed the connection");
  // pg says only "Connection terminated…" when the server goes away in the middle of a query, and
  // "timeout exceeded when trying to connect" when its pool could not open a connection in time.
  // 53300: every connection slot is taken, for now.
  return (
    (code !== undefined &&
      (/^08[0-9A-Z]{3}$/.test(code) ||
        /^57P0[1-3]$/.test(code) ||
        [
          '53300',
          'ECONNREFUSED',
          'ECONNRESET',
          'ETIMEDOUT',
          'EHOSTUNREACH',
          'ENETUNREACH',
          'EAI_AGAIN',
          'P1001',
          'P1017',
        ].includes(code))) ||
    (typeof e?.message === 'string' &&
      /^(Connection terminated|timeout exceeded when trying to connect)/.test(e.message))
  );
}

/**
 * 55P03 (lock_timeout passed, NOWAIT) or 40P01 (deadlock, this side chosen): the statement did
 * not get its locks; trying again later may.
 */
export function isLockNotAvailable(error: unknown): boolean {
  const code = databaseErrorCode(error);
  return code === '55P03' || code === '40P01';
}
