/**
 * The SQL of cluster limits (table llm_limit_member, one row per process and scope in use). A scope
 * is one key (fingerprint of vendor, key and base URL: never the key) or one vendor-wide limit.
 * One statement per heartbeat and process, whatever the number of scopes: it writes this process's
 * rows, deletes the ones it stopped using and the long dead, and counts the other live members of
 * each scope it uses.
 */
import { createHash } from "node:crypto";
import type { Vendor } from "../types";

export type Query = (sql: string, parameters?: unknown[]) => Promise<unknown[]>;

/** A member's row as it writes it. */
export interface MemberRow {
  scope: string;
  vendor: Vendor;
  baseUrl: string | null;
  /** The member's current concurrency limit, null for a vendor-wide scope without one. */
  limit: number | null;
  inFlight: number;
  reason: string | null;
  changedAt: number | null;
}

/** Rows not refreshed for this long are deleted by any heartbeat (they outlived a killed process). */
const PURGE_AFTER = "1 hour";

/** The scope of one key: 128 bits of SHA-256 over vendor, key and base URL, so the key cannot be read back. */
export function keyScope(vendor: Vendor, apiKey: string, baseUrl: string): string {
  const digest = createHash("sha256").update(`note-eval limits\u0000${vendor}\u0000${apiKey}\u0000${baseUrl}`).digest("hex");
  return `key:${digest.slice(0, 32)}`;
}

export function vendorScope(vendor: Vendor): string {
  return `vendor:${vendor}`;
}

/**
 * Writes `rows` as `member`'s, deletes its rows of `left`, and returns for each scope of `rows` how
 * many other members were seen within `liveMs`.
 */
export async function heartbeat(
  query: Query,
  member: string,
  rows: MemberRow[],
  left: string[],
  liveMs: number,
): Promise<Map<string, number>> {
  const found = (await query(
    `WITH purged AS (DELETE FROM llm_limit_member WHERE seen_at < now() - interval '${PURGE_AFTER}'),
          gone AS (DELETE FROM llm_limit_member WHERE member = $1 AND scope = ANY($2::text[])),
          written AS (
            INSERT INTO llm_limit_member AS m (scope, member, vendor, base_url, limit_now, in_flight, reason, changed_at, seen_at)
            SELECT t.scope, $1, t.vendor, t.base_url, t.limit_now, t.in_flight, t.reason, to_timestamp(t.changed_ms / 1000.0), now()
            FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::text[], $9::float8[])
                 AS t(scope, vendor, base_url, limit_now, in_flight, reason, changed_ms)
            ON CONFLICT (scope, member) DO UPDATE SET limit_now = excluded.limit_now, in_flight = excluded.in_flight,
              reason = excluded.reason, changed_at = excluded.changed_at, seen_at = excluded.seen_at)
     SELECT scope, count(*)::int AS others FROM llm_limit_member
     WHERE scope = ANY($3::text[]) AND member <> $1 AND seen_at > now() - $10 * interval '1 millisecond'
     GROUP BY scope`,
    [
      member,
      left,
      rows.map((r) => r.scope),
      rows.map((r) => r.vendor),
      rows.map((r) => r.baseUrl),
      rows.map((r) => r.limit),
      rows.map((r) => r.inFlight),
      rows.map((r) => r.reason),
      rows.map((r) => r.changedAt),
      liveMs,
    ],
  )) as { scope: string; others: number }[];
  return new Map(found.map((r) => [r.scope, r.others]));
}

/** Deletes every row of `member` (a process leaving: the others take its share at their next heartbeat). */
export async function leave(query: Query, member: string): Promise<void> {
  await query(`DELETE FROM llm_limit_member WHERE member = $1`, [member]);
}
