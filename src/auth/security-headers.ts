/**
 * Security headers on every HTTP answer, set by helmet: a Content-Security-Policy that lets the
 * dashboard and the IDE load only this server's own files and talk only to this server, no framing
 * by other sites (clickjacking), no MIME sniffing, no referrer, and no `X-Powered-By`.
 *
 * The pages are built for it: no inline scripts (the IDE's start-up script is a file, its settings a
 * JSON data block), no eval. Inline styles stay allowed because GraphiQL and Observable Plot set style
 * attributes. HSTS is left to whatever terminates TLS in front of the server: the server itself speaks
 * plain HTTP, usually on 127.0.0.1, where the header means nothing.
 */
import type { Request } from "express";
import helmet from "helmet";

/** A Host header as browsers send it: a name or an IP literal, and a port. */
const HOST_SYNTAX = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * `'self'` covers ws: and wss: to the same host in CSP Level 3 browsers; the explicit WebSocket
 * origins keep graphql-ws working in browsers that read `'self'` as http(s) only. These headers are
 * set before the Host check (its refusals carry them too), so a Host of any other shape is left out
 * rather than written into the policy.
 */
function webSocketOrigins(req: Request): string {
  const host = req.headers.host ?? "";
  return HOST_SYNTAX.test(host) ? `ws://${host} wss://${host}` : "";
}

export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'", "data:"],
        connectSrc: ["'self'", (req) => webSocketOrigins(req as Request)],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    xFrameOptions: { action: "deny" },
    strictTransportSecurity: false,
  });
}
