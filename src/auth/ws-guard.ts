/**
 * The WebSocket edge. The upgrade request passes the same Host and Origin checks as HTTP (browsers
 * let any page open a WebSocket to any server, cookies included, so without the Origin check a
 * page on evil.example could run queries and mutations through graphql-ws). Then graphql-ws's
 * connection_init must carry a valid token, or the upgrade request the login cookie; otherwise
 * the socket closes with 4403 Forbidden.
 */
import type { IncomingMessage } from "node:http";
import { refuseReason, type OriginPolicy } from "./origin-policy";

/** ws's `verifyClient`: refuses the upgrade with 403 before any GraphQL is spoken. */
export function verifyUpgrade(policy: OriginPolicy) {
  return (info: { req: IncomingMessage }, callback: (ok: boolean, code?: number, message?: string) => void): void => {
    const reason = refuseReason(policy, { host: info.req.headers.host, origin: info.req.headers.origin });
    if (reason) callback(false, 403, "Forbidden");
    else callback(true);
  };
}
