/**
 * Errors a client sees: each carries a stable `extensions.code`. Anything else thrown inside a
 * resolver is logged in full and reaches the client as INTERNAL_SERVER_ERROR without its details.
 */
import { GraphQLError } from "graphql";

export enum ErrorCode {
  BAD_USER_INPUT = "BAD_USER_INPUT",
  NOT_FOUND = "NOT_FOUND",
  CONFLICT = "CONFLICT",
}

function make(code: ErrorCode, message: string, extra?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const badInput = (message: string, extra?: Record<string, unknown>) => make(ErrorCode.BAD_USER_INPUT, message, extra);
export const notFound = (what: string, id: number | string) => make(ErrorCode.NOT_FOUND, `${what} ${id} does not exist`);
export const notFoundMessage = (message: string) => make(ErrorCode.NOT_FOUND, message);
export const conflict = (message: string, extra?: Record<string, unknown>) => make(ErrorCode.CONFLICT, message, extra);

/** Postgres error codes the services turn into client errors. */
export const PgErrorCode = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ?? (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

/** Normalises anything thrown into an Error, keeping the original as its cause. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === "string" ? thrown : JSON.stringify(thrown), { cause: thrown });
}
