/**
 * `note-eval rubrics …` in-process against a running server: from an imported case with an LLM
 * rubric to an eligible case, by two reviewers, one accepting and one adding an edit.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCliInProcess } from "./support/cli";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { REVIEWERS, RUBRIC, TRANSCRIPT } from "./support/fixtures";

const [ANA, BEN] = REVIEWERS;

describe("note-eval rubrics", () => {
  let t: TestApp;
  let dir: string;

  function cli(argv: string[], env: Record<string, string> = {}) {
    return runCliInProcess(argv, { NOTE_EVAL_URL: t.app.server.url, NOTE_EVAL_TOKEN: t.adminToken, ...env }, dir);
  }

  beforeAll(async () => {
    t = await startTestApp();
    dir = await mkdtemp(path.join(os.tmpdir(), "note-eval-rubrics-"));
  });
  afterAll(() => t?.stop());

  test("queue, show, accept, add an edit: the case becomes eligible and leaves the queue", async () => {
    const caseId = dataOf(
      await t.gql(`mutation($t: JSON!) { importCase(input: {name: "cli-review", transcript: $t}) { id } }`, { t: TRANSCRIPT }),
    ).importCase.id as number;
    const llmId = dataOf(
      await t.gql(`mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "llm", rubric: $r}) { id } }`, {
        c: caseId,
        r: RUBRIC,
      }),
    ).addRubric.id as number;

    const queue = await cli(["rubrics", "list"]);
    expect(queue.code).toBe(0);
    expect(queue.stdout).toMatch(new RegExp(`${caseId}\\s+cli-review\\s+0\\s+2\\s+1`));

    const shown = await cli(["rubrics", "show", String(llmId)]);
    expect(shown.stdout).toContain(`Rubric ${llmId} of case ${caseId} by llm, not_evaluated`);
    expect(shown.stdout).toMatch(/1\s+positive\s+30\s+Reward for the plan to take lisinopril in the evening/);

    // The reviewer from the environment.
    const accepted = await cli(["rubrics", "accept", String(llmId)], { NOTE_EVAL_REVIEWER: ANA });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(new RegExp(`Rubric ${llmId} accepted by ${ANA} as rubric \\d+\\.`));
    expect(accepted.stdout).toContain(`Case ${caseId}: 1 human reviewer(s) accepted a rubric; not eligible yet`);

    // The second reviewer edits a weight and signs the edit (--reviewer wins over the environment).
    await writeFile(path.join(dir, "edit.json"), JSON.stringify(RUBRIC.map((c, i) => (i === 2 ? { ...c, weight: 15 } : c))));
    const added = await cli(["rubrics", "add", "--file", "edit.json", "--parent", String(llmId), "--reviewer", BEN], {
      NOTE_EVAL_REVIEWER: ANA,
    });
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`Rubric ${llmId} edited by ${BEN} as rubric \\d+\\.`));
    expect(added.stdout).toContain("the case is eligible.");

    const listed = await cli(["rubrics", "list", "--case", String(caseId)]);
    expect(listed.stdout).toMatch(new RegExp(`${BEN}\\s+accepted\\s+${llmId}\\s+3`));
    expect(listed.stdout).toContain(`Case ${caseId} cli-review: 2 human reviewer(s), eligible`);
    expect((await cli(["rubrics", "list"])).stdout).not.toContain("cli-review");
    expect((await cli(["cases", "eligible"])).stdout).toContain("cli-review");
  });

  test("mistakes exit with 2 and say what to do", async () => {
    const noReviewer = await cli(["rubrics", "accept", "1"]);
    expect(noReviewer.code).toBe(2);
    expect(noReviewer.stderr).toContain("--reviewer you@example.com (or NOTE_EVAL_REVIEWER)");
    const unknown = await cli(["rubrics", "refuse", "424242", "--reviewer", ANA]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Rubric 424242 does not exist");
    await writeFile(path.join(dir, "bad.json"), JSON.stringify([{ criterion: "", weight: 0, sense: "up" }]));
    const bad = await cli(["rubrics", "add", "--file", "bad.json", "--case", "1", "--reviewer", ANA]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid rubric/);
  });
});
