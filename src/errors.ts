/**
 * Errors a client sees: each carries a stable `extensions.code`. Anything else thrown inside a
 * resolver is logged in full and reaches the client as INTERNAL_SERVER_ERROR without its details.
 */
import { GraphQLError } from "graphql";

export enum ErrorCode {
  BAD_USER_INPUT = "BAD_USER_INPUT",
  NOT_FOUND = "NOT_FOUND",
  CONFLICT = "CONFLICT",
  /** The database is unreachable, overloaded or timing out: the same call may succeed shortly. */
  UNAVAILABLE = "UNAVAILABLE",
}

function make(code: ErrorCode, message: string, extra?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const badInput = (message: string, extra?: Record<string, unknown>) => make(ErrorCode.BAD_USER_INPUT, message, extra);
export const notFound = (what: string, id: number | string) => make(ErrorCode.NOT_FOUND, `${what} ${id} does not exist`);
/** "Case 7 does not exist", "Cases 1, 2 do not exist". */
export const notFoundMany = (singular: string, plural: string, ids: (number | string)[]) =>
  ids.length === 1 ? notFound(singular, ids[0]) : make(ErrorCode.NOT_FOUND, `${plural} ${ids.join(", ")} do not exist`);
export const notFoundMessage = (message: string) => make(ErrorCode.NOT_FOUND, message);
export const unavailable = (message: string) => make(ErrorCode.UNAVAILABLE, message);
export const conflict = (message: string, extra?: Record<string, unknown>) => make(ErrorCode.CONFLICT, message, extra);
