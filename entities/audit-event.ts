import { Field, Int, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { GraphQLJSON } from "graphql-scalars";

/**
 * One mutation someone did: who (the token's name), what (the operation and a summary of its
 * arguments that never holds a key or a transcript), when, and whether it succeeded.
 */
@ObjectType({ description: "A mutation in the audit trail" })
@Entity({ name: "audit_event" })
@Index("audit_event_at_idx", ["at"])
export class AuditEvent {
  @Field(() => Int)
  @PrimaryGeneratedColumn()
  id!: number;

  @Field()
  @CreateDateColumn({ name: "at", type: "timestamptz" })
  at!: Date;

  @Field({ description: "The name of the token that called, or 'server (tokens command)' for the server-side CLI" })
  @Column({ type: "text" })
  actor!: string;

  @Field(() => Int, { nullable: true })
  @Column({ name: "token_id", type: "int", nullable: true })
  tokenId!: number | null;

  @Field({ description: "The mutation, e.g. startExperimentRun" })
  @Column({ type: "text" })
  operation!: string;

  @Field(() => GraphQLJSON, { description: "Its arguments: ids, names and flags; keys, transcripts and rubrics left out" })
  @Column({ type: "jsonb", default: () => "'{}'" })
  args!: Record<string, unknown>;

  @Field({ description: "ok, or the error code it was refused with" })
  @Column({ type: "text" })
  outcome!: string;
}
