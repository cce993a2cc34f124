import { CASE_FIELDS, CYCLED_TRANSCRIPT, REVIEWERS, RUBRIC, TRANSCRIPT } from "./support/fixtures";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";

const IMPORT = `mutation($input: ImportCaseInput!) { importCase(input: $input) { ${CASE_FIELDS} } }`;
const ADD_RUBRIC = `mutation($input: AddRubricInput!) {
  addRubric(input: $input) { id caseId author validation validationTimestamp parentRubricId rubric { criterion weight sense } }
}`;

describe("cases and rubrics", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  async function importCase(name: string, transcript: unknown = TRANSCRIPT) {
    return dataOf(await t.gql(IMPORT, { input: { name, transcript, limitedChart: { currentMedications: [] } } })).importCase;
  }

  async function addRubric(caseId: number, author: string, extra: Record<string, unknown> = {}) {
    return dataOf(await t.gql(ADD_RUBRIC, { input: { caseId, author, rubric: RUBRIC, ...extra } })).addRubric;
  }

  test("importCase creates a case, and importing the same name again updates it in place", async () => {
    const first = await importCase("upsert-case");
    expect(first).toMatchObject({ name: "upsert-case", transcript: TRANSCRIPT, validationStatus: "generation" });
    const second = await importCase("upsert-case", CYCLED_TRANSCRIPT);
    expect(second.id).toBe(first.id);
    expect(second.transcript).toEqual(CYCLED_TRANSCRIPT);
    const { cases } = dataOf(await t.gql(`{ cases { id name } }`));
    expect(cases.filter((c: { name: string }) => c.name === "upsert-case")).toHaveLength(1);
  });

  test.each([
    ["a string", "hello", "transcript must be a list"],
    ["turns without text", [{ speaker: "Patient" }], "transcript[0].text must be a string"],
    ["a cycle that is not a list", { cycle_001: "x" }, "transcript.cycle_001 must be a list"],
    ["no cycles", {}, "transcript has no cycles"],
  ])("importCase refuses a transcript that is %s and saves nothing", async (_label, transcript, message) => {
    const response = await t.gql(IMPORT, { input: { name: "bad-transcript", transcript } });
    expect(errorCodeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toContain(message);
    const { cases } = dataOf(await t.gql(`{ cases { name } }`));
    expect(cases.map((c: { name: string }) => c.name)).not.toContain("bad-transcript");
  });

  test("case(id) exposes its rubrics, and an unknown id gives null", async () => {
    const kase = await importCase("with-rubrics");
    const rubric = await addRubric(kase.id, "llm");
    expect(rubric).toMatchObject({ caseId: kase.id, author: "llm", validation: "not_evaluated", validationTimestamp: null });
    const { case: found } = dataOf(await t.gql(`query($id: Int!) { case(id: $id) { id rubrics { id } } }`, { id: kase.id }));
    expect(found.rubrics).toEqual([{ id: rubric.id }]);
    expect(dataOf(await t.gql(`{ case(id: 999999) { id } }`)).case).toBeNull();
  });

  test("addRubric keeps the parent it was derived from, and validateRubric stamps the validation", async () => {
    const kase = await importCase("derived");
    const parent = await addRubric(kase.id, "llm");
    const child = await addRubric(kase.id, REVIEWERS[0], { parentRubricId: parent.id });
    expect(child.parentRubricId).toBe(parent.id);
    const { validateRubric } = dataOf(
      await t.gql(`mutation($id: Int!) { validateRubric(id: $id, validation: accepted) { id validation validationTimestamp } }`, {
        id: child.id,
      }),
    );
    expect(validateRubric.validation).toBe("accepted");
    expect(Date.parse(validateRubric.validationTimestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  test.each([
    ["an empty list", [], "non-empty list"],
    ["a criterion without weight", [{ criterion: "x", sense: "positive" }], "rubric[0].weight must be a number > 0"],
    ["a weight of 0", [{ criterion: "x", weight: 0, sense: "positive" }], "rubric[0].weight must be a number > 0"],
    ["a negative weight", [{ criterion: "x", weight: -5, sense: "negative" }], "weight must be a number > 0"],
    ["an unknown sense", [{ criterion: "x", weight: 5, sense: "neutral" }], 'sense must be "positive" or "negative"'],
    ["no criterion text", [{ weight: 5, sense: "positive" }], "criterion must be a non-empty string"],
  ])("addRubric refuses a rubric with %s", async (_label, rubric, message) => {
    const kase = await importCase("bad-rubric");
    const response = await t.gql(ADD_RUBRIC, { input: { caseId: kase.id, author: "llm", rubric } });
    expect(errorCodeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toContain(message);
    const { case: found } = dataOf(await t.gql(`query($id: Int!) { case(id: $id) { rubrics { id } } }`, { id: kase.id }));
    expect(found.rubrics).toEqual([]);
  });

  test("addRubric refuses an unknown case, an unknown parent and an author that is neither llm nor an email", async () => {
    const kase = await importCase("bad-refs");
    const unknownCase = await t.gql(ADD_RUBRIC, { input: { caseId: 424242, author: "llm", rubric: RUBRIC } });
    expect(errorCodeOf(unknownCase)).toBe("NOT_FOUND");
    expect(unknownCase.errors![0].message).toBe("Case 424242 does not exist");
    const unknownParent = await t.gql(ADD_RUBRIC, {
      input: { caseId: kase.id, author: "llm", rubric: RUBRIC, parentRubricId: 424242 },
    });
    expect(errorCodeOf(unknownParent)).toBe("NOT_FOUND");
    const badAuthor = await t.gql(ADD_RUBRIC, { input: { caseId: kase.id, author: "Dr Who", rubric: RUBRIC } });
    expect(errorCodeOf(badAuthor)).toBe("BAD_USER_INPUT");
    expect(badAuthor.errors![0].message).toContain("email address");
  });

  test("validateRubric refuses an unknown rubric and an unknown validation", async () => {
    expect(errorCodeOf(await t.gql(`mutation { validateRubric(id: 424242, validation: accepted) { id } }`))).toBe("NOT_FOUND");
    const badEnum = await t.gql(`mutation { validateRubric(id: 1, validation: approved) { id } }`);
    expect(errorCodeOf(badEnum)).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  test("eligibleCases counts distinct human authors of accepted rubrics only", async () => {
    const two = await importCase("eligible-two");
    const sameTwice = await importCase("eligible-same-author-twice");
    const oneRefused = await importCase("eligible-one-refused");
    for (const author of REVIEWERS) await addRubric(two.id, author, { validation: "accepted" });
    await addRubric(two.id, "llm", { validation: "accepted" });
    await addRubric(sameTwice.id, REVIEWERS[0], { validation: "accepted" });
    await addRubric(sameTwice.id, REVIEWERS[0], { validation: "accepted" });
    await addRubric(oneRefused.id, REVIEWERS[0], { validation: "accepted" });
    await addRubric(oneRefused.id, REVIEWERS[1], { validation: "refused" });

    const names = async (min?: number) =>
      dataOf(await t.gql(`query($min: Int) { eligibleCases(minHumanAuthors: $min) { name humanAuthors } }`, { min }))
        .eligibleCases.map((c: { name: string }) => c.name)
        .filter((n: string) => n.startsWith("eligible-"));
    expect(await names()).toEqual(["eligible-two"]);
    expect(await names(1)).toEqual(["eligible-two", "eligible-same-author-twice", "eligible-one-refused"]);
    expect(errorCodeOf(await t.gql(`{ eligibleCases(minHumanAuthors: 0) { id } }`))).toBe("BAD_USER_INPUT");
  });
});
