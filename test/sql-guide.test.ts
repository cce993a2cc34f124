/**
 * The existing tool's guide gives SQL that its users run by hand; it must keep working unchanged.
 * The shared med-management cases are imported, and demo reviewers (not real people: demo data)
 * accept copies of the LLM rubrics of some cases.
 */
import path from "node:path";
import { REVIEWERS } from "./support/fixtures";
import { dataOf, startTestApp, type TestApp } from "./support/app";

const ELIGIBLE_SQL = `WITH rubric_authors AS (SELECT case_id, COUNT(DISTINCT author) as validated_human_authors
                        FROM rubric
                        WHERE validation = 'accepted'
                          AND author != 'llm' AND author IS NOT NULL
GROUP BY case_id
    )
SELECT case_id FROM rubric_authors WHERE validated_human_authors >= 2;`;
const MODELS_SQL = `SELECT id, vendor, case when model = '' then 'default' else model end FROM model ORDER BY vendor, model;`;
const COUNTS_SQL = `SELECT COUNT(*) as total_notes, COUNT(CASE WHEN failed = false THEN 1 END) as successful_notes,
       COUNT(CASE WHEN failed = true THEN 1 END) as failed_notes
FROM experiment_result WHERE experiment_id = 1;`;
const RECENT_SQL = `SELECT case_id, failed, created FROM experiment_result WHERE experiment_id = 1 ORDER BY created DESC LIMIT 10;`;

describe("the existing tool's SQL", () => {
  let t: TestApp;
  let caseIds: number[];

  beforeAll(async () => {
    t = await startTestApp();
    const folder = path.join(t.config.sharedDataDir, "med-management");
    caseIds = dataOf(await t.gql(`mutation($p: String!) { importCaseFolder(path: $p) { cases rubrics caseIds } }`, { p: folder }))
      .importCaseFolder.caseIds;
  });
  afterAll(() => t.stop());

  test("importing the shared folder twice creates 40 cases with one LLM rubric each, once", async () => {
    const folder = path.join(t.config.sharedDataDir, "med-management");
    const again = dataOf(
      await t.gql(`mutation($p: String!) { importCaseFolder(path: $p) { cases rubrics caseIds } }`, { p: folder }),
    );
    expect(again.importCaseFolder).toEqual({ cases: 40, rubrics: 40, caseIds });
    const [{ count }] = await t.app.db.query(
      `SELECT COUNT(*)::int AS count FROM rubric WHERE author = 'llm' AND validation = 'not_evaluated'`,
    );
    expect(count).toBe(40);
    const { case: first } = dataOf(await t.gql(`query($id: Int!) { case(id: $id) { name transcript } }`, { id: caseIds[0] }));
    expect(first.name).toBe("med-management/Patient_1");
    expect(first.transcript[0]).toEqual({ speaker: "Patient", text: expect.stringContaining("set a reminder") });
  });

  test("the eligibility query returns the cases two reviewers accepted, as eligibleCases does", async () => {
    const review = async (caseId: number, author: string, validation: string) => {
      const [{ id: parent }] = await t.app.db.query(`SELECT id FROM rubric WHERE case_id = $1 AND author = 'llm'`, [caseId]);
      const rubric = (await t.app.db.query(`SELECT rubric FROM rubric WHERE id = $1`, [parent]))[0].rubric;
      dataOf(
        await t.gql(`mutation($i: AddRubricInput!) { addRubric(input: $i) { id } }`, {
          i: { caseId, author, rubric, validation, parentRubricId: parent, comments: "demo review (demo data)" },
        }),
      );
    };
    const [a, b, c, d] = caseIds;
    for (const id of [a, b]) for (const reviewer of REVIEWERS) await review(id, reviewer, "accepted");
    await review(c, REVIEWERS[0], "accepted"); // one reviewer only
    await review(c, REVIEWERS[0], "accepted"); // same reviewer again: still one author
    await review(d, REVIEWERS[0], "accepted");
    await review(d, REVIEWERS[1], "refused");

    const rows: { case_id: number }[] = await t.app.db.query(ELIGIBLE_SQL);
    expect(rows.map((r) => r.case_id).sort((x, y) => x - y)).toEqual([a, b]);
    const { eligibleCases } = dataOf(await t.gql(`{ eligibleCases { id } }`));
    expect(eligibleCases.map((e: { id: number }) => e.id)).toEqual([a, b]);
  });

  test("the model listing shows '' as default", async () => {
    dataOf(await t.gql(`mutation { createModel(input: {vendor: "openai", model: ""}) { id } }`));
    dataOf(await t.gql(`mutation { createModel(input: {vendor: "anthropic", model: "claude-opus-4-1-20250805"}) { id } }`));
    const rows = await t.app.db.query(MODELS_SQL);
    expect(rows.map((r: Record<string, unknown>) => [r.vendor, r.model])).toEqual([
      ["anthropic", "claude-opus-4-1-20250805"],
      ["openai", "default"],
    ]);
  });

  test("the result counts and the recent results read experiment_result as the tool wrote it", async () => {
    const { createExperiment } = dataOf(
      await t.gql(
        `mutation { createExperiment(input: {name: "sql", hyperscribeVersion: "v1", cycleTranscriptOverlaps: [100], noteReplications: 1, gradeReplications: 1}) { id } }`,
      ),
    );
    expect(createExperiment.id).toBe(1);
    // Three finished notes (two succeeded, one failed) and one still planned (failed is null until it ends).
    const insert = `INSERT INTO experiment_result (experiment_id, experiment_name, hyperscribe_version, case_id, case_name,
        cycle_transcript_overlap, note_replication, status, failed, created)
      VALUES (1, 'sql', 'v1', $1, 'c', 100, $2::int, $3, $4, now() - make_interval(secs => $2::int))`;
    await t.app.db.query(insert, [caseIds[0], 1, "succeeded", false]);
    await t.app.db.query(insert, [caseIds[1], 2, "succeeded", false]);
    await t.app.db.query(insert, [caseIds[2], 3, "failed", true]);
    await t.app.db.query(insert, [caseIds[3], 4, "planned", null]);

    const [counts] = await t.app.db.query(COUNTS_SQL);
    expect(counts).toEqual({ total_notes: "4", successful_notes: "2", failed_notes: "1" });
    const recent: { case_id: number; failed: boolean | null }[] = await t.app.db.query(RECENT_SQL);
    expect(recent.map((r) => [r.case_id, r.failed])).toEqual([
      [caseIds[0], false],
      [caseIds[1], false],
      [caseIds[2], true],
      [caseIds[3], null],
    ]);
  });
});
