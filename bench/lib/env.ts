/** The benchmark's surroundings: embedded Postgres, fake vendor server, server children, machine facts. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client as PgClient } from "pg";
import { hashToken, makeRawToken } from "../../src/auth/tokens";
import { findFreePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../../src/db/embedded-postgres";
import { Api } from "./api";
import { sleep, startNode, tail, type Child } from "./proc";

/** The compiled tree this file is part of (dist/, or another --outDir): the server and fake vendor come from it. */
export const DIST = path.resolve(__dirname, "../..");

/** The checkout: the first folder above the compiled tree with a package.json. */
export const ROOT = (() => {
  for (let dir = path.dirname(DIST); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.dirname(DIST);
  }
})();

export interface Machine {
  cpuModel: string;
  cores: number;
  memGb: number;
  node: string;
  platform: string;
  kernel: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
  };
}

export function gitCommit(): { commit: string; dirty: boolean } {
  // A run from an export of the tree (git archive) names its commit here.
  if (process.env.BENCH_GIT_COMMIT) return { commit: process.env.BENCH_GIT_COMMIT, dirty: false };
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    return { commit, dirty };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

export interface Database {
  url: string;
  pg: EmbeddedPostgresHandle;
  sql: PgClient;
}

/**
 * A fresh cluster in a temp folder with the server's real durability defaults (fsync on,
 * synchronous_commit on, full_page_writes on): the figures include real commits.
 */
export async function startDatabase(tmp: string): Promise<Database> {
  const port = await findFreePort();
  const pg = await startEmbeddedPostgres({ dir: path.join(tmp, "postgres"), port });
  const sql = new PgClient({ connectionString: pg.url });
  await sql.connect();
  return { url: pg.url, pg, sql };
}

export interface FakeVendor {
  child: Child;
  url: string;
  admin<T = any>(method: "GET" | "POST", route: string, body?: unknown): Promise<T>;
}

/**
 * What `npm start` passes to node. A heap cap makes V8 collect before its old generation grows far:
 * the live heap stays under 40 MB at 20,000 jobs, but with the default limit (about 4 GB here) the
 * peak RSS grew 40% between 2,000 and 20,000 jobs in garbage not yet collected.
 */
export const SERVER_NODE_FLAGS = "--max-old-space-size=256";

export async function startFakeVendor(tmp: string): Promise<FakeVendor> {
  const port = await findFreePort();
  const child = startNode(
    [path.join(DIST, "scripts/fake-llm.js"), "--port", String(port), "--no-bodies"],
    { PATH: process.env.PATH },
    path.join(tmp, "fake-llm.log"),
  );
  const url = `http://127.0.0.1:${port}`;
  const admin = async <T>(method: "GET" | "POST", route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/__admin/${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`fake vendor ${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await admin("GET", "stats");
      return { child, url, admin };
    } catch (error) {
      if (Date.now() > deadline || child.proc.exitCode !== null)
        throw new Error(`fake vendor did not start: ${(error as Error).message}\n${tail(child.logFile)}`);
      await sleep(20);
    }
  }
}

export interface ServerChild {
  child: Child;
  api: Api;
  spawnedAt: number;
  /** When GET /healthz first answered. */
  readyAt: number;
}

export interface ServerOptions {
  databaseUrl: string;
  fakeUrl: string;
  tmp: string;
  label: string;
  cpuProfDir?: string;
  /** More environment for the server (e.g. GENERATORS_FILE). */
  env?: Record<string, string>;
}

export async function startServer(options: ServerOptions): Promise<ServerChild> {
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    OPENAI_BASE_URL: `${options.fakeUrl}/v1`,
    ANTHROPIC_BASE_URL: options.fakeUrl,
    LOG_LEVEL: "warn",
    ...options.env,
  };
  const args = options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  // The server runs with the node flags `npm start` gives it (package.json), or BENCH_SERVER_NODE_FLAGS.
  args.push(...(process.env.BENCH_SERVER_NODE_FLAGS ?? SERVER_NODE_FLAGS).split(" ").filter(Boolean));
  const spawnedAt = Date.now();
  const child = startNode([...args, path.join(DIST, "src/main.js")], env, path.join(options.tmp, `server-${options.label}.log`));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.proc.exitCode !== null) throw new Error(`server did not start\n${tail(child.logFile)}`);
    await sleep(5);
  }
  const readyAt = Date.now();
  const token = await insertAdminToken(options.databaseUrl, options.label);
  return { child, api: new Api(`${base}/graphql`, `ws://127.0.0.1:${port}/graphql`, token), spawnedAt, readyAt };
}

/**
 * The benchmark authenticates as a client does, with an admin token; it writes one into the database
 * (as `note-eval tokens create` does) once the server has migrated it.
 */
async function insertAdminToken(databaseUrl: string, label: string): Promise<string> {
  const token = makeRawToken();
  const sql = new PgClient({ connectionString: databaseUrl });
  await sql.connect();
  try {
    await sql.query(`INSERT INTO api_token (name, role, token_hash) VALUES ($1, 'admin', $2)`, [
      `bench ${label} ${Date.now()}`,
      hashToken(token),
    ]);
  } finally {
    await sql.end();
  }
  return token;
}

export function makeTmp(): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "note-eval-bench-"));
  // As root, Postgres runs as the `postgres` user, who must be able to reach its data folder.
  fs.chmodSync(tmp, 0o755);
  return tmp;
}
