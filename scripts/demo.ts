/**
 * `npm run demo`: the whole product offline, with no API key. Starts an embedded Postgres in its own
 * folder (wiped at each start), the fake vendor server standing in for OpenAI and Anthropic, and the
 * service; loads the demo cases and the demo reviewers' accepted rubrics (src/demo/cases.ts, invented
 * demo data); runs one experiment with progress on the terminal; prints scores per model combination
 * and the dashboard URL. Stays up until Ctrl-C, or exits at once with --exit (and then prints no URL).
 *
 *   npm run demo -- [--exit] [--port 4100] [--pg-port 54339] [--data-dir .data/demo-postgres] [--latency-ms 40]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startApp } from "../src/app";
import { makeClient } from "../src/cli/client";
import { createFromSpec, table } from "../src/cli/commands";
import { collectExportRows } from "../src/cli/export";
import { processIo } from "../src/cli/io";
import { runExperiment } from "../src/cli/run";
import { loadConfig } from "../src/config";
import { DEMO_BATCH, DEMO_CASES } from "../src/demo/cases";
import { summarise, summaryRows } from "../src/demo/summary";
import { makeFakeLlmServer } from "../src/dev/fake-llm/server";
import { makeLogger } from "../src/logger";

const ROOT = path.resolve(__dirname, "..");

/** The login URL that lands on the experiment's dashboard page. */
function dashboardLogin(loginUrl: string, experimentId: number): string {
  return `${loginUrl}&next=${encodeURIComponent(`/#/experiments/${experimentId}`)}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      exit: { type: "boolean" },
      port: { type: "string", default: "4100" },
      "pg-port": { type: "string", default: "54339" },
      "data-dir": { type: "string", default: ".data/demo-postgres" },
      "latency-ms": { type: "string", default: "40" },
    },
  });
  const io = processIo();
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const dataDir = path.resolve(ROOT, values["data-dir"]!);

  say("note-eval demo: everything runs on this machine; the vendors are a fake server, the cases are invented demo data.");
  fs.rmSync(dataDir, { recursive: true, force: true });
  const fake = await makeFakeLlmServer({ seed: 2024, latencyMs: Number(values["latency-ms"]), logBodies: false });
  say(`fake OpenAI + Anthropic server on ${fake.url}`);

  const config = loadConfig({
    PORT: values.port,
    HOST: "127.0.0.1",
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: values["pg-port"],
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    LOG_LEVEL: "warn",
    RESUME_ON_START: "false",
    PROGRESS_THROTTLE_MS: "100",
    LLM_PRICES_JSON: JSON.stringify({ "demo-claude": { input: 3, output: 15 } }),
  });
  say(`starting the service with an embedded Postgres in ${path.relative(ROOT, dataDir)} (port ${config.embeddedPgPort})…`);
  const app = await startApp(config, { logger: makeLogger("warn") });
  // A fresh database: the server created an admin token on its first start; the demo drives the API with it.
  const login = app.firstLogin!;
  const client = makeClient(app.server.url, login.token);
  const stop = async () => {
    await client.close();
    await app.stop();
    await fake.close();
  };

  try {
    // Cases and the demo reviewers' accepted rubrics, through the API like any client.
    for (const kase of DEMO_CASES) {
      const { importCase } = await client.request(`mutation($i: ImportCaseInput!) { importCase(input: $i) { id } }`, {
        i: {
          name: kase.name,
          transcript: kase.transcript,
          limitedChart: kase.limitedChart,
          profile: kase.profile,
          batchIdentifier: DEMO_BATCH,
          tags: { demo: true },
        },
      });
      for (const [author, rubric] of Object.entries(kase.rubrics)) {
        await client.request(`mutation($i: AddRubricInput!) { addRubric(input: $i) { id } }`, {
          i: { caseId: importCase.id, author, rubric, validation: "accepted", comments: "demo data" },
        });
      }
    }
    say(`loaded ${DEMO_CASES.length} demo cases, each with 2 demo reviewers' accepted rubrics`);

    const model = async (vendor: string, name: string) =>
      (
        await client.request(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, {
          i: { vendor, model: name, apiKey: "demo-key-for-the-fake-server" },
        })
      ).createModel.id as number;
    const gpt = await model("openai", "gpt-4.1");
    const gptMini = await model("openai", "gpt-4.1-mini");
    const claude = await model("anthropic", "demo-claude");

    const created = await createFromSpec(client, {
      name: "demo: medication management",
      hyperscribeVersion: "demo",
      cycleTranscriptOverlaps: [100],
      noteReplications: 2,
      gradeReplications: 1,
      cases: "eligible",
      models: [
        { generatorId: gpt, graderId: claude, graderIsReasoning: false },
        { generatorId: claude, graderId: gptMini, graderIsReasoning: false },
      ],
    });
    say(`experiment ${created.id}: ${created.cases} cases × ${created.models} model combinations × 2 note replications`);
    // With --exit the server stops with the demo: a URL would lead nowhere.
    if (!values.exit) say(`dashboard (live; this login URL sets the session cookie): ${dashboardLogin(login.url, created.id)}\n`);

    const outcome = await runExperiment(client, { experimentId: created.id, workers: 3, maxAttempts: 3, retryFailed: false }, io);

    const rows = await collectExportRows(client, created.id);
    say("\nScores per model combination (overall score per grade, demo data):\n");
    say(table(summaryRows(summarise(rows))));
    if (values.exit) {
      await stop();
      return outcome.exitCode;
    }
    say(`\nDashboard: ${dashboardLogin(login.url, created.id)}`);
    say(`GraphQL IDE: ${login.url}&next=/graphql`);
    say(`CLI: NOTE_EVAL_TOKEN=${login.token} npm run cli -- --url ${app.server.url} experiment list`);
    say("\nThe server stays up for the dashboard: Ctrl-C stops it.");
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    say("stopping…");
    await stop();
    return outcome.exitCode;
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
