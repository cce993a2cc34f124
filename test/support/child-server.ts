/**
 * The real server as a child process (`node -r ts-node/register/transpile-only src/main.ts`), so tests
 * can kill it. Transpile-only: `npm run typecheck` checks the types; checking them again in every child
 * cost seconds of CPU per start, and starts under load timed out.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { hashToken, makeRawToken } from "../../src/auth/tokens";
import { findFreePort } from "../../src/db/embedded-postgres";
import type { GraphQLResponse } from "./app";

export interface ChildServer {
  url: string;
  /** An admin token written into its database before it started; `gql` sends it. */
  token: string;
  process: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
}

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Writes an admin token straight into a (migrated) database, as `note-eval tokens create` does;
 * undefined for a database not migrated yet (the server then prints its first-start token).
 */
export async function insertAdminToken(databaseUrl: string): Promise<string | undefined> {
  const token = makeRawToken();
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    await sql.query(`INSERT INTO api_token (name, role, token_hash) VALUES ($1, 'admin', $2)`, [
      `test admin ${randomBytes(4).toString("hex")}`,
      hashToken(token),
    ]);
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return undefined;
    throw error;
  } finally {
    await sql.end();
  }
  return token;
}

const UNDEFINED_TABLE = "42P01";

/** The token in the first-start banner (src/main.ts) of a server on a new embedded Postgres. */
const PRINTED_TOKEN = /NOTE_EVAL_TOKEN=(nev_\S+)/;

/**
 * `detached`: the server leads a process group of its own, so a test can signal the group as a terminal does.
 * `token`: the admin token to use. Without it, a test database (DATABASE_URL) gets one written into it,
 * and a new embedded Postgres gets the one the server prints on its first start.
 */
export async function startChildServer(
  env: Record<string, string>,
  timeoutMs = 90_000,
  detached = false,
  token?: string,
): Promise<ChildServer> {
  if (!token && env.DATABASE_URL) token = await insertAdminToken(env.DATABASE_URL);
  const port = await findFreePort();
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/main.ts"], {
    cwd: ROOT,
    // Models point at fake vendor servers on loopback ports (BASE_URL_ALLOWLIST).
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "info", BASE_URL_ALLOWLIST: "http://127.0.0.1:*", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached,
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output.join("")}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const all = output.join("");
      token ??= PRINTED_TOKEN.exec(all)?.[1];
      // A worker serves no API: it needs no token.
      if ((token && all.includes("GraphQL on")) || all.includes("Worker ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${output.join("")}`)));
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    url,
    token: token!,
    process: child,
    output,
    exited,
    gql: async (query, variables) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
  };
}
