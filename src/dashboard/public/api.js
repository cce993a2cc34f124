// GraphQL for the dashboard: fetch for queries and mutations, graphql-ws (UMD global `graphqlWs`) for subscriptions.
const HTTP_URL = `${location.origin}/graphql`;
const WS_URL = HTTP_URL.replace(/^http/, "ws");

export async function gql(query, variables = {}) {
  const response = await fetch(HTTP_URL, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

let client;
const listeners = new Set();

/** One shared WebSocket for every subscription of the page. */
function wsClient() {
  if (!client) {
    client = window.graphqlWs.createClient({
      url: WS_URL,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      on: {
        connected: () => listeners.forEach((l) => l("connected")),
        closed: () => listeners.forEach((l) => l("disconnected")),
      },
    });
  }
  return client;
}

export function onConnection(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls next(data) for every result; returns the function that unsubscribes. */
export function subscribe(query, variables, next, onError = (e) => console.error(e)) {
  return wsClient().subscribe(
    { query, variables },
    {
      next: (result) => (result.errors ? onError(new Error(result.errors.map((e) => e.message).join("; "))) : next(result.data)),
      error: onError,
      complete: () => undefined,
    },
  );
}

export const PROGRESS_FIELDS = `runId runStatus done inputTokens outputTokens costUsd elapsedMs etaMs
  notes { expected succeeded failed running pending } grades { expected succeeded failed running pending }`;
