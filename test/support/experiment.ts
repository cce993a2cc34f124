/** Builds a runnable experiment through the API, against the fake vendor server. */
import type { FakeLlmServer } from "../../src/dev/fake-llm/server";
import { CYCLED_TRANSCRIPT, REVIEWERS, RUBRIC, TRANSCRIPT } from "./fixtures";
import { dataOf, type TestApp } from "./app";

export const KEY = "sk-test-SECRET-runner-42";

export interface SeedOptions {
  name?: string;
  /** The generator under test and its version (default builtin, "test-sha"). */
  generator?: string;
  version?: string;
  cases?: number;
  overlaps?: number[];
  noteReplications?: number;
  gradeReplications?: number;
  /** Model names of the two combinations; distinct names let tests count calls per role. */
  combinations?: { generator: [vendor: string, model: string]; grader: [vendor: string, model: string]; reasoning?: boolean }[];
}

export interface SeededExperiment {
  experimentId: number;
  caseIds: number[];
  combinationIds: number[];
}

export const TWO_COMBINATIONS: NonNullable<SeedOptions["combinations"]> = [
  { generator: ["openai", "gen-openai"], grader: ["anthropic", "grade-anthropic"] },
  { generator: ["anthropic", "gen-anthropic"], grader: ["openai", "grade-openai-reasoning"], reasoning: true },
];

export async function seedExperiment(t: TestApp, fake: FakeLlmServer, options: SeedOptions = {}): Promise<SeededExperiment> {
  const name = options.name ?? "runner";
  const caseIds: number[] = [];
  for (let i = 0; i < (options.cases ?? 3); i++) {
    // Every third case has two cycles, so that the generator walks cycles too.
    const transcript = i % 3 === 2 ? CYCLED_TRANSCRIPT : TRANSCRIPT;
    const kase = dataOf(
      await t.gql(`mutation($t: JSON!) { importCase(input: {name: "${name}-case-${i}", transcript: $t}) { id } }`, {
        t: transcript,
      }),
    );
    caseIds.push(kase.importCase.id);
    for (const author of REVIEWERS) {
      dataOf(
        await t.gql(
          `mutation($c: Int!, $a: String!, $r: JSON!) { addRubric(input: {caseId: $c, author: $a, rubric: $r, validation: accepted}) { id } }`,
          {
            c: kase.importCase.id,
            a: author,
            r: RUBRIC,
          },
        ),
      );
    }
  }
  const { createExperiment } = dataOf(
    await t.gql(`mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }`, {
      i: {
        name,
        generator: options.generator ?? "builtin",
        hyperscribeVersion: options.version ?? "test-sha",
        cycleTranscriptOverlaps: options.overlaps ?? [100],
        noteReplications: options.noteReplications ?? 1,
        gradeReplications: options.gradeReplications ?? 1,
      },
    }),
  );
  const experimentId: number = createExperiment.id;
  dataOf(
    await t.gql(`mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`, {
      e: experimentId,
      c: caseIds,
    }),
  );
  const modelId = async ([vendor, model]: [string, string]) =>
    dataOf(
      await t.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, {
        i: { vendor, model, apiKey: KEY, baseUrl: vendor === "openai" ? fake.openaiBaseUrl : fake.anthropicBaseUrl },
      }),
    ).createModel.id as number;
  const combinationIds: number[] = [];
  for (const combination of options.combinations ?? TWO_COMBINATIONS.slice(0, 1)) {
    const { addExperimentModel } = dataOf(
      await t.gql(`mutation($i: AddExperimentModelInput!) { addExperimentModel(input: $i) { id } }`, {
        i: {
          experimentId,
          modelNoteGeneratorId: await modelId(combination.generator),
          modelNoteGraderId: await modelId(combination.grader),
          modelNoteGraderIsReasoning: combination.reasoning ?? false,
        },
      }),
    );
    combinationIds.push(addExperimentModel.id);
  }
  return { experimentId, caseIds, combinationIds };
}

export async function startRun(
  t: TestApp,
  experimentId: number,
  args = "workers: 4, maxAttempts: 3",
): Promise<{ id: number; status: string }> {
  return dataOf(
    await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, ${args}) { id status } }`, { e: experimentId }),
  ).startExperimentRun;
}

/** Polls until the run is no longer running (fails after timeoutMs). */
export async function waitForRunEnd(t: TestApp, runId: number, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { experimentRun } = dataOf(await t.gql(`query($id: Int!) { experimentRun(id: $id) { status } }`, { id: runId }));
    if (experimentRun.status !== "running") return experimentRun.status;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function countRows(t: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await t.app.db.query(sql, params);
  return Number(Object.values(row)[0]);
}
