import { Arg, Authorized, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { ApiToken } from "../entities/api-token";
import { AuditEvent } from "../entities/audit-event";
import { badInput } from "../src/errors";
import type { Context } from "../src/context";

@ObjectType({ description: "A token just created: the token itself appears here once and nowhere else" })
class CreatedToken {
  @Field({ description: "Send it as `Authorization: Bearer <token>`; it cannot be shown again" })
  token!: string;

  @Field(() => ApiToken)
  apiToken!: ApiToken;
}

@ObjectType({ description: "The caller: the token's name and role" })
class Me {
  @Field()
  name!: string;

  @Field({ description: "viewer, reviewer, runner or admin" })
  role!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The person this token reviews rubrics as, bound by its first decision; null before it, and for admin tokens (anyone)",
  })
  reviewer!: string | null;
}

const AUDIT_PAGE_MAX = 500;

@Resolver()
export class TokenResolver {
  @Authorized("viewer")
  @Query(() => Me, { description: "Who the caller is" })
  async me(@Ctx() { principal, tokens }: Context): Promise<Me> {
    const reviewer = principal!.role === "admin" ? null : await tokens.reviewerOf(principal!.tokenId);
    return { name: principal!.name, role: principal!.role, reviewer };
  }

  @Authorized("admin")
  @Query(() => [ApiToken], { description: "The tokens, oldest first (revoked ones too with includeRevoked)" })
  tokens(
    @Arg("includeRevoked", { defaultValue: false }) includeRevoked: boolean,
    @Ctx() { tokens }: Context,
  ): Promise<ApiToken[]> {
    return tokens.list(includeRevoked);
  }

  @Authorized("admin")
  @Mutation(() => CreatedToken, { description: "Creates a token with a name and a role (viewer, reviewer, runner, admin)" })
  async createToken(@Arg("name") name: string, @Arg("role") role: string, @Ctx() { tokens }: Context): Promise<CreatedToken> {
    const { token, row } = await tokens.create(name, role);
    return { token, apiToken: row };
  }

  @Authorized("admin")
  @Mutation(() => ApiToken, { description: "Revokes a token at once, for HTTP and for new subscriptions" })
  revokeToken(@Arg("id", () => Int) id: number, @Ctx() { tokens }: Context): Promise<ApiToken> {
    return tokens.revoke(id);
  }

  @Authorized("admin")
  @Query(() => [AuditEvent], { description: "The audit trail, newest first: who did which mutation when" })
  auditEvents(
    @Arg("limit", () => Int, { defaultValue: 100 }) limit: number,
    @Arg("before", () => Int, { nullable: true, description: "Only events with a smaller id (the next page)" })
    before: number | null,
    @Arg("operation", () => String, { nullable: true }) operation: string | null,
    @Arg("actor", () => String, { nullable: true, description: "A token's name" }) actor: string | null,
    @Ctx() { audit }: Context,
  ): Promise<AuditEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) throw badInput(`limit must be 1-${AUDIT_PAGE_MAX}`);
    return audit.list({ limit, before: before ?? undefined, operation: operation ?? undefined, actor: actor ?? undefined });
  }
}
