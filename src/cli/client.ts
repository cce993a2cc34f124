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

export interface GraphQLClient {
  url: string;
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Calls onNext for every result until the returned function is called or the server completes. */
  subscribe<T = any>(
    query: string,
    variables: Record<string, unknown>,
    handlers: { next(data: T): void; error(error: Error): void; complete?(): void },
  ): () => void;
  close(): Promise<void>;
}

export function wsUrlOf(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export function makeClient(url: string): GraphQLClient {
  let ws: Client | undefined;
  const wsClient = () => (ws ??= createClient({ url: wsUrlOf(url), webSocketImpl: WebSocket, retryAttempts: 3, lazy: true }));

  return {
    url,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ query, variables }),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new ApiError(`cannot reach ${url} (${cause}): is the server running? (--url or NOTE_EVAL_URL)`);
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
        throw new ApiError(body.errors.map((e) => e.message).join("; "), first.extensions?.code);
      }
      return body.data as T;
    },
    subscribe(query, variables, handlers) {
      return wsClient().subscribe(
        { query, variables },
        {
          next: (result) => {
            if (result.errors?.length) handlers.error(new ApiError(result.errors.map((e) => e.message).join("; ")));
            else handlers.next(result.data as never);
          },
          error: (error) =>
            handlers.error(error instanceof Error ? error : new ApiError(`subscription failed: ${describeWsError(error)}`)),
          complete: () => handlers.complete?.(),
        },
      );
    },
    async close() {
      await ws?.dispose();
    },
  };
}

function describeWsError(error: unknown): string {
  if (Array.isArray(error)) return error.map((e: { message?: string }) => e.message).join("; ");
  if (error && typeof error === "object" && "code" in error) {
    const e = error as { code: unknown; reason?: string; message?: string };
    return `${e.code} ${e.reason ?? e.message ?? ""}`.trim();
  }
  return String(error);
}
