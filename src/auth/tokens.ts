/**
 * API tokens: created with a name and a role, shown once, stored as a SHA-256 hash, revocable.
 * Used by the server (every request looks its token up) and by `note-eval tokens`, which opens the
 * database directly so that it works before any token exists.
 */
import { createHash, randomBytes } from "node:crypto";
import { IsNull, type DataSource } from "typeorm";
import { ApiToken } from "../../entities/api-token";
import { GraphQLError } from "graphql";
import { badInput, notFoundMessage } from "../errors";
import { updatedRows } from "../db/updated-rows";
import type { Principal } from "./principal";
import { isRole, ROLES, type Role } from "./roles";

/** Tokens start with this, so that a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = "nev_";
const NAME_MAX = 100;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function makeRawToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export interface CreatedToken {
  token: string;
  row: ApiToken;
}

export class TokenService {
  constructor(private readonly db: DataSource) {}

  /** Creates a token; the returned `token` is the only copy of it anywhere. */
  async create(name: string, role: string): Promise<CreatedToken> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > NAME_MAX || /\p{Cc}/u.test(trimmed)) {
      throw badInput(`a token's name must be 1-${NAME_MAX} printable characters`);
    }
    if (!isRole(role)) throw badInput(`role must be one of ${ROLES.join(", ")}, received "${role}"`);
    const token = makeRawToken();
    const repo = this.db.getRepository(ApiToken);
    if (await repo.exists({ where: { name: trimmed, revoked: IsNull() } })) {
      throw badInput(`a token named "${trimmed}" exists: revoke it first or choose another name`);
    }
    const row = await repo.save(repo.create({ name: trimmed, role, tokenHash: hashToken(token), revoked: null }));
    delete row.tokenHash;
    return { token, row };
  }

  list(includeRevoked = false): Promise<ApiToken[]> {
    return this.db.getRepository(ApiToken).find({ where: includeRevoked ? {} : { revoked: IsNull() }, order: { id: "ASC" } });
  }

  async countActive(): Promise<number> {
    return this.db.getRepository(ApiToken).count({ where: { revoked: IsNull() } });
  }

  /** Revokes the active token of that id or name; the row stays for the audit trail. */
  async revoke(idOrName: number | string): Promise<ApiToken> {
    const repo = this.db.getRepository(ApiToken);
    const where = typeof idOrName === "number" ? { id: idOrName, revoked: IsNull() } : { name: idOrName, revoked: IsNull() };
    const row = await repo.findOne({ where });
    if (!row) throw notFoundMessage(`no active token ${typeof idOrName === "number" ? idOrName : `named "${idOrName}"`}`);
    row.revoked = new Date();
    await repo.update(row.id, { revoked: row.revoked });
    return row;
  }

  /**
   * Lets `principal` sign a rubric decision as `reviewer`, or refuses (FORBIDDEN). A case becomes
   * eligible with accepted rubrics of two different people, so a token speaks for one person: its
   * first decision binds the reviewer's email to it (in one statement: two first decisions racing
   * bind one of them), and any other email is refused afterwards. Admin tokens sign as anyone: an
   * admin can make tokens for anyone anyway (imports and the CLI's demo flow use that).
   */
  async reviewAs(principal: Principal | undefined, reviewer: string): Promise<void> {
    if (!principal || principal.role === "admin") return;
    const [row] = updatedRows<{ reviewer: string }>(
      await this.db.query(`UPDATE api_token SET reviewer = COALESCE(reviewer, $2) WHERE id = $1 RETURNING reviewer`, [
        principal.tokenId,
        reviewer,
      ]),
    );
    const bound = row?.reviewer;
    if (bound === reviewer) return;
    throw new GraphQLError(
      `The token "${principal.name}" reviews as ${bound}, not ${reviewer}: each reviewer needs a token of their own ` +
        `(an admin makes one: note-eval tokens create --name <name> --role reviewer)`,
      { extensions: { code: "FORBIDDEN", reviewer: bound } },
    );
  }

  /** The person the token reviews as (see reviewAs), or null before its first decision. */
  async reviewerOf(tokenId: number): Promise<string | null> {
    const [row] = (await this.db.query(`SELECT reviewer FROM api_token WHERE id = $1`, [tokenId])) as {
      reviewer: string | null;
    }[];
    return row?.reviewer ?? null;
  }

  /** The principal a raw token stands for, or undefined when it is unknown or revoked. */
  async verify(token: string): Promise<Principal | undefined> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const [row] = (await this.db.query(`SELECT id, name, role FROM api_token WHERE token_hash = $1 AND revoked IS NULL`, [
      hashToken(token),
    ])) as { id: number; name: string; role: Role }[];
    return row ? { tokenId: row.id, name: row.name, role: row.role } : undefined;
  }
}
