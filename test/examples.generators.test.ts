/**
 * The examples in examples/generators/, run for real through experiments:
 * - sdk-note calls the fake vendor through the official OpenAI and Anthropic SDKs;
 * - the existing tool's adapter runs a stand-in repository (created here: two commits whose entry
 *   point writes different notes) at pinned versions: v1 and v2 experiments produce v1 and v2 notes,
 *   each recording its commit, and versions that are no commit are refused.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { KEY, seedExperiment, startRun, TWO_COMBINATIONS, waitForRunEnd } from "./support/experiment";

const ROOT = path.resolve(__dirname, "..");

/** The stand-in's entry point at one version: writes the note, artifacts and usage as the adapter expects. */
const entryPoint = (version: string) => `
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
const caseDir = args[args.indexOf("--case-dir") + 1];
const output = args[args.indexOf("--output") + 1];
const transcript = JSON.parse(fs.readFileSync(path.join(caseDir, "transcript.json"), "utf8"));
fs.writeFileSync(output, JSON.stringify([{ instruction: "${version} note of " + transcript.length + " turns", command: { module: "plan", class: "Plan", attributes: {} } }]));
fs.writeFileSync(path.join(path.dirname(output), "artifacts.json"), JSON.stringify({
  transcript2instructions: { vendor: process.env.VendorTextLLM, keyArrived: process.env.KeyTextLLM === ${JSON.stringify(KEY)}, overlap: process.env.CycleTranscriptOverlap },
}));
fs.writeFileSync(path.join(path.dirname(output), "usage.json"), JSON.stringify({ inputTokens: 100, outputTokens: 20, model: "tool-model-${version}" }));
`;

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", ["-C", repo, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
    encoding: "utf8",
  }).trim();
}

