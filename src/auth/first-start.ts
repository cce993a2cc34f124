/**
 * Zero set-up: when no active token exists (a new database, or every token revoked), the server
 * creates an admin token and prints a login URL once, as notebook servers do. The token is not
 * stored anywhere but in that line; lost, it is replaced with `note-eval tokens create`.
 */
import type { Logger } from "../logger";
import { isLoopback } from "./origin-policy";
import type { TokenService } from "./tokens";

export const FIRST_TOKEN_NAME = "admin (first start)";

/** The new admin token, or undefined when tokens exist already. */
export async function ensureFirstToken(tokens: TokenService): Promise<string | undefined> {
  if ((await tokens.countActive()) > 0) return undefined;
  try {
    return (await tokens.create(FIRST_TOKEN_NAME, "admin")).token;
  } catch (error) {
    // Several processes started on one new database at once: one of them made it (and printed it).
    if ((await tokens.countActive()) > 0) return undefined;
    throw error;
  }
}

/** Said at start when the port is reachable from other machines. */
export function warnIfExposed(host: string, logger: Logger): void {
  if (isLoopback(host)) return;
  logger.warn(
    `Listening on ${host}: reachable from other machines. Every request needs a token, but tokens and ` +
      `transcripts travel in clear text unless a TLS proxy is in front (docs/security.md).`,
  );
}
