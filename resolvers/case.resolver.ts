import { Authorized, Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Case } from "../entities/case";
import { LLM_AUTHOR, Rubric, RubricValidation } from "../entities/rubric";
import type { Context } from "../src/context";
import { importCaseFolder } from "../src/services/case-import";
import { assertAuthor } from "../src/services/validation";
import { AddRubricInput, ImportCaseInput } from "./types/case.input";
import { ImportSummary } from "./types/import-summary.type";

@Resolver(() => Case)
export class CaseResolver {
  @Authorized("viewer")
  @Query(() => [Case])
  cases(@Ctx() { services }: Context): Promise<Case[]> {
    return services.cases.list();
  }

  @Authorized("viewer")
  @Query(() => Case, { nullable: true })
  case(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<Case | null> {
    return services.cases.get(id);
  }

  @Authorized("viewer")
  @Query(() => [Case], { description: "Cases with accepted rubrics from at least minHumanAuthors distinct human authors" })
  eligibleCases(
    @Arg("minHumanAuthors", () => Int, { defaultValue: 2 }) minHumanAuthors: number,
    @Ctx() { services }: Context,
  ): Promise<Case[]> {
    return services.cases.eligible(minHumanAuthors);
  }

  @FieldResolver(() => [Rubric])
  rubrics(@Root() kase: Case, @Ctx() { services }: Context): Promise<Rubric[]> {
    return services.cases.rubricsOf(kase.id);
  }

  @FieldResolver(() => Int, { description: "Distinct human authors with an accepted rubric for this case" })
  async humanAuthors(@Root() kase: Case, @Ctx() { services }: Context): Promise<number> {
    return (await services.cases.humanAuthorCounts([kase.id])).get(kase.id) ?? 0;
  }

  @Authorized("admin")
  @Mutation(() => Case, { description: "Creates a case, or updates the case with the same name" })
  importCase(@Arg("input") input: ImportCaseInput, @Ctx() { services }: Context): Promise<Case> {
    return services.cases.importCase(input);
  }

  @Authorized("admin")
  @Mutation(() => ImportSummary, {
    description:
      "Imports a folder on the server (inside the import roots, IMPORT_ROOTS) in the existing tool's format (one folder per case with transcript.json, " +
      "limited_chart.json, rubric.json, profile.json, spec.json); the rubrics as author `llm`, not evaluated. " +
      "A relative path is read under the first root (SHARED_DATA_DIR by default); without a path, every collection there is imported",
  })
  importCaseFolder(
    @Arg("path", () => String, { nullable: true }) path: string | null,
    @Ctx() { services, config }: Context,
  ): Promise<ImportSummary> {
    return importCaseFolder(services.cases, path ?? config.importRoots[0], { roots: config.importRoots });
  }

  @Authorized("reviewer")
  @Mutation(() => Rubric, {
    description:
      "Adds a rubric to a case. A person's rubric (author = their email) is signed by their own token: a token signs as one reviewer, bound by its first decision (admin tokens: anyone)",
  })
  async addRubric(@Arg("input") input: AddRubricInput, @Ctx() { services, tokens, principal }: Context): Promise<Rubric> {
    // A person's rubric is signed by the token that speaks for them; the LLM's is anyone's to add.
    if (input.author !== LLM_AUTHOR) {
      assertAuthor(input.author);
      await tokens.reviewAs(principal, input.author);
    }
    return services.cases.addRubric(input);
  }

  @Authorized("reviewer")
  @Mutation(() => Rubric, {
    description:
      "Sets a rubric's validation in place: the LLM's by any reviewer, a person's only by the token that signs as them (others accept it with acceptRubric)",
  })
  async validateRubric(
    @Arg("id", () => Int) id: number,
    @Arg("validation", () => RubricValidation) validation: RubricValidation,
    @Ctx() { services, tokens, principal }: Context,
  ): Promise<Rubric> {
    // Setting a person's rubric valid or not is theirs to do (others accept it as their own copy).
    const rubric = await services.review.get(id);
    if (rubric.author !== LLM_AUTHOR) await tokens.reviewAs(principal, rubric.author);
    return services.cases.validateRubric(id, validation);
  }
}
