/**
 * Cost before and during a run, through GraphQL against the fake vendor: a model without a price
 * costs null (unknown) with an "unpriced" count, never 0; the run estimate from the inputs' sizes,
 * then calibrated by finished jobs (the expected figures are computed here from the fixtures' sizes
 * and the rows' real tokens, following docs/budgets.md, not read back from the answer).
 */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { GRADE_TEMPLATE_CHARS, NOTE_TEMPLATE_CHARS } from "../src/llm/estimate";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { seedExperiment, startRun, waitForRunEnd, type SeedOptions } from "./support/experiment";
import { CYCLED_TRANSCRIPT, RUBRIC, REVIEWERS, TRANSCRIPT } from "./support/fixtures";

/** gen-openai and grade-priced are priced here; grade-anthropic (the grader of the default seed) is not. */
const PRICES = { "gen-openai": { input: 2, output: 8 }, "grade-priced": { input: 1, output: 4 } };
const PRICED: SeedOptions["combinations"] = [{ generator: ["openai", "gen-openai"], grader: ["openai", "grade-priced"] }];

const ESTIMATE = `query($e: Int!) { estimateExperimentRun(experimentId: $e) {
  scope basis calibratedNotes calibratedGrades notes grades calls
  inputTokens { low high } outputTokens { low high } costUsd { low high } unpricedModels
  models { vendor model notes grades calls inputTokens { low high } outputTokens { low high } costUsd { low high } } } }`;

type Range = { low: number; high: number };
const tokens = (chars: number) => chars / 4;
const mid = (r: Range) => (r.low + r.high) / 2;
const scale = (r: Range, ratio: Range): Range => ({ low: mid(r) * ratio.low, high: mid(r) * ratio.high });
const spread = (xs: number[]): Range => ({ low: Math.min(...xs), high: Math.max(...xs) });

/** A note job's tokens from its inputs' sizes (docs/budgets.md). */
function noteTokens(transcript: unknown, chart: unknown) {
  const cycles = Array.isArray(transcript) ? 1 : Object.keys(transcript as object).length;
  const t = JSON.stringify(transcript).length;
  const input = tokens(cycles * (NOTE_TEMPLATE_CHARS + JSON.stringify(chart ?? {}).length) + t);
  return { cycles, input: { low: input, high: input }, output: { low: 0.1 * tokens(t), high: 0.5 * tokens(t) } };
}

/** A chat grader's tokens: template, rubric and note in; 30 to 150 tokens per criterion out. */
function gradeTokens(note: Range) {
  const fixed = tokens(GRADE_TEMPLATE_CHARS + JSON.stringify(RUBRIC).length);
  return {
    input: { low: fixed + note.low, high: fixed + note.high },
    output: { low: RUBRIC.length * 30, high: RUBRIC.length * 150 },
  };
}

