/** GraphQL over fetch for queries and mutations, graphql-ws (with `ws`) for subscriptions. */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** The server answered with errors, or could not be reached: exit code 2. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The server could not be reached at all (down, restarting, wrong URL): worth retrying. */
export class UnreachableError extends ApiError {}

/** The live connection's state, for a view that says "reconnecting…". */
export type ConnectionState = "connected" | "reconnecting";

export interface GraphQLClient {
  url: string;
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Calls onNext for every result until the returned function is called or the server completes. */
  subscribe<T = any>(
    query: string,
    variables: Record<string, unknown>,
    handlers: { next(data: T): void; error(error: Error): void; complete?(): void },
  ): () => void;
  /** Calls listener when the subscriptions' connection is lost (graphql-ws retries) and when it is back. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  close(): Promise<void>;
}

/**
 * Waits before reconnection attempt `retries` (from 0): 250 ms doubling up to 2 s, plus up to a
 * quarter of it at random, so that clients of a restarted server do not all come back at once.
 * graphql-ws's own default grows without a cap (17 minutes by the tenth try).
 */
export function reconnectDelayMs(retries: number, random: () => number = Math.random): number {
  const base = Math.min(2000, 250 * 2 ** retries);
  return Math.round(base * (1 + random() / 4));
}

export function wsUrlOf(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/** `token`: sent as a bearer token over HTTP and in graphql-ws's connection_init payload. */
export function makeClient(url: string, token?: string): GraphQLClient {
  let ws: Client | undefined;
  const listeners = new Set<(state: ConnectionState) => void>();
  let lost = false;
  let active = 0;
  const tell = (state: ConnectionState) => listeners.forEach((l) => l(state));
  // Subscriptions outlive a server restart: graphql-ws reconnects (for ever; every error but a
  // refusal of credentials counts as retryable, since a refused connection is an error event, not
  // a close that graphql-ws would retry by default) and subscribes again, and
  // experimentProgress answers a new subscription with the current state first.
  const wsClient = () =>
    (ws ??= createClient({
      url: wsUrlOf(url),
      webSocketImpl: WebSocket,
      lazy: true,
      connectionParams: token ? { token } : undefined,
      retryAttempts: Infinity,
      shouldRetry: (error) => !isForbidden(error),
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(retries))),
      on: {
        connected: () => {
          if (lost) tell("connected");
          lost = false;
        },
        closed: () => {
          // The lazy client also closes when the last subscription ends: that is no loss.
          if (active === 0) return;
          if (!lost) tell("reconnecting");
          lost = true;
        },
      },
    }));

  return {
    url,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ query, variables }),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new UnreachableError(`cannot reach ${url} (${cause}): is the server running? (--url or NOTE_EVAL_URL)`);
      }
      const text = await response.text();
      let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError(`${url} answered HTTP ${response.status} that is not GraphQL: ${text.slice(0, 200)}`);
      }
      if (body.errors?.length) {
        const first = body.errors[0];
        if (first.extensions?.code === "UNAUTHENTICATED") {
          throw new ApiError(`${first.message} (the CLI sends --token or NOTE_EVAL_TOKEN)`, first.extensions.code);
        }
        throw new ApiError(body.errors.map((e) => e.message).join("; "), first.extensions?.code);
      }
      return body.data as T;
    },
    subscribe(query, variables, handlers) {
      let ended = false;
      const end = () => {
        if (!ended) active--;
        ended = true;
      };
      active++;
      const unsubscribe = wsClient().subscribe(
        { query, variables },
        {
          next: (result) => {
            if (result.errors?.length) handlers.error(new ApiError(result.errors.map((e) => e.message).join("; ")));
            else handlers.next(result.data as never);
          },
          error: (error) => {
            end();
            handlers.error(error instanceof Error ? error : new ApiError(`subscription failed: ${describeWsError(error)}`));
          },
          complete: () => {
            end();
            handlers.complete?.();
          },
        },
      );
      return () => {
        end();
        unsubscribe();
      };
    },
    onConnection(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      await ws?.dispose();
    },
  };
}

/** 4403: the server refused these credentials; asking again will not change that. */
function isForbidden(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 4403;
}

function describeWsError(error: unknown): string {
  if (Array.isArray(error)) return error.map((e: { message?: string }) => e.message).join("; ");
  if (error && typeof error === "object" && "code" in error) {
    const e = error as { code: unknown; reason?: string; message?: string };
    return `${e.code} ${e.reason ?? e.message ?? ""}`.trim();
  }
  return String(error);
}
