/**
 * Which errors mean "the database cannot serve us right now" (as opposed to a bug or bad input):
 * the server answers them with extensions.code UNAVAILABLE, and the monitor starts probing.
 */

/** SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html) that mean unavailable. */
export const UNAVAILABLE_SQLSTATES: Record<string, string> = {
  "08000": "connection_exception",
  "08001": "sqlclient_unable_to_establish_sqlconnection",
  "08003": "connection_does_not_exist",
  "08004": "sqlserver_rejected_establishment_of_sqlconnection",
  "08006": "connection_failure",
  "53300": "too_many_connections",
  "57014": "query_canceled (statement_timeout)",
  "57P01": "admin_shutdown",
  "57P02": "crash_shutdown",
  "57P03": "cannot_connect_now",
};

/** Socket errors and node-postgres's own messages for a lost, refused or timed-out connection. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
const DRIVER_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Query read timeout/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /Cannot use a pool after calling end/i,
];

/** The error and the errors it wraps (GraphQL's originalError, TypeORM's driverError, `cause`). */
function* chain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const stack = [error];
  while (stack.length > 0) {
    const current = stack.pop();
    if (!current || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    yield current;
    const e = current as { originalError?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown[] };
    stack.push(e.originalError, e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
}

/** A short reason when `error` means the database is unavailable, else undefined. */
export function databaseUnavailableReason(error: unknown): string | undefined {
  for (const e of chain(error)) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && UNAVAILABLE_SQLSTATES[code]) return UNAVAILABLE_SQLSTATES[code];
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    if (typeof message === "string" && DRIVER_MESSAGES.some((m) => m.test(message))) return message;
  }
  return undefined;
}

export const isDatabaseUnavailable = (error: unknown): boolean => databaseUnavailableReason(error) !== undefined;