describe("cost", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 11, logBodies: false });
    t = await startTestApp({ LLM_PRICES_JSON: JSON.stringify(PRICES) });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  const estimate = async (experimentId: number) => dataOf(await t.gql(ESTIMATE, { e: experimentId })).estimateExperimentRun;

  async function addCase(experimentId: number, name: string, transcript: unknown): Promise<number> {
    const { importCase } = dataOf(
      await t.gql(`mutation($t: JSON!) { importCase(input: {name: "${name}", transcript: $t}) { id } }`, { t: transcript }),
    );
    for (const author of REVIEWERS)
      dataOf(
        await t.gql(
          `mutation($c: Int!, $a: String!, $r: JSON!) { addRubric(input: {caseId: $c, author: $a, rubric: $r, validation: accepted}) { id } }`,
          { c: importCase.id, a: author, r: RUBRIC },
        ),
      );
    dataOf(
      await t.gql(`mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`, {
        e: experimentId,
        c: [importCase.id],
      }),
    );
    return importCase.id;
  }

  test("an unpriced grader: estimated from sizes with its cost unknown; its grades cost null, counted as unpriced", async () => {
    const seeded = await seedExperiment(t, fake, { name: "unpriced", cases: 2 }); // 2 notes, 2 rubrics each: 4 grades

    // Before the run: every job, from the inputs' sizes.
    const before = await estimate(seeded.experimentId);
    const note = noteTokens(TRANSCRIPT, null);
    const grade = gradeTokens(note.output);
    expect(before).toMatchObject({
      scope: "all",
      basis: "from input sizes",
      calibratedNotes: 0,
      notes: 2,
      grades: 4,
      calls: 6,
      costUsd: null,
      unpricedModels: ["anthropic/grade-anthropic"],
    });
    const generator = before.models.find((m: any) => m.model === "gen-openai");
    const grader = before.models.find((m: any) => m.model === "grade-anthropic");
    expect(generator.inputTokens).toEqual({ low: Math.round(2 * note.input.low), high: Math.round(2 * note.input.high) });
    expect(generator.outputTokens).toEqual({ low: Math.round(2 * note.output.low), high: Math.round(2 * note.output.high) });
    expect(generator.costUsd.low).toBeCloseTo((2 * note.input.low * 2 + 2 * note.output.low * 8) / 1e6, 6);
    expect(generator.costUsd.high).toBeCloseTo((2 * note.input.high * 2 + 2 * note.output.high * 8) / 1e6, 6);
    expect(grader).toMatchObject({ grades: 4, costUsd: null });
    expect(grader.inputTokens).toEqual({ low: Math.round(4 * grade.input.low), high: Math.round(4 * grade.input.high) });
    expect(grader.outputTokens).toEqual({ low: 4 * grade.output.low, high: 4 * grade.output.high });

    const run = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 1");
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    const {
      experimentProgress: p,
      experimentResults: r,
      experimentSummary: s,
      experimentRun: noBudget,
    } = dataOf(
      await t.gql(
        `query($e: Int!, $r: Int!) {
          experimentRun(id: $r) { budgetUsd spentUsd }
          experimentProgress(experimentId: $e) { costUsd unpriced budgetUsd spentUsd grades { succeeded } }
          experimentResults(experimentId: $e) { edges { node { costUsd inputTokens outputTokens scores { costUsd inputTokens } } } }
          experimentSummary(experimentId: $e) { arms { costPerNote costPerGrade unpricedNotes unpricedGrades } } }`,
        { e: seeded.experimentId, r: run.id },
      ),
    );
    expect(p).toEqual({ costUsd: null, unpriced: 4, budgetUsd: null, spentUsd: null, grades: { succeeded: 4 } });
    expect(noBudget).toEqual({ budgetUsd: null, spentUsd: null }); // no budget: nothing counted, not $0
    const notes = r.edges.map((e: any) => e.node);
    expect(notes).toHaveLength(2);
    for (const n of notes) {
      // the generator is priced: its cost is its tokens at the configured price
      expect(n.costUsd).toBeCloseTo((n.inputTokens * 2 + n.outputTokens * 8) / 1e6, 6);
      expect(n.costUsd).toBeGreaterThan(0);
      expect(n.scores).toHaveLength(2);
      for (const score of n.scores) {
        expect(score.inputTokens).toBeGreaterThan(0);
        expect(score.costUsd).toBeNull();
      }
    }
    expect(s.arms).toHaveLength(1);
    expect(s.arms[0]).toMatchObject({ costPerGrade: null, unpricedNotes: 0, unpricedGrades: 4 });
    expect(s.arms[0].costPerNote).toBeGreaterThan(0);

    // A case added after the run: only its jobs remain, calibrated by the 2 notes and 4 grades written.
    await addCase(seeded.experimentId, "unpriced-late", CYCLED_TRANSCRIPT);
    const after = await estimate(seeded.experimentId);
    expect(after).toMatchObject({
      scope: "remaining",
      basis: "calibrated by 6 finished jobs (2 notes, 4 grades)",
      calibratedNotes: 2,
      calibratedGrades: 4,
      notes: 1,
      grades: 2,
      calls: 2 + 2, // two transcript cycles, two grades
    });
    const rows: { kind: string; input_tokens: number; output_tokens: number; note_chars: number | null }[] = await t.app.db.query(
      `SELECT 'note' AS kind, input_tokens, output_tokens, NULL::int AS note_chars FROM experiment_result WHERE experiment_id = $1
       UNION ALL
       SELECT 'grade', s.input_tokens, s.output_tokens, length(r.note_json::text) FROM experiment_result_score s
         JOIN experiment_result r ON r.id = s.experiment_result_id WHERE s.experiment_id = $1`,
      [seeded.experimentId],
    );
    const noteRows = rows.filter((x) => x.kind === "note");
    const gradeRows = rows.filter((x) => x.kind === "grade");
    const noteIn = spread(noteRows.map((x) => x.input_tokens / mid(note.input)));
    const noteOut = spread(noteRows.map((x) => x.output_tokens / mid(note.output)));
    const gradePredicted = (noteChars: number) => gradeTokens({ low: tokens(noteChars), high: tokens(noteChars) });
    const gradeIn = spread(gradeRows.map((x) => x.input_tokens / mid(gradePredicted(x.note_chars!).input)));
    const gradeOut = spread(gradeRows.map((x) => x.output_tokens / mid(gradePredicted(x.note_chars!).output)));

    const late = noteTokens(CYCLED_TRANSCRIPT, null);
    const lateIn = scale(late.input, noteIn);
    const lateOut = scale(late.output, noteOut);
    const lateGrade = gradeTokens(lateOut); // the note to grade is the calibrated note estimate
    const lateGradeIn = scale(lateGrade.input, gradeIn);
    const lateGradeOut = scale(lateGrade.output, gradeOut);
    const gen = after.models.find((m: any) => m.model === "gen-openai");
    const grd = after.models.find((m: any) => m.model === "grade-anthropic");
    expect(gen.inputTokens).toEqual({ low: Math.round(lateIn.low), high: Math.round(lateIn.high) });
    expect(gen.outputTokens).toEqual({ low: Math.round(lateOut.low), high: Math.round(lateOut.high) });
    expect(gen.costUsd.low).toBeCloseTo((lateIn.low * 2 + lateOut.low * 8) / 1e6, 6);
    expect(gen.costUsd.high).toBeCloseTo((lateIn.high * 2 + lateOut.high * 8) / 1e6, 6);
    expect(grd.inputTokens).toEqual({ low: Math.round(2 * lateGradeIn.low), high: Math.round(2 * lateGradeIn.high) });
    expect(grd.outputTokens).toEqual({ low: Math.round(2 * lateGradeOut.low), high: Math.round(2 * lateGradeOut.high) });
    // calibration moved the estimate: the fake vendor's notes are not the formula's
    expect(gen.outputTokens).not.toEqual({ low: Math.round(late.output.low), high: Math.round(late.output.high) });
  });

  test("a budget pauses the run before it passes it (within what was in flight), and a new start finishes it", async () => {
    const seeded = await seedExperiment(t, fake, { name: "budget", cases: 4, noteReplications: 2, combinations: PRICED });
    const planned = await estimate(seeded.experimentId); // 8 notes, 16 grades
    expect(planned).toMatchObject({ notes: 8, grades: 16, unpricedModels: [] });
    const budget = Math.round(planned.costUsd.high * 0.3 * 1e6) / 1e6;
    const workers = 2;
    const run = await startRun(t, seeded.experimentId, `workers: ${workers}, maxAttempts: 1, budgetUsd: ${budget}`);
    expect(await waitForRunEnd(t, run.id)).toBe("paused");

    const { experimentRun: paused, experimentProgress: p } = dataOf(
      await t.gql(
        `query($r: Int!, $e: Int!) { experimentRun(id: $r) { status error budgetUsd spentUsd }
          experimentProgress(experimentId: $e) { budgetUsd spentUsd costUsd notes { succeeded } grades { succeeded } } }`,
        { r: run.id, e: seeded.experimentId },
      ),
    );
    expect(paused.error).toContain(`paused before passing the budget of $${budget.toFixed(4)}: $`);
    expect(paused.error).toMatch(
      /: \$[0-9.]+ spent, \$[0-9.]+ reserved by calls in flight, and the next (note|grade) may cost up to/,
    );
    expect(paused.budgetUsd).toBe(budget);
    expect(p).toMatchObject({ budgetUsd: budget, spentUsd: paused.spentUsd });
    // What was spent is what the jobs' rows cost (this is their only run).
    const rows: { cost: number }[] = await t.app.db.query(
      `SELECT cost_usd::float8 AS cost FROM experiment_result WHERE experiment_id = $1 AND status = 'succeeded'
       UNION ALL SELECT cost_usd::float8 FROM experiment_result_score WHERE experiment_id = $1 AND status = 'succeeded'`,
      [seeded.experimentId],
    );
    const spent = rows.reduce((s, r) => s + r.cost, 0);
    expect(paused.spentUsd).toBeCloseTo(spent, 5);
    expect(p.notes.succeeded + p.grades.succeeded).toBe(rows.length);
    expect(rows.length).toBeLessThan(24);
    // The bound: at most a note and a grade pool of `workers` each were in flight when it paused.
    const dearest = Math.max(...rows.map((r) => r.cost));
    expect(paused.spentUsd).toBeLessThanOrEqual(budget + 2 * workers * dearest);

    const again = await startRun(t, seeded.experimentId, `workers: ${workers}, maxAttempts: 1, budgetUsd: 100`);
    expect(await waitForRunEnd(t, again.id)).toBe("finished");
    const { experimentProgress: done } = dataOf(
      await t.gql(
        `query($e: Int!) { experimentProgress(experimentId: $e) { done budgetUsd notes { succeeded } grades { succeeded } } }`,
        {
          e: seeded.experimentId,
        },
      ),
    );
    expect(done).toMatchObject({ done: true, budgetUsd: 100, notes: { succeeded: 8 }, grades: { succeeded: 16 } });

    // A run left interrupted by processes that died with reservations on its row: resumed, it drops them.
    await t.app.db.query(`UPDATE experiment_run SET status = 'interrupted', reserved_usd = 0.5 WHERE id = $1`, [again.id]);
    const deadline = Date.now() + 15_000;
    let row: { status: string; reserved: number } | undefined;
    while (Date.now() < deadline) {
      [row] = await t.app.db.query(`SELECT status, reserved_usd::float8 AS reserved FROM experiment_run WHERE id = $1`, [
        again.id,
      ]);
      if (row?.status === "finished") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(row).toEqual({ status: "finished", reserved: 0 });
  });

  test("bad budgets, unpriced models and other roles are refused with a clear message", async () => {
    const priced = await seedExperiment(t, fake, { name: "budget-attack", cases: 1, combinations: PRICED });
    const start = (args: string, token = t.adminToken) =>
      t.gqlAs(token, `mutation($e: Int!) { startExperimentRun(experimentId: $e, ${args}) { id } }`, { e: priced.experimentId });
    for (const bad of ["-1", "0", "1e12"]) {
      const answer = await start(`budgetUsd: ${bad}`);
      expect(answer.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(answer.errors?.[0].message).toMatch(/^budgetUsd must be more than 0 and at most 1000000 \(USD\), received/);
    }
    const nan = await t.gql(`mutation($e: Int!, $b: Float) { startExperimentRun(experimentId: $e, budgetUsd: $b) { id } }`, {
      e: priced.experimentId,
      b: "NaN",
    });
    expect(nan.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const viewer = await t.makeToken("viewer");
    expect((await start("budgetUsd: 1", viewer)).errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(dataOf(await t.gqlAs(viewer, ESTIMATE, { e: priced.experimentId })).estimateExperimentRun.notes).toBe(1);

    const unpriced = await seedExperiment(t, fake, { name: "budget-unpriced", cases: 1 });
    const answer = await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, budgetUsd: 5) { id } }`, {
      e: unpriced.experimentId,
    });
    expect(answer.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(answer.errors?.[0].message).toContain("A budget needs a price for every model of the run; grade-anthropic has none");
  });

  test("estimates refuse what is not there, and ask for a token", async () => {
    const missing = await t.gql(ESTIMATE, { e: 999_999 });
    expect(missing.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const anonymous = await t.gqlAs(undefined, ESTIMATE, { e: 1 });
    expect(anonymous.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});
