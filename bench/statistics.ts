/**
 * `npm run bench:stats [-- --quick]`: the statistics timings of docs/statistics.md.
 *
 * Starts an embedded Postgres and the server (as `npm run bench` does), writes a finished experiment
 * of 20,000 grades straight into the tables (100 cases × 2 combinations × 10 note replications ×
 * 2 rubrics of 12 criteria × 5 grade replications; the runner's speed is not what is measured here),
 * then times
 *   - experimentSummary over GraphQL (HTTP, as a client sees it), target ≤ 300 ms;
 *   - a 10,000-resample case-level bootstrap (src/stats, in this process), target ≤ 1 s, for 100 and
 *     1,000 cases;
 *   - compareArms of the two combinations over GraphQL (its bootstrap included), for information.
 * Prints a table and records the figures under `statistics` in bench/results.json (--quick: fewer
 * repetitions, a temp file).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bootstrapMeanInterval } from "../src/stats";
import { gitCommit, machine, makeTmp, ROOT, startDatabase, startServer, type Database } from "./lib/env";
import { killAllStarted } from "./lib/proc";
import { round, spread } from "./lib/stats";

const QUICK = process.argv.includes("--quick");
const REPS = QUICK ? 3 : 15;
const OUT = QUICK ? path.join(os.tmpdir(), "note-eval-bench-stats-quick.json") : path.join(ROOT, "bench/results.json");
const SHAPE = { cases: 100, combinations: 2, noteReplications: 10, rubrics: 2, criteria: 12, gradeReplications: 5 };
const GRADES = SHAPE.cases * SHAPE.combinations * SHAPE.noteReplications * SHAPE.rubrics * SHAPE.gradeReplications;

const log = (message: string) => process.stderr.write(`[bench:stats] ${message}\n`);

/** One finished experiment, written in a few set-based statements. Satisfaction is pseudo-random but fixed. */
export async function seedGrades(db: Database): Promise<{ experimentId: number; combinationIds: number[] }> {
  const q = (text: string, params: unknown[] = []) => db.sql.query(text, params);
  await q(`INSERT INTO "case" (name, transcript) SELECT 'bench-case-' || i, '[]' FROM generate_series(1, $1) i`, [SHAPE.cases]);
  // 12 criteria: 9 positive, 3 negative
  await q(
    `INSERT INTO rubric (case_id, author, validation, rubric)
     SELECT c.id, a.author, 'accepted', (SELECT jsonb_agg(jsonb_build_object(
         'criterion', CASE WHEN k > 9 THEN 'Penalize for fault ' || k ELSE 'Reward for item ' || k END,
         'weight', 5 + (k * 7) % 26, 'sense', CASE WHEN k > 9 THEN 'negative' ELSE 'positive' END) ORDER BY k)
       FROM generate_series(1, $1) k)
     FROM "case" c CROSS JOIN (VALUES ('ana@example.com'), ('ben@example.com')) a(author)`,
    [SHAPE.criteria],
  );
  await q(`INSERT INTO model (vendor, model) VALUES ('openai', 'gen-a'), ('anthropic', 'grade-a'), ('openai', 'grade-b')`);
  const { rows: exp } = await q(
    `INSERT INTO experiment (name, hyperscribe_version, note_replications, grade_replications, cycle_transcript_overlaps)
     VALUES ('bench-stats', 'bench', $1, $2, '[100]') RETURNING id`,
    [SHAPE.noteReplications, SHAPE.gradeReplications],
  );
  const experimentId = exp[0].id as number;
  await q(`INSERT INTO experiment_case (experiment_id, case_id) SELECT $1, id FROM "case"`, [experimentId]);
  const { rows: combos } = await q(
    `INSERT INTO experiment_model (experiment_id, model_note_generator_id, model_note_grader_id)
     SELECT $1, g.id, r.id FROM model g, model r WHERE g.model = 'gen-a' AND r.model IN ('grade-a', 'grade-b') ORDER BY r.id RETURNING id`,
    [experimentId],
  );
  await q(
    `INSERT INTO generated_note (case_id, note_json) SELECT c.id, '[]' FROM "case" c, experiment_model em, generate_series(1, $1) n
     WHERE em.experiment_id = $2`,
    [SHAPE.noteReplications, experimentId],
  );
  // notes: one per case × combination × replication, each pointing at one generated_note
  await q(
    `WITH notes AS (
       SELECT c.id AS case_id, c.name, em.id AS em_id, n,
              row_number() OVER (ORDER BY c.id, em.id, n) AS k
       FROM "case" c, experiment_model em, generate_series(1, $1) n WHERE em.experiment_id = $2
     ), gn AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM generated_note)
     INSERT INTO experiment_result (experiment_id, experiment_name, hyperscribe_version, case_id, case_name,
       experiment_model_id, cycle_transcript_overlap, note_replication, status, failed, generated_note_id, note_json)
     SELECT $2, 'bench-stats', 'bench', notes.case_id, notes.name, notes.em_id, 100, notes.n, 'succeeded', false, gn.id, '[]'
     FROM notes JOIN gn USING (k)`,
    [SHAPE.noteReplications, experimentId],
  );
  // grades: note × its case's 2 rubrics × replications; satisfaction from a hash, so it is fixed
  await q(
    `WITH g AS (
       SELECT er.id AS result_id, er.generated_note_id, r.id AS rubric_id, r.rubric, rep,
              row_number() OVER (ORDER BY er.id, r.id, rep) AS k
       FROM experiment_result er JOIN rubric r ON r.case_id = er.case_id, generate_series(1, $1) rep
       WHERE er.experiment_id = $2
     ), s AS (
       INSERT INTO score (rubric_id, generated_note_id, overall_score, scoring_result, experiment)
       SELECT g.rubric_id, g.generated_note_id, 0, (
           SELECT jsonb_agg(jsonb_build_object('id', i - 1, 'rationale', '',
             'satisfaction', abs(hashint4((g.k * 31 + i)::int)) % 101, 'score', 0) ORDER BY i)
           FROM generate_series(1, jsonb_array_length(g.rubric)) i), true
       FROM g ORDER BY g.k RETURNING id
     ), numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM s)
     INSERT INTO experiment_result_score (experiment_result_id, experiment_id, rubric_id, grade_replication, status, failed, score_id)
     SELECT g.result_id, $2, g.rubric_id, g.rep, 'succeeded', false, numbered.id FROM g JOIN numbered USING (k)`,
    [SHAPE.gradeReplications, experimentId],
  );
  // scores from the satisfactions, on the existing tool's scale
  await q(
    `UPDATE score s SET scoring_result = x.result, overall_score = x.total
     FROM (SELECT s2.id, jsonb_agg(jsonb_set(e, '{score}', to_jsonb(round(v.score::numeric, 2))) ORDER BY (e ->> 'id')::int) AS result,
                  round(sum(v.score)::numeric, 2)::float8 AS total
           FROM score s2 JOIN rubric r ON r.id = s2.rubric_id
           CROSS JOIN LATERAL jsonb_array_elements(s2.scoring_result) e
           CROSS JOIN LATERAL (SELECT CASE WHEN r.rubric -> ((e ->> 'id')::int) ->> 'sense' = 'negative'
                 THEN -(r.rubric -> ((e ->> 'id')::int) ->> 'weight')::float8 * (100 - (e ->> 'satisfaction')::float8) / 100
                 ELSE (r.rubric -> ((e ->> 'id')::int) ->> 'weight')::float8 * (e ->> 'satisfaction')::float8 / 100 END AS score) v
           GROUP BY s2.id) x
     WHERE x.id = s.id`,
  );
  await q(`UPDATE experiment_result_score j SET scoring_result = s.scoring_result FROM score s WHERE s.id = j.score_id`).catch(
    () => undefined,
  ); // the column exists from the generator migration on
  await q(`ANALYZE`);
  const { rows: count } = await q(`SELECT count(*)::int AS n FROM experiment_result_score WHERE experiment_id = $1`, [
    experimentId,
  ]);
  if (count[0].n !== GRADES) throw new Error(`seeded ${count[0].n} grades, expected ${GRADES}`);
  return { experimentId, combinationIds: combos.map((c) => c.id as number) };
}

