/**
 * The service in-process on a fixed port and a database of its own, that a test can stop (the
 * staged shutdown SIGTERM runs) and start again where its clients expect it: a server restart
 * under running clients, without the seconds a child process takes to start.
 */
import { startApp, type App } from "../../src/app";
import { loadConfig } from "../../src/config";
import { findFreePort } from "../../src/db/embedded-postgres";
import { makeLogger } from "../../src/logger";
import type { GraphQLResponse, TestApp } from "./app";
import { createTestDatabase } from "./database";

export interface RestartableApp {
  url: string;
  /** The admin token of the first start (the database keeps it across restarts). */
  token: string;
  /** Every line every incarnation logged. */
  logs: string[];
  current(): App;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Seeding helpers take a TestApp; they only use gql. */
  asTestApp(): TestApp;
  /** Stops the server as SIGTERM does (runs left interrupted); start() brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function makeRestartableApp(env: Record<string, string> = {}): Promise<RestartableApp> {
  const config = loadConfig({
    PORT: String(await findFreePort()),
    DATABASE_URL: await createTestDatabase(),
    LOG_LEVEL: "info",
    // Models point at fake vendor servers on loopback ports.
    BASE_URL_ALLOWLIST: "http://127.0.0.1:*",
    ...env,
  });
  const logs: string[] = [];
  let app: App | undefined;
  let token = "";
  const url = `http://127.0.0.1:${config.port}/graphql`;
  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  };
  const restartable: RestartableApp = {
    url,
    get token() {
      return token;
    },
    logs,
    current: () => app!,
    gql,
    asTestApp: () => ({ gql }) as unknown as TestApp,
    stop: async () => {
      await app?.stop();
      app = undefined;
    },
    start: async () => {
      app = await startApp(config, { logger: makeLogger("info", (line) => logs.push(line)) });
      token ||= app.firstLogin!.token;
    },
  };
  await restartable.start();
  return restartable;
}
