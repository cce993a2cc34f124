import { Field, ObjectType } from "type-graphql";
import { Check, Column, Entity } from "typeorm";
import { BaseRow } from "./base-row";

/**
 * An LLM a combination can use. The API key is write-only: it has no GraphQL field, and
 * services select it only when they build a vendor client.
 */
@ObjectType()
@Entity({ name: "model" })
@Check("model_vendor_check", `"vendor" IN ('openai', 'anthropic')`)
export class Model extends BaseRow {
  @Field({ description: "openai or anthropic" })
  @Column({ type: "text" })
  vendor!: string;

  @Column({ name: "api_key", type: "text", default: "", select: false })
  apiKey?: string;

  @Field({ description: "The vendor's model name; empty means the vendor's default model" })
  @Column({ type: "text", default: "" })
  model!: string;

  @Field(() => String, { nullable: true, description: "An OpenAI-compatible or Anthropic endpoint other than the vendor's own" })
  @Column({ name: "base_url", type: "text", nullable: true })
  baseUrl!: string | null;
}
