/**
 * Starts the real service in-process on a free port, with a database of its own, and talks to it
 * the way clients do: fetch for queries and mutations, the graphql-ws client for subscriptions.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { startApp, type App } from "../../src/app";
import type { Role } from "../../src/auth/roles";
import { loadConfig, type Config } from "../../src/config";
import { makeLogger } from "../../src/logger";
import { createTestDatabase } from "./database";

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestApp {
  app: App;
  config: Config;
  /** Every line the server logged, for assertions (e.g. that no key leaks). */
  logs: string[];
  /** Every raw HTTP response body, for the same reason. */
  responses: string[];
  /** As the admin token (the server's first-start token on a fresh database): every test's default caller. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** As another token (or none: `undefined`). */
  gqlAs<T = Record<string, any>>(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client authenticated as the admin token, or as `token`. */
  wsClient(token?: string): Client;
  /** The admin token every default client uses. */
  adminToken: string;
  /** Creates a token of that role (named after it unless `name` is given). */
  makeToken(role: Role, name?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const databaseUrl = await createTestDatabase();
  // Tests point models at fake vendor servers on loopback ports (BASE_URL_ALLOWLIST); a test may narrow it.
  const config = loadConfig({
    PORT: "0",
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "debug",
    BASE_URL_ALLOWLIST: "http://127.0.0.1:*",
    ...env,
  });
  const logs: string[] = [];
  const responses: string[] = [];
  const app = await startApp(config, { logger: makeLogger("debug", (line) => logs.push(line)) });
  const clients: Client[] = [];

  // A fresh database gets the server's first-start token; a database used before (a restart) gets one more.
  const adminToken = app.firstLogin?.token ?? (await app.tokens.create(`test admin ${Date.now()}`, "admin")).token;

  const gqlAs = async <T>(
    token: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>> => {
    const response = await fetch(app.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    responses.push(text);
    return JSON.parse(text) as GraphQLResponse<T>;
  };

  const gql = <T>(query: string, variables?: Record<string, unknown>) => gqlAs<T>(adminToken, query, variables);

  const wsClient = (token = adminToken) => {
    const client = createClient({
      url: app.server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { token },
    });
    clients.push(client);
    return client;
  };

  return {
    app,
    config,
    logs,
    responses,
    gql,
    gqlAs,
    wsClient,
    adminToken,
    makeToken: async (role, name) => (await app.tokens.create(name ?? role, role)).token,
    stop: async () => {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop();
    },
  };
}

/** The data of a response that must have succeeded; fails the test with the errors otherwise. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

/** The code of the single error of a response that must have failed. */
export function errorCodeOf(response: GraphQLResponse): string | undefined {
  expect(response.errors?.length).toBeGreaterThan(0);
  return response.errors![0].extensions?.code;
}
