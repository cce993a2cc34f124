/**
 * Who may do what. Roles are ordered: each one may do everything the roles before it may.
 *
 *   viewer    reads everything and subscribes
 *   reviewer  + rubrics
 *   runner    + experiments, combinations and runs (starting a run spends money)
 *   admin     + models, keys, base URLs, imports, tokens and the audit trail
 */
export const ROLES = ["viewer", "reviewer", "runner", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `held` may do what `needed` may. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** What the schema says about an operation's role; tests check every root field carries it. */
export function roleNote(role: Role): string {
  return `Requires role: ${role}.`;
}
