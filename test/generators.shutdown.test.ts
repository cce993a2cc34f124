/**
 * The server as a child process with a command generator that hangs (ignoring SIGTERM, with a
 * grandchild that ignores it too): SIGTERM leaves no generator process alive, and the processes a
 * SIGKILLed server left behind are ended by the next start. Checked by process group.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, type TestApp } from "./support/app";
import { startChildServer, type ChildServer } from "./support/child-server";
import { createTestDatabase } from "./support/database";
import { seedExperiment } from "./support/experiment";
import { groupAlive, writeGeneratorScripts, type ScriptDir } from "./support/generator-scripts";

// Two ts-node server starts: tens of seconds each when the whole suite loads the machine.
jest.setTimeout(180_000);

describe("generator processes and the server's end", () => {
  let fake: FakeLlmServer;
  let scripts: ScriptDir;
  let env: Record<string, string>;
  const children: ChildServer[] = [];

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 13, logBodies: false });
    scripts = writeGeneratorScripts();
    const file = path.join(scripts.dir, "generators.json");
    writeFileSync(
      file,
      JSON.stringify({ generators: [{ name: "hangs", kind: "command", command: [process.execPath, scripts.path("hangs")] }] }),
    );
    env = {
      GENERATORS_FILE: file,
      GENERATORS_WORK_DIR: path.join(scripts.dir, "work"),
      GENERATOR_KILL_GRACE_MS: "200",
      SHUTDOWN_GRACE_MS: "300",
    };
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.process.kill("SIGKILL");
  });
  afterAll(async () => {
    for (const pid of scripts.pids()) if (groupAlive(pid)) process.kill(-pid, "SIGKILL");
    await fake.close();
  });

  /** Starts a 2-job run of the hanging generator on the server; resolves with the jobs' pids. */
  async function hangingJobs(child: ChildServer): Promise<number[]> {
    const seeded = await seedExperiment({ gql: child.gql } as unknown as TestApp, fake, {
      name: "hang",
      cases: 2,
      generator: "hangs",
    });
    const before = new Set(scripts.pids());
    dataOf(
      await child.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: 2, maxAttempts: 1) { id } }`, {
        e: seeded.experimentId,
      }),
    );
    const started = () => scripts.pids().filter((p) => !before.has(p));
    const deadline = Date.now() + 60_000;
    while (started().length < 2) {
      if (Date.now() > deadline) throw new Error("the generator processes did not start");
      await new Promise((r) => setTimeout(r, 20));
    }
    return started();
  }

  async function server(): Promise<ChildServer> {
    const child = await startChildServer({ ...env, DATABASE_URL: await createTestDatabase() }, 60_000);
    children.push(child);
    return child;
  }

  // One server start per phase (each is seconds of ts-node): the second server is the "next start"
  // of the first, then is itself stopped with SIGTERM.
  test("SIGKILL leaves the groups alive, the next start ends them; SIGTERM of that server ends its own", async () => {
    const first = await server();
    const orphans = await hangingJobs(first);
    first.process.kill("SIGKILL");
    await first.exited;
    // Nobody ended them: they outlive their server.
    expect(orphans.every(groupAlive)).toBe(true);

    const next = await server();
    expect(orphans.filter(groupAlive)).toEqual([]);
    expect(next.output.join("")).toContain("ended 2 generator process group(s) left by a stopped server");

    const own = await hangingJobs(next);
    expect(own.every(groupAlive)).toBe(true);
    next.process.kill("SIGTERM");
    expect(await next.exited).toBe(0);
    expect(own.filter(groupAlive)).toEqual([]);
  });
});
