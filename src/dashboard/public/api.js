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
  if (body.errors?.length) {
    const error = new Error(body.errors.map((e) => e.message).join("; "));
    error.code = body.errors[0].extensions?.code;
    throw error;
  }
  return body.data;
}

let client;
const listeners = new Set();
let lost = false;
/** Subscriptions of the current view: the lazy socket also closes when a view without any is shown. */
let active = 0;
const tell = (state) => listeners.forEach((l) => l(state));

/** Waits before reconnection attempt `retries`: 250 ms doubling up to 2 s, plus up to a quarter at random. */
const retryWait = (retries) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * 2 ** retries) * (1 + Math.random() / 4)));

/**
 * One shared WebSocket for every subscription of the page. After a server restart graphql-ws
 * reconnects (for ever, every error but a refusal of credentials, 4403, counts as retryable) and
 * subscribes again; the progress subscription then starts with the current state, and views
 * listening for "reconnected" read again what they show from the rows.
 */
function wsClient() {
  if (!client) {
    client = window.graphqlWs.createClient({
      url: WS_URL,
      retryAttempts: Infinity,
      shouldRetry: (error) => error?.code !== 4403,
      retryWait,
      on: {
        connected: () => {
          tell(lost ? "reconnected" : "connected");
          lost = false;
        },
        closed: () => {
          if (active === 0) return;
          if (!lost) tell("reconnecting");
          lost = true;
        },
      },
    });
  }
  return client;
}

/** listener("connected" | "reconnecting" | "reconnected"); returns the function that stops listening. */
export function onConnection(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls next(data) for every result; returns the function that unsubscribes. */
export function subscribe(query, variables, next, onError = (e) => console.error(e)) {
  let ended = false;
  const end = () => {
    if (!ended) active--;
    ended = true;
  };
  active++;
  const unsubscribe = wsClient().subscribe(
    { query, variables },
    {
      next: (result) => (result.errors ? onError(new Error(result.errors.map((e) => e.message).join("; "))) : next(result.data)),
      error: (error) => {
        end();
        onError(error);
      },
      complete: end,
    },
  );
  return () => {
    end();
    unsubscribe();
  };
}

export const PROGRESS_FIELDS = `runId runStatus done inputTokens outputTokens costUsd unpriced budgetUsd spentUsd elapsedMs etaMs
  notes { expected succeeded failed running pending } grades { expected succeeded failed running pending }
  limits { vendor baseUrl limit processes reason }`;
