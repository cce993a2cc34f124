/** The real server as a child process (`node -r ts-node/register src/main.ts`), so tests can kill it. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { findFreePort } from "../../src/db/embedded-postgres";
import type { GraphQLResponse } from "./app";

export interface ChildServer {
  url: string;
  process: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
}

const ROOT = path.resolve(__dirname, "..", "..");

/** `detached`: the server leads a process group of its own, so a test can signal the group as a terminal does. */
export async function startChildServer(env: Record<string, string>, timeoutMs = 90_000, detached = false): Promise<ChildServer> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ["-r", "ts-node/register", "src/main.ts"], {
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
      if (/GraphQL on|Worker ready/.test(chunk.toString())) {
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
    process: child,
    output,
    exited,
    gql: async (query, variables) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
  };
}
