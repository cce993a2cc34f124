/**
 * Generators from the operator's file, through the API: listed without their commands, run by
 * experiments, their failures recorded with their kind while the run goes on, and a cancel that
 * leaves no generator process alive (checked by process group).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { seedExperiment, startRun, waitForRunEnd } from "./support/experiment";
import { groupAlive, writeGeneratorScripts, type ScriptDir } from "./support/generator-scripts";

describe("command generators through the API", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let scripts: ScriptDir;

  beforeAll(async () => {
    scripts = writeGeneratorScripts();
    const file = path.join(scripts.dir, "generators.json");
    const command = (name: string) => [process.execPath, scripts.path(name as never)];
    writeFileSync(
      file,
      JSON.stringify({
        generators: [
          { name: "echo", kind: "command", description: "answers at once", command: command("echo") },
          { name: "fails", kind: "command", command: command("fails") },
          { name: "hangs", kind: "command", command: command("hangs") },
        ],
      }),
    );
    fake = await makeFakeLlmServer({ seed: 5, logBodies: false });
    t = await startTestApp({
      GENERATORS_FILE: file,
      GENERATORS_WORK_DIR: path.join(scripts.dir, "work"),
      GENERATOR_KILL_GRACE_MS: "200",
      LLM_BACKOFF_BASE_MS: "1",
      LLM_BACKOFF_MAX_MS: "5",
    });
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("the generators query lists builtin and the file's generators, never their commands", async () => {
    const response = await t.gql(`{ generators { name kind description pinned } }`);
    expect(dataOf(response).generators).toEqual([
      { name: "builtin", kind: "builtin", description: expect.stringContaining("note-v1"), pinned: false },
      { name: "echo", kind: "command", description: "answers at once", pinned: false },
      { name: "fails", kind: "command", description: "", pinned: false },
      { name: "hangs", kind: "command", description: "", pinned: false },
    ]);
    expect(t.responses.at(-1)).not.toContain(scripts.dir);
  });

  test("an experiment on a command generator records the generator, the model it used, tokens and cost", async () => {
    const seeded = await seedExperiment(t, fake, { name: "echo-run", cases: 2, generator: "echo", version: "1.0" });
    const requestsBefore = fake.requestCount();
    const run = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    const notes = await t.app.db.query(
      `SELECT n.generator_name, n.generator_kind, n.generator_commit, n.hyperscribe_version, n.text_llm_name, n.token_counts,
         n.note_json, n.transcript2instructions
       FROM experiment_result r JOIN generated_note n ON n.id = r.generated_note_id WHERE r.experiment_id = $1`,
      [seeded.experimentId],
    );
    expect(notes).toHaveLength(2);
    for (const note of notes) {
      expect(note).toMatchObject({
        generator_name: "echo",
        generator_kind: "command",
        generator_commit: "",
        hyperscribe_version: "1.0",
        text_llm_name: "echo-model-1",
        token_counts: { prompt: 11, generated: 7 },
        transcript2instructions: { sawKey: true, stdinHasKey: false },
      });
      expect(note.note_json.items[0].text).toMatch(/^note for echo-run-case-\d at 1\.0$/);
    }
    const { experimentResults } = dataOf(
      await t.gql(
        `query($e: Int!) { experimentResults(experimentId: $e) { edges { node { id provenance {
          generatorName generatorKind version commit promptVersion vendor model inputTokens outputTokens costUsd durationMs } } } } }`,
        { e: seeded.experimentId },
      ),
    );
    for (const { node } of experimentResults.edges) {
      expect(node.provenance).toEqual({
        generatorName: "echo",
        generatorKind: "command",
        version: "1.0",
        commit: null,
        promptVersion: null,
        vendor: "openai",
        model: "echo-model-1",
        inputTokens: 11,
        outputTokens: 7,
        costUsd: null, // echo-model-1 has no price
        durationMs: expect.any(Number),
      });
      const { experimentResult } = dataOf(
        await t.gql(`query($id: Int!) { experimentResult(id: $id) { provenance { generatorName } } }`, { id: node.id }),
      );
      expect(experimentResult.provenance.generatorName).toBe("echo");
    }
    // Only the grades called the vendor: the notes came from the command.
    expect(fake.requestCount() - requestsBefore).toBe(2 * 2);
  });

  test("a failing generator fails each attempt with its kind and stderr, and the run still finishes", async () => {
    const seeded = await seedExperiment(t, fake, { name: "fails-run", cases: 2, generator: "fails" });
    const run = await startRun(t, seeded.experimentId, "workers: 2, maxAttempts: 2");
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    const jobs = await t.app.db.query(`SELECT status, errors FROM experiment_result WHERE experiment_id = $1`, [
      seeded.experimentId,
    ]);
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      expect(job.status).toBe("failed");
      expect(job.errors.map((e: { kind: string }) => e.kind)).toEqual(["generator_exit", "generator_exit"]);
      expect(job.errors[0].message).toContain("the generator broke: missing prompt file");
    }
  });

  test("an unknown generator is BAD_USER_INPUT naming the configured ones", async () => {
    const response = await t.gql(
      `mutation { createExperiment(input: {name: "nope", generator: "nope", hyperscribeVersion: "1"}) { id } }`,
    );
    expect(errorCodeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toContain('"builtin", "echo", "fails", "hangs"');
  });

  test("cancel ends every generator process group of the run (the generator ignores SIGTERM)", async () => {
    const seeded = await seedExperiment(t, fake, { name: "hangs-run", cases: 3, generator: "hangs" });
    const before = new Set(scripts.pids());
    const run = await startRun(t, seeded.experimentId, "workers: 3, maxAttempts: 1");
    const started = () => scripts.pids().filter((p) => !before.has(p));
    for (let i = 0; i < 1000 && started().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(started()).toHaveLength(3);
    expect(started().every(groupAlive)).toBe(true);
    dataOf(await t.gql(`mutation($r: Int!) { cancelExperimentRun(runId: $r) { status } }`, { r: run.id }));
    expect(started().filter(groupAlive)).toEqual([]);
    const statuses = await t.app.db.query(`SELECT DISTINCT status FROM experiment_result WHERE experiment_id = $1`, [
      seeded.experimentId,
    ]);
    expect(statuses).toEqual([{ status: "planned" }]);
  });
});
