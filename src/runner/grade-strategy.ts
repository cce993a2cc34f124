/** Grade jobs: grade one note against one rubric (one grade replication). */
import type { GradeResult, ModelSpec, Criterion } from "../llm";
import type { JobStrategy } from "./job-strategy";
import type { RunPlan } from "./plan";

export interface GradeRequest {
  rubric: Criterion[];
  note: unknown;
  model: ModelSpec;
  signal: AbortSignal;
}

export type GradeNote = (request: GradeRequest) => Promise<GradeResult>;

export function makeGradeStrategy(plan: RunPlan, grade: GradeNote): JobStrategy<"grade"> {
  return {
    kind: "grade",
    resultIdOf: (job) => job.experimentResultId,
    gradesLostOnFailure: () => 0,
    async attempt(job, signal, startedAt) {
      const rubric = plan.rubrics.get(job.rubricId);
      const combination = plan.combinations.find((c) => c.id === job.noteExperimentModelId);
      if (!rubric || !combination)
        throw new Error(`rubric ${job.rubricId} or the note's combination is no longer part of the experiment`);
      const result = await grade({ rubric, note: job.noteJson, model: combination.grader, signal });
      return {
        rubricId: job.rubricId,
        generatedNoteId: job.generatedNoteId,
        scoringResult: result.scoringResult,
        overallScore: result.overallScore,
        vendor: result.usage.vendor,
        modelName: result.usage.model,
        temperature: result.temperature,
        promptVersion: result.promptVersion,
        durationMs: Date.now() - startedAt,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        costUsd: result.usage.costUsd,
      };
    },
    completed: (row) => ({ row, planned: null }),
  };
}
