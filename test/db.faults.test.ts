/**
 * Database faults seen from the API, on a Postgres of the test's own (not the shared test cluster)
 * that the test stops, restarts, fills up and freezes: calls fail fast with UNAVAILABLE instead of
 * INTERNAL_SERVER_ERROR or hanging, /healthz stays up, /readyz follows the database, and the pool
 * reconnects by itself.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { startApp, type App } from "../src/app";
import { loadConfig } from "../src/config";
import { findFreePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../src/db/embedded-postgres";
import { makeLogger } from "../src/logger";

jest.setTimeout(60_000);

const FLAGS = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "max_connections=12"];

let tmp: string;
let port: number;
let pg: EmbeddedPostgresHandle;
let app: App;
const logs: string[] = [];

const startPostgres = () => startEmbeddedPostgres({ dir: path.join(tmp, "pg"), port, postgresFlags: FLAGS });

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "note-eval-faults-"));
  fs.chmodSync(tmp, 0o755); // as root, Postgres runs as the postgres user, which must reach the folder
  port = await findFreePort();
  pg = await startPostgres();
  const config = loadConfig({
    PORT: "0",
    DATABASE_URL: pg.url,
    DB_CONNECT_TIMEOUT_MS: "1000",
    DB_STATEMENT_TIMEOUT_MS: "1000",
    DB_RECONNECT_MAX_MS: "200",
    RESUME_ON_START: "false",
  });
  app = await startApp(config, { logger: makeLogger("debug", (line) => logs.push(line)) });
});
afterAll(async () => {
  await app?.stop();
  await pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Answer {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(query = "{ experiments { id } }"): Promise<Answer> {
  const response = await fetch(app.server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${app.firstLogin!.token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Answer;
}

const codeOf = (answer: Answer) => answer.errors?.[0]?.extensions?.code;
const status = async (route: string) => (await fetch(new URL(route, app.server.url))).status;

async function timed<T>(action: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await action();
  return { value, ms: Date.now() - started };
}

async function waitUntilAnswered(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (codeOf(await gql()) !== undefined) {
    if (Date.now() > deadline) throw new Error("the API did not recover");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The postmaster and every backend it forked (a frozen server: no process answers). */
function postgresProcesses(): number[] {
  const postmaster = Number(fs.readFileSync(path.join(tmp, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
  const children = fs
    .readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

test("with the database up, /healthz and /readyz answer 200 and /readyz says the migrations are applied", async () => {
  expect(await status("/healthz")).toBe(200);
  const ready = await fetch(new URL("/readyz", app.server.url));
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ ready: true, database: "reachable", migrations: "applied" });
});

test("Postgres stopped: calls fail at once with UNAVAILABLE, /healthz stays 200, /readyz is 503; restarted: the API recovers by itself", async () => {
  await pg.stop();
  const first = await timed(() => gql());
  expect(codeOf(first.value)).toBe("UNAVAILABLE");
  expect(first.ms).toBeLessThan(3_000);
  const second = await timed(() => gql());
  expect(codeOf(second.value)).toBe("UNAVAILABLE");
  expect(second.value.errors![0]!.message).toMatch(/database/);
  expect(await status("/healthz")).toBe(200);
  const ready = await fetch(new URL("/readyz", app.server.url));
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ ready: false, database: "unreachable" });

  pg = await startPostgres();
  await waitUntilAnswered();
  expect(await status("/readyz")).toBe(200);
  expect(logs.join("\n")).toMatch(/database available again after \d+ ms/);
  expect(logs.join("\n")).not.toMatch(/Unexpected error/);
});

test('"too many clients" is UNAVAILABLE, not INTERNAL_SERVER_ERROR', async () => {
  const hogs: Client[] = [];
  try {
    for (;;) {
      const client = new Client({ connectionString: pg.url });
      try {
        await client.connect();
      } catch (error) {
        expect((error as { code?: string }).code).toBe("53300");
        break;
      }
      hogs.push(client);
    }
    // The pool's idle connections still answer; concurrent calls beyond them need new connections,
    // which Postgres refuses. Bounded tries: how many connections are idle depends on earlier calls.
    let codes: (string | undefined)[] = [];
    for (let tries = 0; tries < 10 && !codes.includes("UNAVAILABLE"); tries++) {
      codes = (await Promise.all(Array.from({ length: 40 }, () => gql()))).map(codeOf);
      expect(codes).not.toContain("INTERNAL_SERVER_ERROR");
    }
    expect(codes).toContain("UNAVAILABLE");
    expect(codes).not.toContain("INTERNAL_SERVER_ERROR");
    expect(logs.join("\n")).toContain("too_many_connections");
  } finally {
    await Promise.all(hogs.map((c) => c.end()));
  }
  await waitUntilAnswered();
});

test("a frozen Postgres (every process stopped) makes calls fail within the timeouts instead of hanging", async () => {
  const frozen = postgresProcesses();
  for (const pid of frozen) process.kill(pid, "SIGSTOP");
  try {
    // A pooled connection waits for statement_timeout + 2 s (client side), a new one for the connect timeout.
    const answer = await timed(() => gql());
    expect(codeOf(answer.value)).toBe("UNAVAILABLE");
    expect(answer.ms).toBeLessThan(5_000);
    expect(codeOf(await gql())).toBe("UNAVAILABLE");
    expect(await status("/healthz")).toBe(200);
  } finally {
    for (const pid of frozen) process.kill(pid, "SIGCONT");
  }
  await waitUntilAnswered();
});
