import { Authorized, Ctx, Query, Resolver } from "type-graphql";
import type { Context } from "../src/context";
import { GeneratorInfo } from "./types/generator.type";

@Resolver(() => GeneratorInfo)
export class GeneratorResolver {
  @Authorized("viewer")
  @Query(() => [GeneratorInfo], { description: "The note generators an experiment may name, builtin first" })
  generators(@Ctx() { services }: Context): GeneratorInfo[] {
    return services.generators.list().map(({ name, kind, description, pinned }) => ({ name, kind, description, pinned }));
  }
}
