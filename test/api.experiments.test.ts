import { REVIEWERS, RUBRIC, TRANSCRIPT } from "./support/fixtures";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";

const CREATE = `mutation($input: CreateExperimentInput!) {
  createExperiment(input: $input) { id name hyperscribeVersion cycleTimes cycleTranscriptOverlaps noteReplications gradeReplications }
}`;
const SETTINGS = { hyperscribeVersion: "abc123", cycleTranscriptOverlaps: [100], noteReplications: 2, gradeReplications: 1 };

describe("experiments", () => {
  let t: TestApp;
  let eligibleIds: number[];
  let ineligibleId: number;
  let generatorId: number;
  let graderId: number;

  beforeAll(async () => {
    t = await startTestApp();
    const importCase = async (name: string) =>
      dataOf(
        await t.gql(`mutation($t: JSON!) { importCase(input: {name: "${name}", transcript: $t}) { id } }`, { t: TRANSCRIPT }),
      ).importCase.id as number;
    const accept = async (caseId: number, author: string) =>
      dataOf(
        await t.gql(
          `mutation($c: Int!, $a: String!, $r: JSON!) { addRubric(input: {caseId: $c, author: $a, rubric: $r, validation: accepted}) { id } }`,
          {
            c: caseId,
            a: author,
            r: RUBRIC,
          },
        ),
      );
    eligibleIds = [await importCase("e-1"), await importCase("e-2")];
    for (const id of eligibleIds) for (const author of REVIEWERS) await accept(id, author);
    ineligibleId = await importCase("e-only-one-reviewer");
    await accept(ineligibleId, REVIEWERS[0]);
    generatorId = dataOf(await t.gql(`mutation { createModel(input: {vendor: "openai", model: "gpt-4.1"}) { id } }`)).createModel
      .id;
    graderId = dataOf(await t.gql(`mutation { createModel(input: {vendor: "anthropic", model: ""}) { id } }`)).createModel.id;
  });
  afterAll(async () => {
    await t.stop();
    if (process.env.DEBUG_LOGS) console.log(t.logs.join("\n"));
  });

  test("createExperiment creates, then updates the experiment of the same name", async () => {
    const first = dataOf(await t.gql(CREATE, { input: { name: "upsert", ...SETTINGS } })).createExperiment;
    expect(first).toMatchObject({ name: "upsert", cycleTimes: [], cycleTranscriptOverlaps: [100], noteReplications: 2 });
    const second = dataOf(
      await t.gql(CREATE, { input: { name: "upsert", ...SETTINGS, noteReplications: 5, cycleTranscriptOverlaps: [50, 100] } }),
    ).createExperiment;
    expect(second).toMatchObject({ id: first.id, noteReplications: 5, cycleTranscriptOverlaps: [50, 100] });
    expect(
      dataOf(await t.gql(`{ experiments { name } }`)).experiments.filter((e: { name: string }) => e.name === "upsert"),
    ).toHaveLength(1);
  });

  test.each([
    ["noteReplications < 1", { noteReplications: 0 }, "noteReplications must be at least 1"],
    ["gradeReplications < 1", { gradeReplications: -1 }, "gradeReplications must be at least 1"],
    ["empty overlaps", { cycleTranscriptOverlaps: [] }, "cycleTranscriptOverlaps must hold at least one value"],
    ["a negative overlap", { cycleTranscriptOverlaps: [-5] }, "whole numbers of words"],
    ["an empty name", { name: " " }, "name must not be empty"],
    ["an empty version", { hyperscribeVersion: "" }, "hyperscribeVersion must not be empty"],
  ])("createExperiment refuses %s and saves nothing", async (_label, change, message) => {
    const response = await t.gql(CREATE, { input: { name: "refused", ...SETTINGS, ...change } });
    expect(errorCodeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toContain(message);
    expect(dataOf(await t.gql(`{ experiments { name } }`)).experiments.map((e: { name: string }) => e.name)).not.toContain(
      "refused",
    );
  });

  test("addExperimentCases is idempotent and experiment() lists the cases and combinations", async () => {
    const { id } = dataOf(await t.gql(CREATE, { input: { name: "with-cases", ...SETTINGS } })).createExperiment;
    const add = `mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`;
    dataOf(await t.gql(add, { e: id, c: eligibleIds }));
    dataOf(await t.gql(add, { e: id, c: eligibleIds }));
    dataOf(
      await t.gql(`mutation($e: Int!, $c: Int!) { addExperimentCase(experimentId: $e, caseId: $c) { id } }`, {
        e: id,
        c: eligibleIds[0],
      }),
    );
    const input = {
      experimentId: id,
      modelNoteGeneratorId: generatorId,
      modelNoteGraderId: graderId,
      modelNoteGraderIsReasoning: true,
    };
    const addModel = `mutation($input: AddExperimentModelInput!) { addExperimentModel(input: $input) { id } }`;
    const combination = dataOf(await t.gql(addModel, { input })).addExperimentModel;
    expect(dataOf(await t.gql(addModel, { input })).addExperimentModel.id).toBe(combination.id);

    const { experiment } = dataOf(
      await t.gql(
        `query($id: Int!) { experiment(id: $id) { cases { id } models { id noteGenerator { id displayName } noteGrader { id displayName } noteGraderIsReasoning } } }`,
        { id },
      ),
    );
    expect(experiment.cases.map((c: { id: number }) => c.id)).toEqual(eligibleIds);
    expect(experiment.models).toEqual([
      {
        id: combination.id,
        noteGenerator: { id: generatorId, displayName: "gpt-4.1" },
        noteGrader: { id: graderId, displayName: "default" },
        noteGraderIsReasoning: true,
      },
    ]);
  });

  test("an ineligible case is refused with the reason unless allowIneligible", async () => {
    const { id } = dataOf(await t.gql(CREATE, { input: { name: "ineligible", ...SETTINGS } })).createExperiment;
    const add = `mutation($e: Int!, $c: Int!, $allow: Boolean!) { addExperimentCase(experimentId: $e, caseId: $c, allowIneligible: $allow) { cases { id } } }`;
    const refused = await t.gql(add, { e: id, c: ineligibleId, allow: false });
    expect(errorCodeOf(refused)).toBe("BAD_USER_INPUT");
    expect(refused.errors![0].message).toContain("has accepted rubrics from 1 human author(s)");
    expect(refused.errors![0].extensions?.ineligibleCaseIds).toEqual([ineligibleId]);
    const allowed = dataOf(await t.gql(add, { e: id, c: ineligibleId, allow: true }));
    expect(allowed.addExperimentCase.cases).toEqual([{ id: ineligibleId }]);
  });

  test("unknown experiments, cases and models are NOT_FOUND", async () => {
    const { id } = dataOf(await t.gql(CREATE, { input: { name: "not-found", ...SETTINGS } })).createExperiment;
    const addCase = `mutation($e: Int!, $c: Int!) { addExperimentCase(experimentId: $e, caseId: $c) { id } }`;
    expect(errorCodeOf(await t.gql(addCase, { e: 424242, c: eligibleIds[0] }))).toBe("NOT_FOUND");
    const unknownCase = await t.gql(addCase, { e: id, c: 424242 });
    expect(errorCodeOf(unknownCase)).toBe("NOT_FOUND");
    expect(unknownCase.errors![0].message).toBe("Case 424242 does not exist");
    const unknownCases = await t.gql(
      `mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`,
      {
        e: id,
        c: [424242, eligibleIds[0], 424243],
      },
    );
    expect(errorCodeOf(unknownCases)).toBe("NOT_FOUND");
    expect(unknownCases.errors![0].message).toBe("Cases 424242, 424243 do not exist");
    const addModel = `mutation($input: AddExperimentModelInput!) { addExperimentModel(input: $input) { id } }`;
    const badModel = await t.gql(addModel, {
      input: { experimentId: id, modelNoteGeneratorId: 424242, modelNoteGraderId: graderId },
    });
    expect(errorCodeOf(badModel)).toBe("NOT_FOUND");
    expect(badModel.errors![0].message).toBe("Model 424242 does not exist");
    expect(dataOf(await t.gql(`{ experiment(id: 424242) { id } }`)).experiment).toBeNull();
  });

  test("a combination whose model was deleted says so with NOT_FOUND", async () => {
    const { id } = dataOf(await t.gql(CREATE, { input: { name: "deleted-model", ...SETTINGS } })).createExperiment;
    const doomed = dataOf(await t.gql(`mutation { createModel(input: {vendor: "openai", model: "doomed"}) { id } }`)).createModel
      .id;
    dataOf(
      await t.gql(`mutation($input: AddExperimentModelInput!) { addExperimentModel(input: $input) { id } }`, {
        input: { experimentId: id, modelNoteGeneratorId: doomed, modelNoteGraderId: graderId },
      }),
    );
    dataOf(await t.gql(`mutation($id: Int!) { deleteModel(id: $id) { id } }`, { id: doomed }));
    const response = await t.gql(
      `query($id: Int!) { experiment(id: $id) { models { modelNoteGeneratorId noteGenerator { id } } } }`,
      { id },
    );
    expect(errorCodeOf(response)).toBe("NOT_FOUND");
    expect(response.errors![0].message).toContain("generator model of combination");
  });
});
