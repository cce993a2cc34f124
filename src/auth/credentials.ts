/** Where a client's token is found: the Authorization header, the login cookie, or graphql-ws's connection_init payload. */
import type { IncomingMessage } from "node:http";

/** The cookie /login sets for the dashboard and the IDE (HttpOnly, SameSite=Strict). */
export const AUTH_COOKIE = "note_eval_token";

export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function bearer(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

/** An HTTP request's token: `Authorization: Bearer …` first, else the login cookie. */
export function tokenOfRequest(req: IncomingMessage): string | undefined {
  return bearer(req.headers.authorization) ?? cookieValue(req.headers.cookie, AUTH_COOKIE);
}

/**
 * A graphql-ws connection's token: `{ token }` or `{ authorization: "Bearer …" }` in connection_init,
 * else the cookie the browser sent with the upgrade request.
 */
export function tokenOfConnection(
  params: Readonly<Record<string, unknown>> | undefined,
  upgrade: IncomingMessage,
): string | undefined {
  if (typeof params?.token === "string") return params.token;
  return bearer(params?.authorization) ?? bearer(params?.Authorization) ?? tokenOfRequest(upgrade);
}
