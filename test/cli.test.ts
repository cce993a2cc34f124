/**
 * The CLI in-process (main(argv, io) with injected stdin/stdout and Ctrl-C) against a running server
 * and the fake vendor server: key from stdin, lists, create from a spec file, run with progress,
 * Ctrl-C cancelling, export.
 */
import { mkdtemp, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { main } from "../src/cli/main";
import type { CliIo } from "../src/cli/io";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { countRows } from "./support/experiment";
import { REVIEWERS, RUBRIC, TRANSCRIPT } from "./support/fixtures";

const KEY = "sk-cli-SECRET-key-9f8e7d";
const FAST_LLM = {
  ANTHROPIC_DEFAULT_CHAT_MODEL: "claude-fake-chat",
  ANTHROPIC_DEFAULT_REASONING_MODEL: "claude-fake-reasoning",
  LLM_BACKOFF_BASE_MS: "1",
  LLM_BACKOFF_MAX_MS: "5",
  LLM_TRANSPORT_RETRIES: "0",
  PROGRESS_THROTTLE_MS: "50",
};

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

describe("note-eval CLI against a running server", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let dir: string;
  const outputs: string[] = [];

  /** Runs the CLI; `interruptAfter` presses Ctrl-C once stdout contains that text. */
  async function cli(argv: string[], options: { stdin?: string; interruptWhen?: RegExp } = {}): Promise<Ran> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    let handler: (() => void) | undefined;
    let interrupted = false;
    stdout.on("data", (d) => {
      out += String(d);
      if (options.interruptWhen && !interrupted && handler && options.interruptWhen.test(out)) {
        interrupted = true;
        handler();
      }
    });
    stderr.on("data", (d) => (err += String(d)));
    const io: CliIo = {
      stdin: Readable.from(options.stdin !== undefined ? [Buffer.from(options.stdin)] : []),
      stdout,
      stderr,
      cwd: dir,
      env: { NOTE_EVAL_URL: t.app.server.url, NOTE_EVAL_TOKEN: t.adminToken },
      onInterrupt: (h) => {
        handler = h;
        return () => (handler = undefined);
      },
    };
    const code = await main(argv, io);
    outputs.push(out, err);
    return { code, stdout: out, stderr: err };
  }

  async function seedCase(name: string): Promise<number> {
    const { importCase } = dataOf(
      await t.gql(`mutation($t: JSON!) { importCase(input: {name: "${name}", transcript: $t}) { id } }`, { t: TRANSCRIPT }),
    );
    for (const author of REVIEWERS) {
      dataOf(
        await t.gql(
          `mutation($c: Int!, $a: String!, $r: JSON!) { addRubric(input: {caseId: $c, author: $a, rubric: $r, validation: accepted}) { id } }`,
          {
            c: importCase.id,
            a: author,
            r: RUBRIC,
          },
        ),
      );
    }
    return importCase.id;
  }

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 3, logBodies: false });
    dir = await mkdtemp(path.join(os.tmpdir(), "note-eval-cli-"));
    t = await startTestApp({
      ...FAST_LLM,
      OPENAI_BASE_URL: fake.openaiBaseUrl,
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
      SHARED_DATA_DIR: dir, // the import root and default
    });
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("set-key reads the key from stdin and never shows it; models list shows the vendors' models", async () => {
    // A model with a base URL of its own keeps its key, and the count says so.
    dataOf(
      await t.gql(`mutation($u: String) { createModel(input: {vendor: "openai", model: "own-endpoint", baseUrl: $u}) { id } }`, {
        u: fake.openaiBaseUrl,
      }),
    );
    for (const vendor of ["openai", "anthropic"]) {
      const ran = await cli(["models", "set-key", "--vendor", vendor], { stdin: `${KEY}\n` });
      expect(ran).toMatchObject({ code: 0 });
      expect(ran.stdout).toMatch(new RegExp(`Key set for 1 ${vendor} model`));
    }
    const again = await cli(["models", "set-key", "--vendor", "openai"], { stdin: `${KEY}\n` });
    expect(again.stdout).toMatch(/Key set for 1 openai model\(s\): \d+ default; 1 with a base URL of their own kept their key/);
    const list = await cli(["models", "list"]);
    expect(list.code).toBe(0);
    // The default rows show the model they call, as the server resolves it.
    const { models } = dataOf(await t.gql(`{ models { vendor model resolvedModel } }`));
    const defaults = (models as { vendor: string; model: string; resolvedModel: string }[]).filter((m) => m.model === "");
    expect(defaults.map((m) => m.vendor).sort()).toEqual(["anthropic", "openai"]);
    for (const m of defaults) {
      expect(m.resolvedModel).not.toBe("");
      expect(list.stdout).toMatch(new RegExp(`${m.vendor}\\s+default\\s+${m.resolvedModel.replace(/\./g, "\\.")}\\s+yes`));
      // Where its calls go: the server's base URL for the vendor, said to be the server's.
      const endpoint = m.vendor === "openai" ? fake.openaiBaseUrl : fake.anthropicBaseUrl;
      expect(list.stdout).toContain(`yes  ${endpoint} (server's)`);
    }
    expect(list.stderr).toBe("");

    // A deprecated model: the list says so in plain words, on stderr (stdout stays the table).
    const { createModel } = dataOf(
      await t.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, {
        i: { vendor: "anthropic", model: "claude-sonnet-4-5-20250929", apiKey: KEY, baseUrl: fake.anthropicBaseUrl },
      }),
    );
    const warned = await cli(["models", "list"]);
    expect(warned.stderr).toMatch(
      new RegExp(
        `^warning: model ${createModel.id} \\(anthropic/claude-sonnet-4-5-20250929\\): claude-sonnet-4-5-20250929 .*end of life on 2026-11-30.*choose a newer model\n$`,
      ),
    );
    dataOf(await t.gql(`mutation { deleteModel(id: ${createModel.id}) { id } }`));

    // A key on the command line is refused (usage error), and nothing is set.
    const refused = await cli(["models", "set-key", "--vendor", "openai", "sk-on-argv"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/never from the command line/);

    for (const text of [...outputs, ...t.logs, ...t.responses]) expect(text).not.toContain(KEY);
  });

  test("cases import resolves a relative folder; cases eligible lists cases with two reviewers", async () => {
    await mkdir(path.join(dir, "demo-cases", "Patient_1"), { recursive: true });
    await writeFile(path.join(dir, "demo-cases", "Patient_1", "transcript.json"), JSON.stringify(TRANSCRIPT));
    const imported = await cli(["cases", "import", "demo-cases"]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(
      `Imported 1 case(s) and 0 LLM rubric(s) from ${path.join(await realpath(dir), "demo-cases")}`,
    );

    // Without a folder, the server reads every collection in its SHARED_DATA_DIR.
    await mkdir(path.join(dir, "collection-x", "Patient_7"), { recursive: true });
    await writeFile(path.join(dir, "collection-x", "Patient_7", "transcript.json"), JSON.stringify(TRANSCRIPT));
    const all = await cli(["cases", "import"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(`Imported 2 case(s) and 0 LLM rubric(s) from ${await realpath(dir)}`);
    const { cases } = dataOf(await t.gql(`{ cases { name } }`));
    expect(cases.map((c: { name: string }) => c.name).sort()).toEqual(["collection-x/Patient_7", "demo-cases/Patient_1"]);

    await seedCase("cli-a");
    await seedCase("cli-b");
    const eligible = await cli(["cases", "eligible"]);
    expect(eligible.code).toBe(0);
    expect(eligible.stdout).toMatch(/cli-a\s+2/);
    expect(eligible.stdout).toContain("2 eligible case(s)");
    expect(eligible.stdout).not.toContain("Patient_");
  });

  test("experiment create from a spec, run with progress to exit code 0, export one CSV row per grade", async () => {
    const { models } = dataOf(await t.gql(`{ models { id vendor } }`));
    const id = (vendor: string) => models.find((m: { vendor: string }) => m.vendor === vendor).id;
    const spec = {
      name: "cli-experiment",
      hyperscribeVersion: "cli-sha",
      cycleTranscriptOverlaps: [100],
      noteReplications: 2,
      gradeReplications: 1,
      cases: "eligible",
      models: [
        { generatorId: id("openai"), graderId: id("anthropic"), graderIsReasoning: false },
        { generatorId: id("anthropic"), graderId: id("openai"), graderIsReasoning: true },
      ],
    };
    await writeFile(path.join(dir, "spec.json"), JSON.stringify(spec));
    const created = await cli(["experiment", "create", "--file", "spec.json"]);
    expect(created.code).toBe(0);
    const experimentId = Number(/Experiment (\d+)/.exec(created.stdout)![1]);
    expect(created.stdout).toContain("2 case(s), 2 model combination(s)");

    // Its anthropic models have no price: the cost is unknown, so the run needs --yes without a terminal.
    const run = await cli(["experiment", "run", String(experimentId), "--workers", "4", "--max-attempts", "2", "--yes"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Estimate for experiment \d+ \(every job; from input sizes\):\n {2}8 notes, 16 grades, /);
    expect(run.stdout).toContain("total: unknown: anthropic/claude-fake-chat has no price");
    // 2 cases × 2 combinations × 2 replications = 8 notes, × 2 rubrics = 16 grades.
    expect(run.stdout).toMatch(/notes 8\/8 \(0 failed\)\s+grades 16\/16 \(0 failed\).*\[finished\]/);
    expect(run.stdout).toMatch(/run \d+ finished: 8\/8 notes, 16\/16 grades, 0 failed/);

    const exported = await cli(["experiment", "export", String(experimentId), "--format", "csv", "--out", "grades.csv"]);
    expect(exported.code).toBe(0);
    const lines = (await readFile(path.join(dir, "grades.csv"), "utf8")).trim().split("\n");
    const grades = await countRows(t, `SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1`, [experimentId]);
    expect(grades).toBe(16);
    expect(lines.length - 1).toBe(grades);
    expect(lines[0]).toContain("case_name,combination_id,generator,grader");
    expect(lines[0]).toContain("rubric_author,overall_score,criterion_0,criterion_1,criterion_2");
    expect(REVIEWERS.some((r) => lines[1].includes(r))).toBe(true);
    expect(lines[1]).toMatch(/openai\/default,anthropic\/default,false,100,1,[\d.]+,builtin,,note-v1,[^,]+,\d+,\d+,\d+,/);
    expect(lines[0]).toContain(
      "note_cost_usd,generator_kind,generator_commit,prompt_version,note_model,note_input_tokens,note_output_tokens,note_duration_ms",
    );

    const json = await cli(["experiment", "export", String(experimentId), "--format", "json"]);
    const rows = JSON.parse(json.stdout);
    expect(rows).toHaveLength(16);
    expect(rows[0]).toMatchObject({
      overlap: 100,
      noteReplication: 1,
      gradeReplication: 1,
      generatorName: "builtin",
      generatorKind: "builtin",
      generatorCommit: null,
      promptVersion: "note-v1",
    });
    expect(REVIEWERS).toContain(rows[0].rubricAuthor);
    expect(typeof rows[0].overallScore).toBe("number");
  });

  test("Ctrl-C cancels the run: status cancelled in the database, exit code 1", async () => {
    fake.setLatency(300);
    try {
      const { experiments } = dataOf(await t.gql(`{ experiments { id name } }`));
      const base = experiments.find((e: { name: string }) => e.name === "cli-experiment");
      const spec = JSON.parse(await readFile(path.join(dir, "spec.json"), "utf8"));
      await writeFile(path.join(dir, "slow.json"), JSON.stringify({ ...spec, name: "cli-slow", noteReplications: 4 }));
      const created = await cli(["experiment", "create", "--file", "slow.json"]);
      const experimentId = Number(/Experiment (\d+)/.exec(created.stdout)![1]);
      expect(experimentId).not.toBe(base.id);

      const run = await cli(["experiment", "run", String(experimentId), "--workers", "2", "--yes"], { interruptWhen: /started/ });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("Ctrl-C: cancelling run");
      expect(run.stdout).toMatch(/run \d+ cancelled/);
      expect(
        await countRows(t, `SELECT count(*) FROM experiment_run WHERE experiment_id = $1 AND status = 'cancelled'`, [
          experimentId,
        ]),
      ).toBe(1);
    } finally {
      fake.setLatency(0);
    }
  });

  test("estimate prints calls and costs; run asks above --confirm-above-usd, refuses without a terminal, --yes skips", async () => {
    const { models } = dataOf(await t.gql(`{ models { id vendor } }`));
    const openai = models.find((m: { vendor: string }) => m.vendor === "openai").id;
    // gpt-4.1 (the openai default) writes and grades: every model has a price.
    const spec = {
      name: "cli-priced",
      hyperscribeVersion: "cli-sha",
      cycleTranscriptOverlaps: [100],
      noteReplications: 1,
      gradeReplications: 1,
      cases: "eligible",
      models: [{ generatorId: openai, graderId: openai, graderIsReasoning: false }],
    };
    await writeFile(path.join(dir, "priced.json"), JSON.stringify(spec));
    const experimentId = Number(
      /Experiment (\d+)/.exec((await cli(["experiment", "create", "--file", "priced.json"])).stdout)![1],
    );
    const runs = () => countRows(t, `SELECT count(*) FROM experiment_run WHERE experiment_id = $1`, [experimentId]);

    const estimate = await cli(["experiment", "estimate", String(experimentId)]);
    expect(estimate.code).toBe(0);
    expect(estimate.stdout).toMatch(/2 notes, 4 grades, 6 calls; tokens [\d.k–]+ in, [\d.k–]+ out/);
    expect(estimate.stdout).toMatch(/openai\/gpt-4\.1\s+2 notes\s+4 grades {2}\$0\.\d{4} – \$0\.\d{4}/);
    const json = JSON.parse((await cli(["experiment", "estimate", String(experimentId), "--json"])).stdout);
    expect(json).toMatchObject({ scope: "all", notes: 2, grades: 4, unpricedModels: [] });

    // Above the threshold without a terminal: refused, nothing started.
    const refused = await cli(["experiment", "run", String(experimentId), "--confirm-above-usd", "0"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not started: it may cost up to \$0\.\d{4}, more than --confirm-above-usd 0\. Pass --yes/);
    expect(await runs()).toBe(0);
    // On a terminal it asks; "n" declines.
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let asked = "";
    stderr.on("data", (d) => (asked += String(d)));
    const declined = await main(["experiment", "run", String(experimentId), "--confirm-above-usd", "0"], {
      stdin: Object.assign(Readable.from([Buffer.from("n\n")]), { isTTY: true }),
      stdout,
      stderr,
      cwd: dir,
      env: { NOTE_EVAL_URL: t.app.server.url, NOTE_EVAL_TOKEN: t.adminToken },
      onInterrupt: () => () => undefined,
    });
    expect(declined).toBe(1);
    expect(asked).toMatch(/Start it\? it may cost up to \$0\.\d{4}, more than --confirm-above-usd 0\. \[y\/N\] not started/);
    expect(await runs()).toBe(0);
    expect((await cli(["experiment", "run", String(experimentId), "--budget-usd", "abc"])).code).toBe(2);

    // Under the default threshold ($5) it starts without asking, with its budget.
    const ran = await cli(["experiment", "run", String(experimentId), "--budget-usd", "2"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/run \d+ finished: 2\/2 notes, 4\/4 grades, 0 failed/);
    expect(ran.stdout).toMatch(/cost \$0\.\d{4} \(run: \$0\.\d{4} of \$2\.0000 budget\)/);
    const [row] = await t.app.db.query(`SELECT budget_usd::float8 AS budget FROM experiment_run WHERE experiment_id = $1`, [
      experimentId,
    ]);
    expect(row.budget).toBe(2);
  });

  test("usage and API errors exit with 2", async () => {
    expect((await cli(["experiment", "frobnicate"])).code).toBe(2);
    expect((await cli(["experiment", "run", "abc"])).code).toBe(2);
    const missing = await cli(["experiment", "run", "99999"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Experiment 99999 does not exist/);
    const down = await cli(["--url", "http://127.0.0.1:9/graphql", "models", "list"]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("cannot reach");
  });

  test("generators list; experiment create with --generator and --version; experiment clone to the next version", async () => {
    const listed = await cli(["generators", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/NAME\s+KIND\s+VERSIONS\s+DESCRIPTION\nbuiltin\s+builtin\s+labels\s+The project's own/);

    const { models } = dataOf(await t.gql(`{ models { id vendor } }`));
    const spec = {
      name: "cli-gen",
      hyperscribeVersion: "from-spec",
      cases: "eligible",
      models: [{ generatorId: models[0].id, graderId: models[0].id }],
    };
    await writeFile(path.join(dir, "gen.json"), JSON.stringify(spec));
    const created = await cli(["experiment", "create", "--file", "gen.json", "--generator", "builtin", "--version", "v1"]);
    expect(created.code).toBe(0);
    const id = Number(/Experiment (\d+)/.exec(created.stdout)![1]);
    const { experiment } = dataOf(
      await t.gql(`query($id: Int!) { experiment(id: $id) { generator hyperscribeVersion } }`, { id }),
    );
    expect(experiment).toEqual({ generator: "builtin", hyperscribeVersion: "v1" });

    const cloned = await cli([
      "experiment",
      "clone",
      String(id),
      "--name",
      "cli-gen v2",
      "--version",
      "v2",
      "--note-replications",
      "2",
    ]);
    expect(cloned.code).toBe(0);
    expect(cloned.stdout).toMatch(
      new RegExp(
        `Experiment \\d+ "cli-gen v2" cloned from ${id}: generator builtin at v2, \\d+ case\\(s\\), 1 model combination\\(s\\)`,
      ),
    );

    const unknown = await cli(["experiment", "create", "--file", "gen.json", "--generator", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown generator "nope"');
    const usage = await cli(["experiment", "clone", String(id)]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: experiment clone <id> --name NAME");
  });
});
