import { Field, Int, ObjectType } from "type-graphql";
import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/**
 * A bearer token. Only its SHA-256 is stored (tokens are 256 random bits, so a slow hash adds
 * nothing); the token itself is shown once, when it is created. Revoked tokens stay, for the audit.
 */
@ObjectType({ description: "An API token: its name, role and state; never the token itself" })
@Entity({ name: "api_token" })
@Check("api_token_role_check", `"role" IN ('viewer', 'reviewer', 'runner', 'admin')`)
export class ApiToken {
  @Field(() => Int)
  @PrimaryGeneratedColumn()
  id!: number;

  @Field({ description: "Who or what holds the token; the audit trail names callers by it" })
  @Index("api_token_name_active_idx", { unique: true, where: `"revoked" IS NULL` })
  @Column({ type: "text" })
  name!: string;

  @Field({ description: "viewer, reviewer, runner or admin" })
  @Column({ type: "text" })
  role!: string;

  @Index("api_token_hash_idx", { unique: true })
  @Column({ name: "token_hash", type: "text", select: false })
  tokenHash?: string;

  @Field()
  @CreateDateColumn({ name: "created", type: "timestamptz" })
  created!: Date;

  @Field(() => String, {
    nullable: true,
    description:
      "The person (email) this token reviews rubrics as, bound by its first review decision; admin tokens review as anyone",
  })
  @Column({ type: "text", nullable: true })
  reviewer!: string | null;

  @Field(() => Date, { nullable: true, description: "When it was revoked; a revoked token authenticates nothing" })
  @Column({ type: "timestamptz", nullable: true })
  revoked!: Date | null;
}
