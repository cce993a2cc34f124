/**
 * A base URL as the product shows it (progress, the models list, the audit trail): without user
 * info, query or fragment, where some proxies carry a credential (`https://user:key@proxy/v1`,
 * `...?api-key=...`).
 */
export function displayBaseUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    if (!url.username && !url.password && !url.search && !url.hash) return baseUrl; // as configured
    return `${url.origin}${url.pathname}`;
  } catch {
    return "(a base URL that does not parse)";
  }
}
