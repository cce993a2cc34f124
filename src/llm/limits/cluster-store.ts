/**
 * The SQL of cluster limits (table llm_limit_member, one row per process and scope in use). A scope
 * is one key (fingerprint of vendor, key and base URL: never the key) or one vendor-wide limit.
 * One statement per heartbeat and process, whatever the number of scopes: it writes this process's
 * rows, deletes the ones it stopped using and the long dead, and counts the other live members of
 * each scope it uses.
 */
import { createHash } from "node:crypto";
import type { Vendor } from "../types";
import type { LearnedLimits } from "./adaptive-limiter";

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
  /** How much longer the vendor told this member to pause the key (a 429's retry-after), in ms; 0: not paused. */
  pauseMs: number;
  /** What the member has learned of the vendor's limits (the vendor's whole figures, not its share); null: nothing yet. */
  learned: LearnedLimits | null;
}

/** What a heartbeat hears back for one scope of its rows. */
export interface ScopeNews {
  /** Other live members. */
  others: number;
  /** The longest pause another live member has from the vendor, in ms from now; 0: none. */
  pauseMs: number;
  /** What the live member seen last has learned of the key's limits; null: none has learned any. */
  learned: LearnedLimits | null;
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
 * Writes `rows` as `member`'s, live for `liveMs`, deletes its rows of `left`, and returns for each
 * scope of `rows` how many other members are live, the longest pause one of them has, and what the
 * freshest of them has learned of the key's limits. A pause
 * is written and read against the database's clock (now() + ms), so the members' clocks need not agree.
 */
export async function heartbeat(
  query: Query,
  member: string,
  rows: MemberRow[],
  left: string[],
  liveMs: number,
): Promise<Map<string, ScopeNews>> {
  const found = (await query(
    `WITH purged AS (DELETE FROM llm_limit_member WHERE seen_at < now() - interval '${PURGE_AFTER}'),
          gone AS (DELETE FROM llm_limit_member WHERE member = $1 AND scope = ANY($2::text[])),
          written AS (
            INSERT INTO llm_limit_member AS m (scope, member, vendor, base_url, limit_now, in_flight, reason, changed_at, seen_at,
                                               live_until, paused_until, learned)
            SELECT t.scope, $1, t.vendor, t.base_url, t.limit_now, t.in_flight, t.reason, to_timestamp(t.changed_ms / 1000.0), now(),
                   now() + $10 * interval '1 millisecond',
                   CASE WHEN t.pause_ms > 0 THEN now() + t.pause_ms * interval '1 millisecond' END, t.learned
            FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::text[], $9::float8[], $11::float8[], $12::jsonb[])
                 AS t(scope, vendor, base_url, limit_now, in_flight, reason, changed_ms, pause_ms, learned)
            ON CONFLICT (scope, member) DO UPDATE SET limit_now = excluded.limit_now, in_flight = excluded.in_flight,
              reason = excluded.reason, changed_at = excluded.changed_at, seen_at = excluded.seen_at,
              live_until = excluded.live_until, paused_until = excluded.paused_until, learned = excluded.learned)
     SELECT scope, count(*)::int AS others,
            greatest(0, coalesce(extract(epoch FROM max(paused_until) - now()) * 1000, 0))::float8 AS pause_ms,
            (array_agg(learned ORDER BY seen_at DESC) FILTER (WHERE learned IS NOT NULL))[1] AS learned
     FROM llm_limit_member
     WHERE scope = ANY($3::text[]) AND member <> $1 AND live_until > now()
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
      rows.map((r) => r.pauseMs),
      rows.map((r) => (r.learned ? JSON.stringify(r.learned) : null)),
    ],
  )) as { scope: string; others: number; pause_ms: number; learned: LearnedLimits | null }[];
  return new Map(found.map((r) => [r.scope, { others: r.others, pauseMs: r.pause_ms, learned: r.learned }]));
}

/** Deletes every row of `member` (a process leaving: the others take its share at their next heartbeat). */
export async function leave(query: Query, member: string): Promise<void> {
  await query(`DELETE FROM llm_limit_member WHERE member = $1`, [member]);
}

/** A key's limit across the cluster, as progress shows it (named by vendor and base URL only). */
export interface KeyLimit {
  vendor: Vendor;
  baseUrl: string;
  /** Requests in flight the live processes allow together (the last known limit when none is live). */
  limit: number;
  inFlight: number;
  /** Processes using the key now. */
  processes: number;
  /** Each live process's share of the key (1/processes); 1 when none is live. */
  share: number;
  /** Why a process's limit last changed, and when (epoch ms). */
  reason: string | null;
  changedAt: number | null;
}

/** The keys of `vendors` used since `since`, one entry per key, newest change first within a vendor. */
export async function readKeyLimits(query: Query, vendors: string[], since: Date): Promise<KeyLimit[]> {
  const rows = (await query(
    `SELECT vendor, base_url,
            count(*) FILTER (WHERE live_until > now())::int AS processes,
            coalesce(sum(limit_now) FILTER (WHERE live_until > now()), (array_agg(limit_now ORDER BY seen_at DESC))[1])::int AS "limit",
            coalesce(sum(in_flight) FILTER (WHERE live_until > now()), 0)::int AS in_flight,
            (array_agg(reason ORDER BY changed_at DESC NULLS LAST))[1] AS reason,
            max(changed_at) AS changed_at
     FROM llm_limit_member
     WHERE scope LIKE 'key:%' AND vendor = ANY($1::text[]) AND seen_at >= $2
     GROUP BY scope, vendor, base_url
     ORDER BY vendor, base_url, max(changed_at) DESC NULLS LAST`,
    [vendors, since],
  )) as {
    vendor: Vendor;
    base_url: string;
    processes: number;
    limit: number | null;
    in_flight: number;
    reason: string | null;
    changed_at: Date | null;
  }[];
  return rows.map((r) => ({
    vendor: r.vendor,
    baseUrl: r.base_url,
    limit: r.limit ?? 0,
    inFlight: r.in_flight,
    processes: r.processes,
    share: r.processes > 0 ? 1 / r.processes : 1,
    reason: r.reason,
    changedAt: r.changed_at ? r.changed_at.getTime() : null,
  }));
}
