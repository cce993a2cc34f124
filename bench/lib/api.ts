/** The benchmark talks to the server only as a client would: GraphQL over HTTP, and graphql-ws. */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export class Api {
  constructor(
    readonly httpUrl: string,
    readonly wsUrl: string,
    /** An admin token: bearer on HTTP, connection_init payload on graphql-ws. */
    readonly token: string,
  ) {}

  async gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(this.httpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) {
      throw new Error(`GraphQL ${query.slice(0, 60)}…: ${JSON.stringify(body.errors ?? body)}`);
    }
    return body.data;
  }

  wsClient(): Client {
    return createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { token: this.token },
    });
  }
}

export interface ProgressCounts {
  done: boolean;
  notes: { expected: number; succeeded: number; failed: number };
  grades: { expected: number; succeeded: number; failed: number };
}

export const PROGRESS_SELECTION = `done runStatus notes { expected succeeded failed } grades { expected succeeded failed }`;

/**
 * Subscribes to experimentProgress; `onProgress` sees every message; resolves once the subscription's
 * first message (the current state) arrived, so the caller knows it is live.
 */
export function subscribeProgress(
  client: Client,
  experimentId: number,
  onProgress: (p: ProgressCounts, receivedAt: number) => void,
  onError: (error: unknown) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let first = true;
    client.subscribe(
      {
        query: `subscription($e: Int!) { experimentProgress(experimentId: $e) { ${PROGRESS_SELECTION} } }`,
        variables: { e: experimentId },
      },
      {
        next: ({ data, errors }) => {
          const now = Date.now();
          if (errors) return onError(new Error(JSON.stringify(errors)));
          onProgress((data as { experimentProgress: ProgressCounts }).experimentProgress, now);
          if (first) {
            first = false;
            resolve();
          }
        },
        error: (error) => {
          onError(error);
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
}

export interface BenchEvent {
  type: string;
  at: number;
  resultId: number | null;
  grade: { id: number } | null;
  progress: { done: boolean };
}

/** Subscribes to experimentResultEvents; resolves once the socket is connected (acknowledged). */
export function subscribeEvents(
  client: Client,
  experimentId: number,
  onEvent: (event: BenchEvent, receivedAt: number) => void,
  onError: (error: unknown) => void,
): Promise<void> {
  const connected = new Promise<void>((resolve) => client.on("connected", () => resolve()));
  client.subscribe(
    {
      query: `subscription($e: Int!) { experimentResultEvents(experimentId: $e) { type at resultId grade { id } progress { done } } }`,
      variables: { e: experimentId },
    },
    {
      next: ({ data, errors }) => {
        const now = Date.now();
        if (errors) return onError(new Error(JSON.stringify(errors)));
        onEvent((data as { experimentResultEvents: BenchEvent }).experimentResultEvents, now);
      },
      error: onError,
      complete: () => undefined,
    },
  );
  return connected;
}
