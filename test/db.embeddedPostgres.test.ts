/**
 * The embedded Postgres shared by the processes of one checkout: a second process uses the running
 * database and never stops it, an orphan (all its users dead) is stopped, a failed start stops what
 * it started, a taken port is avoided, and the login is a random password (old folders migrated).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { startApp } from "../src/app";
import { loadConfig } from "../src/config";
import { runInitdb } from "../src/db/cluster-init";
import { findFreePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../src/db/embedded-postgres";
import { pidExists } from "../src/os-process";
import { makeLogger } from "../src/logger";

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, "..");
const CASES = path.join(loadConfig().sharedDataDir, "med-management");

let tmp: string;
let dir: string;
const handles: EmbeddedPostgresHandle[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "note-eval-embedded-"));
  fs.chmodSync(tmp, 0o755); // as root, Postgres runs as the postgres user, which must reach the folder
  dir = path.join(tmp, "pg");
});
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.stop();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function start(port: number, notices: string[] = [], dataDir = dir): Promise<EmbeddedPostgresHandle> {
  const handle = await startEmbeddedPostgres({ dir: dataDir, port, onNotice: (m) => notices.push(m) });
  handles.push(handle);
  return handle;
}

const postmasterPid = (dataDir = dir) => Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);

async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function canLogin(port: number, password: string): Promise<boolean> {
  const client = new Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function runNode(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

test("a new folder has a random password in a 0600 file, refuses postgres/postgres and listens on loopback only", async () => {
  const port = await findFreePort();
  const pg = await start(port);
  expect(pg.mode).toBe("started");
  const passwordFile = path.join(dir, "note-eval", "password");
  expect(fs.statSync(passwordFile).mode & 0o777).toBe(0o600);
  expect(pg.url).toContain(encodeURIComponent(fs.readFileSync(passwordFile, "utf8").trim()));
  expect(await canLogin(port, "postgres")).toBe(false);
  expect(await query(pg.url, "SHOW listen_addresses")).toEqual([{ listen_addresses: "127.0.0.1" }]);
});

test("npm run import-cases beside a running server uses its database and leaves it running", async () => {
  const port = await findFreePort();
  const first = await start(port);
  const pid = postmasterPid();
  const imported = await runNode(["scripts/import-cases.ts", CASES], {
    DATABASE_URL: "",
    EMBEDDED_PG_DIR: dir,
    EMBEDDED_PG_PORT: String(port),
    LOG_LEVEL: "warn",
  });
  expect(imported.output).toContain("Using the embedded Postgres already running");
  expect({ code: imported.code, output: imported.output }).toEqual({ code: 0, output: expect.stringContaining("imported") });
  expect(postmasterPid()).toBe(pid);
  expect((await query<{ n: number }>(first.url, `SELECT count(*)::int AS n FROM "case"`))[0]!.n).toBeGreaterThan(0);

  await handles.pop()!.stop(); // the last user leaves: now the postmaster stops
  expect(pidExists(pid)).toBe(false);
});

test("a postmaster whose only user was SIGKILLed is stopped and replaced by the next start", async () => {
  const port = await findFreePort();
  const holder = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "test/support/embedded-postgres-holder.ts", dir, String(port)],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise((resolve) => holder.once("exit", resolve));
  await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
  const orphan = postmasterPid();
  holder.kill("SIGKILL");
  await exited;
  expect(pidExists(orphan)).toBe(true);

  const notices: string[] = [];
  const pg = await start(port, notices);
  expect(pg.mode).toBe("started");
  expect(notices.join("\n")).toContain(`Stopping the Postgres (pid ${orphan}) left running`);
  expect(pidExists(orphan)).toBe(false);
  expect(postmasterPid()).not.toBe(orphan);
});

test("when the preferred port is taken by another program, a free one is chosen and announced", async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const taken = (blocker.address() as net.AddressInfo).port;
  try {
    const notices: string[] = [];
    const pg = await start(taken, notices);
    expect(pg.port).not.toBe(taken);
    expect(notices.join("\n")).toContain(
      `Port ${taken} is taken by another program: the embedded Postgres listens on 127.0.0.1:${pg.port}`,
    );
    expect(await query(pg.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  } finally {
    blocker.close();
  }
});

test("a server whose start fails (its PORT is taken) stops the embedded Postgres it started", async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const config = loadConfig({
    PORT: String((blocker.address() as net.AddressInfo).port),
    EMBEDDED_PG_DIR: dir,
    EMBEDDED_PG_PORT: String(await findFreePort()),
    RESUME_ON_START: "false",
  });
  try {
    await expect(startApp(config, { logger: makeLogger("silent") })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    blocker.close();
  }
  expect(fs.existsSync(path.join(dir, "postmaster.pid"))).toBe(false);
});

test("a folder made by an earlier version (login postgres/postgres) gets a random password on its next start", async () => {
  const legacy = path.join(tmp, "legacy");
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  await runInitdb(path.resolve(path.dirname(entry), "..", "native", "bin", "initdb"), legacy, "postgres", "password");
  const port = await findFreePort();
  const notices: string[] = [];
  const pg = await start(port, notices, legacy);
  expect(notices.join("\n")).toContain("had the fixed login postgres/postgres: it now has a random password");
  expect(await canLogin(port, "postgres")).toBe(false);
  expect(await query(pg.url, "SELECT current_user AS u")).toEqual([{ u: "postgres" }]);
  expect(fs.readFileSync(path.join(legacy, "pg_hba.conf"), "utf8")).toMatch(/127\.0\.0\.1\/32\s+scram-sha-256/);

  await handles.pop()!.stop(); // and the next start reads the stored password
  const again = await start(port, [], legacy);
  expect(await query(again.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
});
