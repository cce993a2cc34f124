/**
 * The audit trail: every mutation, whoever called it and however it ended, one row in `audit_event`.
 * Mutations are wrapped once, when the schema is built (a global type-graphql middleware would put
 * every field of every query through a promise chain). Arguments are summarised through an
 * allow-list: numbers, flags and a few named strings (names, vendors, folders); any other string
 * (keys, transcripts, rubric texts) is left out, so no key can reach the table.
 */
import { defaultFieldResolver, GraphQLError, type GraphQLSchema } from "graphql";
import type { DataSource } from "typeorm";
import { AuditEvent } from "../../entities/audit-event";
import { displayBaseUrl } from "../llm/base-url";
import type { Logger } from "../logger";
import type { Principal } from "./principal";

/** Strings kept in the summary (truncated); every other string is replaced by "[omitted]". */
const KEPT_STRINGS = new Set([
  "name",
  "vendor",
  "model",
  "author",
  "validation",
  "folder",
  "path",
  "role",
  "hyperscribeVersion",
  "format",
]);
const NEVER_KEPT = /key|secret|token|password|credential/i;
/** Free-form content (patient text, rubrics): left out whole, whatever names appear inside. */
const CONTENT = new Set(["transcript", "limitedChart", "profile", "rubric", "tags", "comments"]);
const STRING_MAX = 200;
const ARRAY_MAX = 50;
const DEPTH_MAX = 4;

export function summariseArgs(value: unknown, key = "", depth = 0): unknown {
  if (NEVER_KEPT.test(key) || CONTENT.has(key)) return "[omitted]";
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  // A base URL may carry a credential (user info, ?api-key=…) even when it is refused: keep it without.
  if (typeof value === "string" && key === "baseUrl") return displayBaseUrl(value).slice(0, STRING_MAX);
  if (typeof value === "string") return KEPT_STRINGS.has(key) ? value.slice(0, STRING_MAX) : "[omitted]";
  if (depth >= DEPTH_MAX) return "[omitted]";
  if (Array.isArray(value)) {
    const kept = value.slice(0, ARRAY_MAX).map((item) => summariseArgs(item, key, depth + 1));
    return value.length > ARRAY_MAX ? [...kept, `…${value.length - ARRAY_MAX} more`] : kept;
  }
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, summariseArgs(v, k, depth + 1)]));
  }
  return "[omitted]";
}

export interface AuditEntry {
  actor: string;
  tokenId: number | null;
  operation: string;
  args: Record<string, unknown>;
  outcome: string;
}

export class AuditLog {
  constructor(
    private readonly db: DataSource,
    private readonly logger?: Logger,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    try {
      const { actor, tokenId, operation, outcome } = entry;
      await this.db.query(`INSERT INTO audit_event (actor, token_id, operation, args, outcome) VALUES ($1, $2, $3, $4, $5)`, [
        actor,
        tokenId,
        operation,
        JSON.stringify(summariseArgs(entry.args)),
        outcome,
      ]);
    } catch (error) {
      // The mutation happened (or was refused) either way; losing its row is logged, not hidden.
      this.logger?.error(`audit: could not record ${entry.operation} by ${entry.actor}`, error);
    }
  }

  /** Newest first. */
  list(options: { limit: number; before?: number; operation?: string; actor?: string }): Promise<AuditEvent[]> {
    const query = this.db.getRepository(AuditEvent).createQueryBuilder("e").orderBy("e.id", "DESC").limit(options.limit);
    if (options.before !== undefined) query.andWhere("e.id < :before", { before: options.before });
    if (options.operation) query.andWhere("e.operation = :operation", { operation: options.operation });
    if (options.actor) query.andWhere("e.actor = :actor", { actor: options.actor });
    return query.getMany();
  }
}

/** What a mutation's context must offer to be audited. */
export interface AuditContext {
  principal: Principal | undefined;
  audit: AuditLog;
}

function outcomeOf(error: unknown): string {
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

/** Wraps every mutation's resolver so that it records an audit row when it settles. */
export function auditMutations(schema: GraphQLSchema): GraphQLSchema {
  const mutations = schema.getMutationType();
  if (!mutations) return schema;
  for (const field of Object.values(mutations.getFields())) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (root, args: Record<string, unknown>, context: AuditContext, info) => {
      const entry = (outcome: string): AuditEntry => ({
        actor: context.principal?.name ?? "(unauthenticated)",
        tokenId: context.principal?.tokenId ?? null,
        operation: info.fieldName,
        args,
        outcome,
      });
      try {
        const result: unknown = await resolve(root, args, context, info);
        await context.audit.record(entry("ok"));
        return result;
      } catch (error) {
        await context.audit.record(entry(outcomeOf(error)));
        throw error;
      }
    };
  }
  return schema;
}
