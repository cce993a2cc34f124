/**
 * The CLI as users start it, in a process of its own: `npm run cli` in a process group of its own
 * that gets Ctrl-C the way a terminal sends it (to the whole group), and a reader that closes the
 * pipe before the CLI writes (`| head`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { startTestApp, type TestApp } from "./support/app";
import { countRows, seedExperiment } from "./support/experiment";

const ROOT = path.resolve(__dirname, "..");

interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnCli(command: string, args: string[], env: Record<string, string>, detached = false): Child {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the CLI in a process of its own", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let experimentId: number;

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 5, logBodies: false, latencyMs: 200 });
    t = await startTestApp({ LLM_TRANSPORT_RETRIES: "0", PROGRESS_THROTTLE_MS: "50" });
    ({ experimentId } = await seedExperiment(t, fake, { name: "cli-process", cases: 2, noteReplications: 4 }));
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  test("Ctrl-C to `npm run cli`'s process group cancels the run once and exits 1, as documented", async () => {
    const cli = spawnCli(
      "npm",
      ["run", "--silent", "cli", "--", "experiment", "run", String(experimentId), "--workers", "1", "--yes"],
      {
        NOTE_EVAL_URL: t.app.server.url,
        NOTE_EVAL_TOKEN: t.adminToken,
      },
      true,
    );
    try {
      await waitFor(() => /run \d+ of experiment \d+ started/.test(cli.stdout()), "the run to start");
      process.kill(-cli.process.pid!, "SIGINT");
      expect(await cli.exited).toBe(1);
    } finally {
      if (cli.process.exitCode === null) process.kill(-cli.process.pid!, "SIGKILL");
    }
    expect(cli.stdout()).toContain("Ctrl-C: cancelling run");
    expect(cli.stdout()).not.toContain("second Ctrl-C");
    expect(cli.stdout()).toMatch(/run \d+ cancelled/);
    expect(cli.stderr()).toBe("");
    expect(
      await countRows(t, `SELECT count(*) FROM experiment_run WHERE experiment_id = $1 AND status = 'cancelled'`, [experimentId]),
    ).toBe(1);
  }, 60_000);

  test("a reader that closed the pipe ends the CLI quietly: exit 0, no EPIPE stack trace", async () => {
    const cli = spawnCli(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "src/cli/main.ts",
        "experiment",
        "export",
        String(experimentId),
        "--format",
        "json",
      ],
      { NOTE_EVAL_URL: t.app.server.url, NOTE_EVAL_TOKEN: t.adminToken },
    );
    cli.process.stdout!.destroy(); // the reader is gone before the CLI writes its first byte
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toBe("");
  }, 60_000);
});