async function timeIt(reps: number, run: () => Promise<unknown> | unknown): Promise<number[]> {
  await run(); // warm-up: JIT, plan cache, connection pool
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = makeTmp();
  const db = await startDatabase(tmp);
  try {
    // The server runs the migrations; no LLM is called, so the vendor URL points nowhere.
    const server = await startServer({ databaseUrl: db.url, fakeUrl: "http://127.0.0.1:9", tmp, label: "stats" });
    const t0 = Date.now();
    const { experimentId, combinationIds } = await seedGrades(db);
    log(`seeded ${GRADES} grades in ${Date.now() - t0} ms`);

    const summaryQuery = `query($e: Int!) { experimentSummary(experimentId: $e) { arms { combinationId cases
      notes { succeeded failed } grades { succeeded failed } costPerNote tokensPerGrade
      score { n mean sd lo hi } normalised { mean lo hi }
      varianceSplit { components { level variance share df } implication advice }
      agreement { betweenAuthors { alpha units } acrossReplications { alpha units } }
      worstCriteria { criterion weight sense meanSatisfaction flipRate } } } }`;
    const summary = await timeIt(REPS, () => server.api.gql(summaryQuery, { e: experimentId }));
    const compareQuery = `query($a: [ArmInput!]!) { compareArms(arms: $a) { comparisons { matched difference { mean lo hi } p holmP bootstrap { lo hi seed } casesNeeded } } }`;
    const arms = combinationIds.map((combinationId) => ({ experimentId, combinationId }));
    const compare = await timeIt(REPS, () => server.api.gql(compareQuery, { a: arms }));
    const bootstrap: Record<string, number[]> = {};
    for (const cases of [100, 1000]) {
      const values = Array.from({ length: cases }, (_, i) => Math.sin(i) * 10);
      bootstrap[cases] = await timeIt(REPS, () => bootstrapMeanInterval(values, { resamples: 10_000, seed: 1 }));
    }
    await server.child.stop();

    const figures = {
      grades: GRADES,
      shape: SHAPE,
      experimentSummaryMs: spread(summary),
      compareArmsMs: spread(compare),
      bootstrap10kMs: { cases100: spread(bootstrap[100]), cases1000: spread(bootstrap[1000]) },
    };
    const targets = [
      { figure: `experimentSummary, ${GRADES} grades (GraphQL over HTTP)`, value: figures.experimentSummaryMs, must: 300 },
      { figure: "bootstrap, 10,000 resamples of 100 cases", value: figures.bootstrap10kMs.cases100, must: 1000 },
      { figure: "bootstrap, 10,000 resamples of 1,000 cases", value: figures.bootstrap10kMs.cases1000, must: 1000 },
      { figure: "compareArms, 2 arms of 10,000 grades (for information)", value: figures.compareArmsMs, must: null },
    ];
    log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(", ")} on ${os.cpus().length} cores`,
    );
    for (const t of targets)
      console.log(
        `${t.figure.padEnd(58)} median ${String(round(t.value.median, 1)).padStart(7)} ms  (${round(t.value.min, 1)} – ${round(t.value.max, 1)})` +
          (t.must === null ? "" : `  must ≤ ${t.must} ms: ${t.value.median <= t.must ? "met" : "MISSED"}`),
      );

    const existing = fs.existsSync(OUT) ? (JSON.parse(fs.readFileSync(OUT, "utf8")) as Record<string, unknown>) : {};
    existing.statistics = {
      generatedAt: new Date().toISOString(),
      mode: QUICK ? "quick" : "full",
      repetitions: REPS,
      ...gitCommit(),
      machine: machine(),
      /** The machine is shared: its 1-, 5- and 15-minute load averages when the timings ended. */
      loadAverage: os.loadavg(),
      method:
        "a finished experiment written straight into the tables; each timing after one warm-up; experimentSummary and compareArms over GraphQL HTTP to a server child, the bootstrap in-process",
      targets: targets.map((t) => ({
        ...t,
        verdict: t.must === null ? "information" : t.value.median <= t.must ? "met" : "missed",
      })),
      figures,
      benchSeconds: round((Date.now() - started) / 1000, 1),
    };
    let text = `${JSON.stringify(existing, (_k, v) => (typeof v === "number" ? round(v, 3) : v), 2)}\n`;
    try {
      const prettier = await import("prettier");
      text = await prettier.format(text, { filepath: OUT });
    } catch {
      // prettier is a dev dependency: without it the file is still valid JSON
    }
    fs.writeFileSync(OUT, text);
    console.log(`results: ${OUT} (statistics)`);
  } finally {
    killAllStarted();
    await db.sql.end().catch(() => undefined);
    await db.pg.stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module)
  main().then(
    () => process.exit(0),
    (error) => {
      killAllStarted();
      console.error(`bench:stats failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
