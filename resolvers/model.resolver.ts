import { Authorized, Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Model } from "../entities/model";
import type { Context } from "../src/context";
import { CreateModelInput } from "./types/model.input";
import { ModelCheckResult } from "./types/model-check.types";
import { ModelPrice } from "./types/model-price.types";

@Resolver(() => Model)
export class ModelResolver {
  @Authorized("viewer")
  @Query(() => [Model])
  models(@Arg("vendor", () => String, { nullable: true }) vendor: string | null, @Ctx() { services }: Context): Promise<Model[]> {
    return services.models.list(vendor);
  }

  @Authorized("viewer")
  @Query(() => Model, { nullable: true })
  model(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<Model | null> {
    return services.models.get(id);
  }

  @FieldResolver(() => String, { description: "The model name, or 'default' for the vendor's default model" })
  displayName(@Root() model: Model): string {
    return model.model === "" ? "default" : model.model;
  }

  @FieldResolver(() => String, { description: "The model name in force: the row's, or the configured default of its vendor" })
  resolvedModel(@Root() model: Model, @Ctx() { services }: Context): string {
    return services.models.lifecycle(model).resolvedModel;
  }

  @FieldResolver(() => String, {
    description:
      "Where its calls go: the row's baseUrl, else the configured one (OPENAI_BASE_URL / ANTHROPIC_BASE_URL), else the vendor's; without user info or query",
  })
  resolvedBaseUrl(@Root() model: Model, @Ctx() { services }: Context): string {
    return services.models.lifecycle(model).baseUrl;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "End-of-life date (YYYY-MM-DD) of the resolved model when the SDK's deprecation data gives one",
  })
  endOfLife(@Root() model: Model, @Ctx() { services }: Context): string | null {
    return services.models.lifecycle(model).endOfLife;
  }

  @FieldResolver(() => String, { nullable: true, description: "A warning in plain words when the resolved model is deprecated" })
  deprecation(@Root() model: Model, @Ctx() { services }: Context): string | null {
    return services.models.lifecycle(model).deprecation;
  }

  @FieldResolver(() => ModelPrice, {
    nullable: true,
    description: "The resolved model's price; null when it has none (unpriced: its cost is unknown, never 0)",
  })
  price(@Root() model: Model, @Ctx() { services }: Context): ModelPrice | null {
    return services.models.lifecycle(model).price;
  }

  @Authorized("runner")
  @Query(() => ModelCheckResult, {
    description:
      "Asks the vendor's models endpoint, with this model's key and base URL, whether the model exists and the key works",
  })
  checkModel(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<ModelCheckResult> {
    return services.models.check(id);
  }

  @FieldResolver(() => Boolean, { description: "Whether a key is stored; the key itself is never returned" })
  async hasApiKey(@Root() model: Model, @Ctx() { services }: Context): Promise<boolean> {
    return (await services.models.idsWithKey([model.id])).has(model.id);
  }

  @Authorized("admin")
  @Mutation(() => Model)
  createModel(@Arg("input") input: CreateModelInput, @Ctx() { services }: Context): Promise<Model> {
    return services.models.create(input);
  }

  @Authorized("admin")
  @Mutation(() => Model, { description: "Deletes a model; combinations that used it must be replaced before a run" })
  deleteModel(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<Model> {
    return services.models.delete(id);
  }

  @Authorized("admin")
  @Mutation(() => [Model], {
    description:
      "Sets the key of every model of the vendor without a base URL of its own (a key goes only where it was given for), " +
      "creating the vendor's default model when there is none",
  })
  setVendorApiKey(@Arg("vendor") vendor: string, @Arg("apiKey") apiKey: string, @Ctx() { services }: Context): Promise<Model[]> {
    return services.models.setVendorApiKey(vendor, apiKey);
  }
}
