/**
 * Note jobs: generate the note of one case × combination × overlap × replication. The note itself
 * comes from `generate` (today the LLM layer's generateNote); the strategy adds what the run knows
 * (the case, the combination, the experiment's version) and what the stored row needs.
 */
import type { ModelSpec, NoteResult, Transcript } from "../llm";
import type { JobStrategy } from "./job-strategy";
import type { RunPlan } from "./plan";

/** What a note generator is given for one note. */
export interface NoteRequest {
  transcript: Transcript;
  limitedChart: unknown;
  overlapWords: number;
  model: ModelSpec;
  signal: AbortSignal;
}

export type GenerateNote = (request: NoteRequest) => Promise<NoteResult>;

export function makeNoteStrategy(plan: RunPlan, generate: GenerateNote): JobStrategy<"note"> {
  return {
    kind: "note",
    resultIdOf: (job) => job.id,
    gradesLostOnFailure: (job) => job.plannedGrades,
    async attempt(job, signal, startedAt) {
      const kase = plan.cases.get(job.caseId);
      const combination = plan.combinations.find((c) => c.id === job.experimentModelId);
      if (!kase || !combination)
        throw new Error(`case ${job.caseId} or combination ${job.experimentModelId} is no longer part of the experiment`);
      const result = await generate({
        transcript: kase.transcript,
        limitedChart: kase.limitedChart,
        overlapWords: job.cycleTranscriptOverlap,
        model: combination.generator,
        signal,
      });
      return {
        noteJson: result.note,
        hyperscribeVersion: plan.experiment.hyperscribeVersion,
        promptVersion: result.promptVersion,
        generatorName: "builtin",
        generatorKind: "builtin",
        generatorCommit: "",
        artifacts: {
          stagedQuestionnaires: {},
          transcript2instructions: {},
          instruction2parameters: {},
          parameters2command: {},
        },
        cycleCount: result.cycles,
        overlap: job.cycleTranscriptOverlap,
        vendor: result.usage.vendor,
        modelName: result.usage.model,
        durationMs: Date.now() - startedAt,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        costUsd: result.usage.costUsd,
        rubricIds: kase.rubricIds,
        gradeReplications: plan.experiment.gradeReplications,
        graderVendor: combination.grader.vendor,
        graderModelName: combination.graderName,
      };
    },
    completed: (done) => ({ row: done.result, planned: done.newGrades > 0 ? "grade" : null }),
  };
}