describe("the example generators", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let repo: string;
  let workDir: string;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "note-eval-examples-"));
    repo = path.join(dir, "stand-in-tool");
    mkdirSync(repo);
    git(repo, "init", "--quiet", "--initial-branch=main");
    for (const version of ["v1", "v2"]) {
      writeFileSync(path.join(repo, "entry.js"), entryPoint(version));
      git(repo, "add", "entry.js");
      git(repo, "commit", "--quiet", "-m", `generator ${version}`);
      git(repo, "tag", `${version}.0`);
      commits[version] = git(repo, "rev-parse", "HEAD");
    }
    const file = path.join(dir, "generators.json");
    writeFileSync(
      file,
      JSON.stringify({
        generators: [
          {
            name: "sdk-note",
            kind: "command",
            command: [process.execPath, path.join(ROOT, "examples/generators/sdk-note/generate.mjs")],
            cwd: ROOT,
          },
          {
            name: "hyperscribe",
            kind: "command",
            description: "the existing tool's generator, through its adapter",
            command: [
              process.execPath,
              path.join(ROOT, "examples/generators/hyperscribe/adapter.mjs"),
              "--",
              process.execPath,
              "entry.js",
            ],
            repository: repo,
          },
        ],
      }),
    );
    workDir = path.join(dir, "work");
    fake = await makeFakeLlmServer({ seed: 17, logBodies: false });
    t = await startTestApp({
      GENERATORS_FILE: file,
      GENERATORS_WORK_DIR: workDir,
      LLM_BACKOFF_BASE_MS: "1",
      LLM_BACKOFF_MAX_MS: "5",
    });
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  const notesOf = (experimentId: number) =>
    t.app.db.query(
      `SELECT n.* FROM experiment_result r JOIN generated_note n ON n.id = r.generated_note_id WHERE r.experiment_id = $1 ORDER BY r.id`,
      [experimentId],
    );

  test("sdk-note writes notes through the OpenAI and Anthropic SDKs against the fake vendor", async () => {
    const seeded = await seedExperiment(t, fake, {
      name: "sdk",
      cases: 2,
      generator: "sdk-note",
      combinations: TWO_COMBINATIONS,
    });
    const before = fake.requestCount();
    const run = await startRun(t, seeded.experimentId);
    expect(await waitForRunEnd(t, run.id)).toBe("finished");
    const notes = await notesOf(seeded.experimentId);
    expect(notes).toHaveLength(4);
    expect(new Set(notes.map((n: { text_llm_name: string }) => n.text_llm_name))).toEqual(
      new Set(["gen-openai", "gen-anthropic"]),
    );
    for (const note of notes) {
      expect(note).toMatchObject({ generator_name: "sdk-note", generator_kind: "command", failed: false });
      expect(note.input_tokens).toBeGreaterThan(0);
      expect(note.token_counts).toEqual({ prompt: note.input_tokens, generated: note.output_tokens });
      expect(Array.isArray(note.note_json.items)).toBe(true);
    }
    // 4 notes (one request each) and 4 notes × 2 rubrics grades.
    expect(fake.requestCount() - before).toBe(4 + 8);
  });

  test("the adapter at v1 and v2 gives v1 and v2 notes, each recording its commit and the tool's environment", async () => {
    const v1 = await seedExperiment(t, fake, { name: "tool v1", cases: 2, generator: "hyperscribe", version: "v1.0" });
    const { cloneExperiment: v2 } = dataOf(
      await t.gql(
        `mutation($e: Int!) { cloneExperiment(experimentId: $e, name: "tool v2", changes: {hyperscribeVersion: "v2.0"}) { id generatorCommit } }`,
        {
          e: v1.experimentId,
        },
      ),
    );
    expect(v2.generatorCommit).toBe(commits.v2);
    const { experiment } = dataOf(
      await t.gql(`query($id: Int!) { experiment(id: $id) { generator generatorCommit } }`, { id: v1.experimentId }),
    );
    expect(experiment).toEqual({ generator: "hyperscribe", generatorCommit: commits.v1 });

    for (const id of [v1.experimentId, v2.id]) expect(await waitForRunEnd(t, (await startRun(t, id)).id)).toBe("finished");
    for (const [experimentId, version] of [
      [v1.experimentId, "v1"],
      [v2.id, "v2"],
    ] as const) {
      const notes = await notesOf(experimentId);
      expect(notes).toHaveLength(2);
      for (const note of notes) {
        expect(note.note_json[0].instruction).toMatch(new RegExp(`^${version} note of \\d+ turns$`));
        expect(note).toMatchObject({
          generator_name: "hyperscribe",
          generator_commit: commits[version],
          hyperscribe_version: `${version}.0`,
          text_llm_name: `tool-model-${version}`,
          token_counts: { prompt: 100, generated: 20 },
          transcript2instructions: { vendor: "OpenAI", keyArrived: true, overlap: "100" },
        });
      }
    }
    // The runs are over: their worktrees are removed, and the repository knows none but its own.
    for (let i = 0; i < 200 && readdirSync(path.join(workDir, "worktrees")).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(path.join(workDir, "worktrees"))).toEqual([]);
    expect(git(repo, "worktree", "list").split("\n")).toHaveLength(1);
  });

  test.each([
    ["a name that is no commit", "v9.9"],
    ["an option", "--output=/tmp/x"],
    ["a blob, not a commit", "HEAD:entry.js"],
  ])("a version that is %s is BAD_USER_INPUT at createExperiment", async (_label, version) => {
    const response = await t.gql(
      `mutation($v: String!) { createExperiment(input: {name: "bad version", generator: "hyperscribe", hyperscribeVersion: $v}) { id } }`,
      {
        v: version,
      },
    );
    expect(errorCodeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toMatch(/does not resolve to a commit|is not a commit, tag or branch name/);
  });

  test("a commit the repository no longer has is BAD_USER_INPUT at start", async () => {
    git(repo, "checkout", "--quiet", "-b", "doomed");
    writeFileSync(path.join(repo, "entry.js"), entryPoint("v3"));
    git(repo, "commit", "--quiet", "-am", "generator v3");
    git(repo, "checkout", "--quiet", "main");
    const seeded = await seedExperiment(t, fake, { name: "doomed", cases: 1, generator: "hyperscribe", version: "doomed" });
    git(repo, "branch", "--quiet", "-D", "doomed");
    git(repo, "reflog", "expire", "--expire=now", "--all");
    git(repo, "gc", "--quiet", "--prune=now");
    const response = await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e) { id } }`, {
      e: seeded.experimentId,
    });
    expect(errorCodeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toContain(`Experiment ${seeded.experimentId} cannot start`);
  });
});
