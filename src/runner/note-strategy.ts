/**
 * Note jobs: generate the note of one case × combination × overlap × replication. The note itself
 * comes from `generate` (the experiment's generator, src/generators); the strategy adds what the
 * run knows (the case, the combination, the experiment and its version) and what the stored row
 * needs, including the note's provenance (generator name, kind, commit).
 */
import type { Generation, NoteRequest, PreparedGenerator } from "../generators";
import type { JobStrategy } from "./job-strategy";
import type { RunPlan } from "./plan";

export type GenerateNote = (request: NoteRequest) => Promise<Generation>;

export function makeNoteStrategy(
  plan: RunPlan,
  generator: Pick<PreparedGenerator, "name" | "kind" | "commit">,
  generate: GenerateNote,
): JobStrategy<"note"> {
  return {
    kind: "note",
    resultIdOf: (job) => job.id,
    gradesLostOnFailure: (job) => job.plannedGrades,
    async attempt(job, signal, startedAt, attempt) {
      const kase = plan.cases.get(job.caseId);
      const combination = plan.combinations.find((c) => c.id === job.experimentModelId);
      if (!kase || !combination)
        throw new Error(`case ${job.caseId} or combination ${job.experimentModelId} is no longer part of the experiment`);
      const result = await generate({
        case: kase,
        overlap: job.cycleTranscriptOverlap,
        cycleTime: job.cycleTime,
        replication: job.noteReplication,
        attempt,
        experiment: plan.experiment,
        model: combination.generator,
        modelName: combination.generatorName,
        signal,
      });
      return {
        noteJson: result.note,
        hyperscribeVersion: plan.experiment.hyperscribeVersion,
        promptVersion: result.promptVersion,
        generatorName: generator.name,
        generatorKind: generator.kind,
        generatorCommit: generator.commit ?? "",
        artifacts: result.artifacts,
        cycleCount: result.cycles,
        overlap: job.cycleTranscriptOverlap,
        vendor: combination.generator.vendor,
        modelName: result.model,
        durationMs: Date.now() - startedAt,
        inputTokens: result.inputTokens,
        outputTokens: result.outputTokens,
        costUsd: result.costUsd,
        rubricIds: kase.rubricIds,
        gradeReplications: plan.experiment.gradeReplications,
        graderVendor: combination.grader.vendor,
        graderModelName: combination.graderName,
      };
    },
    completed: (done) => ({ row: done.result, planned: done.newGrades > 0 ? "grade" : null }),
  };
}
