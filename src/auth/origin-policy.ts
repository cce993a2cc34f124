/**
 * Which Host and Origin headers the server answers. Browsers attach cookies to requests from any
 * page and let pages open WebSockets anywhere, so two checks stand between a hostile page and the API:
 *
 * - Host: a page on evil.example whose DNS name is rebound to 127.0.0.1 talks to us with
 *   `Host: evil.example`. Only IP literals, localhost and ALLOWED_HOSTS are answered (as Jupyter
 *   does): rebinding needs a DNS name, and no DNS name is allowed unless configured.
 * - Origin: a request a page sends carries its Origin. It must be this server's own origin (the
 *   Host it was sent to) or one of ALLOWED_ORIGINS. Requests without an Origin (CLI, curl, scripts)
 *   are not from a browser page and pass; they still need a token.
 */
import net from "node:net";

export interface OriginPolicy {
  /** Host names answered besides IP literals and localhost; "*" answers any. */
  allowedHosts: readonly string[];
  /** Origins (scheme://host[:port]) whose pages may call the API besides our own; "*" allows any. */
  allowedOrigins: readonly string[];
}

/** The host name of a Host header value (without port and IPv6 brackets), lower case. */
function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return undefined;
  }
}

export function isHostAllowed(policy: OriginPolicy, hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const hostname = hostnameOf(hostHeader);
  if (!hostname) return false;
  if (net.isIP(hostname) || hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  return policy.allowedHosts.some((allowed) => allowed === "*" || allowed.toLowerCase() === hostname);
}

/** The origin of a URL as browsers write it: scheme://host[:port], default ports left out. */
export function normaliseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

export function isOriginAllowed(policy: OriginPolicy, origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  const normalised = normaliseOrigin(origin);
  if (!normalised) return false; // "null" (sandboxed frames, file://) and other schemes
  if (hostHeader && new URL(normalised).host === new URL(`http://${hostHeader}`).host) return true;
  return policy.allowedOrigins.some((allowed) => allowed === "*" || normaliseOrigin(allowed) === normalised);
}

/** Why a request is refused before authentication, or undefined when its Host and Origin pass. */
export function refuseReason(policy: OriginPolicy, headers: { host?: string; origin?: string }): string | undefined {
  if (!isHostAllowed(policy, headers.host)) {
    return `Host "${headers.host ?? ""}" is not served here (DNS rebinding protection): add it to ALLOWED_HOSTS`;
  }
  if (!isOriginAllowed(policy, headers.origin, headers.host)) {
    return `Origin "${headers.origin}" may not call this server: add it to ALLOWED_ORIGINS`;
  }
  return undefined;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\./.test(h) || h === "::ffff:127.0.0.1";
}
