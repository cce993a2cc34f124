import { Field, InputType } from "type-graphql";

@InputType()
export class CreateModelInput {
  @Field({ description: "openai or anthropic" })
  vendor!: string;

  @Field({ nullable: true, defaultValue: "", description: "Model name; empty for the vendor's default model" })
  model?: string;

  @Field({ nullable: true, description: "Write-only: stored, never returned" })
  apiKey?: string;

  @Field(() => String, {
    nullable: true,
    description: "For OpenAI-compatible servers (vLLM, Ollama) or a proxy; must be on the allow-list (BASE_URL_ALLOWLIST)",
  })
  baseUrl?: string | null;
}
