import { Authorized, Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { ExperimentResult } from "../entities/experiment-result";
import type { GeneratedNote } from "../entities/generated-note";
import type { Context } from "../src/context";
import { NoteProvenance } from "./types/provenance.type";

export function provenanceOf(note: GeneratedNote): NoteProvenance {
  return {
    generatorName: note.generatorName,
    generatorKind: note.generatorKind,
    version: note.hyperscribeVersion,
    commit: note.generatorCommit || null,
    promptVersion: note.promptVersion || null,
    vendor: note.textLlmVendor,
    model: note.textLlmName,
    inputTokens: note.inputTokens,
    outputTokens: note.outputTokens,
    costUsd: note.costUsd,
    durationMs: note.durationMs,
  };
}

@Resolver(() => ExperimentResult)
export class NoteProvenanceResolver {
  @Authorized("viewer")
  @Query(() => ExperimentResult, { nullable: true, description: "One note job, by id" })
  experimentResult(@Arg("id", () => Int) id: number, @Ctx() { services }: Context): Promise<ExperimentResult | null> {
    return services.runs.result(id);
  }

  @FieldResolver(() => NoteProvenance, { nullable: true, description: "Where the note came from; null until it is written" })
  async provenance(@Root() result: ExperimentResult, @Ctx() { loaders }: Context): Promise<NoteProvenance | null> {
    if (result.generatedNoteId === null) return null;
    const note = await loaders.generatedNote(result.generatedNoteId);
    return note ? provenanceOf(note) : null;
  }
}
