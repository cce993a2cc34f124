/**
 * `experiment run` survives a server restart: the server is stopped as SIGTERM stops it (runs left
 * interrupted, every WebSocket closed) in the middle of a run and started again on the same port
 * and database. The CLI says it is
 * reconnecting, subscribes again, shows the progress move on after the restart, and prints the
 * run's final state with exit code 0.
 */
import { PassThrough } from "node:stream";
import { main } from "../src/cli/main";
import type { CliIo } from "../src/cli/io";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { makeRestartableApp, type RestartableApp } from "./support/restartable-app";
import { seedExperiment } from "./support/experiment";

jest.setTimeout(60_000);

/** The notes' "done" count of every redraw of the bars, in order. */
const notesDone = (output: string) =>
  [...output.matchAll(/notes +\[[^\]]*\] +\d+% {2}(\d+)\/\d+ done/g)].map((m) => Number(m[1]));

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the CLI across a server restart", () => {
  let fake: FakeLlmServer;
  let server: RestartableApp;

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 8, logBodies: false });
    server = await makeRestartableApp({ LLM_TRANSPORT_RETRIES: "0", PROGRESS_THROTTLE_MS: "50", SHUTDOWN_GRACE_MS: "3000" });
  });
  let stopCli = async () => {};
  afterAll(async () => {
    await stopCli();
    await server?.stop();
    await fake?.close();
  });

  test("says reconnecting…, shows progress moving after the restart, and prints the run's final state", async () => {
    expect(server.logs.join("\n")).toContain(`dashboard on ${new URL("/", server.url)}`);
    const { experimentId } = await seedExperiment(server.asTestApp(), fake, { name: "reconnect", cases: 4, noteReplications: 4 });
    fake.setLatency(80);

    // A terminal-like stdout, so that every progress message is drawn.
    let output = "";
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    stdout.on("data", (d) => (output += String(d)));
    const io: CliIo = {
      stdin: new PassThrough(),
      stdout,
      stderr: stdout,
      cwd: process.cwd(),
      env: { NOTE_EVAL_URL: server.url, NOTE_EVAL_TOKEN: server.token },
      onInterrupt: (handler) => {
        interrupt = handler;
        return () => undefined;
      },
    };
    let interrupt = () => {};
    let finished = false;
    const ran = main(["experiment", "run", String(experimentId), "--workers", "2", "--yes"], io).finally(() => (finished = true));
    // A failed expectation must not leave the CLI reconnecting for ever: Ctrl-C twice leaves.
    stopCli = async () => {
      if (finished) return;
      interrupt();
      interrupt();
      await ran;
    };

    await waitFor(() => Math.max(0, ...notesDone(output)) >= 3, "some notes before the restart");
    await server.stop();
    await waitFor(() => output.includes("reconnecting…"), "the CLI to notice");
    const doneAtRestart = Math.max(...notesDone(output));
    expect(doneAtRestart).toBeLessThan(16);

    fake.setLatency(150); // the rest of the run outlasts the CLI's reconnection backoff
    await server.start();
    const code = await ran;

    const afterReconnect = output.slice(output.indexOf("reconnected"));
    expect(output.indexOf("reconnected")).toBeGreaterThan(output.indexOf("reconnecting…"));
    // Progress moved while the CLI watched the restarted server, not only a final line.
    const counts = notesDone(afterReconnect);
    expect(new Set(counts.filter((n) => n > doneAtRestart && n < 16)).size).toBeGreaterThan(0);
    expect(counts.at(-1)).toBe(16);
    expect(output).toMatch(/run \d+ finished: 16\/16 notes, 32\/32 grades, 0 failed/);
    expect(code).toBe(0);
  });
});
