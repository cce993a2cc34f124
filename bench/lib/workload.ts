/** The standard workload, built through the API: cases, demo reviewers' rubrics, models, experiments. */
import type { Api } from "./api";

export const REVIEWERS = ["demo.reviewer.a@example.com", "demo.reviewer.b@example.com"];

export interface Seed {
  caseIds: number[];
  /** [generator, grader, graderIsReasoning] per combination. */
  combinations: [number, number, boolean][];
}

/** Imports the case folder and gives every case two accepted demo rubrics; creates the four models. */
export async function seed(api: Api, folder: string, fakeUrl: string): Promise<Seed> {
  const { importCaseFolder } = await api.gql(`mutation($p: String!) { importCaseFolder(path: $p) { cases caseIds } }`, {
    p: folder,
  });
  const caseIds: number[] = importCaseFolder.caseIds;
  const { cases } = await api.gql<{ cases: { id: number; rubrics: { author: string; rubric: unknown[] }[] }[] }>(
    `{ cases { id rubrics { author rubric { criterion weight sense } } } }`,
  );
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const caseId of caseIds) {
    const rubric = byId.get(caseId)?.rubrics.find((r) => r.author === "llm")?.rubric;
    if (!rubric) throw new Error(`case ${caseId} has no rubric in the folder`);
    for (const author of REVIEWERS) {
      await api.gql(`mutation($i: AddRubricInput!) { addRubric(input: $i) { id } }`, {
        i: { caseId, author, rubric, validation: "accepted", comments: "demo review (demo data)" },
      });
    }
  }
  const model = async (vendor: string, name: string) =>
    (
      await api.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, {
        i: { vendor, model: name, apiKey: `sk-bench-${vendor}`, baseUrl: vendor === "openai" ? `${fakeUrl}/v1` : fakeUrl },
      })
    ).createModel.id as number;
  const combinations: Seed["combinations"] = [
    [await model("openai", "gpt-4.1"), await model("anthropic", "claude-sonnet-4-5-20250929"), false],
    [await model("anthropic", "claude-sonnet-4-5-20250929"), await model("openai", "o3"), true],
  ];
  return { caseIds, combinations };
}

export interface ExperimentShape {
  cases: number;
  noteReplications: number;
  gradeReplications: number;
}

/** A fresh experiment of the seeded cases and both combinations; its job counts follow from the shape. */
export async function createExperiment(
  api: Api,
  s: Seed,
  name: string,
  shape: ExperimentShape,
  generator = "builtin",
): Promise<number> {
  const { createExperiment } = await api.gql(`mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }`, {
    i: {
      name,
      generator,
      hyperscribeVersion: "bench",
      cycleTranscriptOverlaps: [100],
      noteReplications: shape.noteReplications,
      gradeReplications: shape.gradeReplications,
    },
  });
  const experimentId: number = createExperiment.id;
  await api.gql(`mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`, {
    e: experimentId,
    c: s.caseIds.slice(0, shape.cases),
  });
  for (const [generator, grader, reasoning] of s.combinations) {
    await api.gql(`mutation($i: AddExperimentModelInput!) { addExperimentModel(input: $i) { id } }`, {
      i: { experimentId, modelNoteGeneratorId: generator, modelNoteGraderId: grader, modelNoteGraderIsReasoning: reasoning },
    });
  }
  return experimentId;
}

export function plannedJobs(shape: ExperimentShape): { notes: number; grades: number } {
  const notes = shape.cases * 2 * shape.noteReplications; // 2 combinations, 1 overlap
  return { notes, grades: notes * REVIEWERS.length * shape.gradeReplications };
}

export async function startRun(api: Api, experimentId: number, workers: number): Promise<number> {
  const { startExperimentRun } = await api.gql(
    `mutation($e: Int!, $w: Int!) { startExperimentRun(experimentId: $e, workers: $w, maxAttempts: 3) { id status } }`,
    { e: experimentId, w: workers },
  );
  return startExperimentRun.id;
}
