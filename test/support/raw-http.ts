/**
 * Requests the GraphQL helpers cannot make: bodies that are not JSON, too large, or odd headers,
 * and operations over graphql-ws answered as one result. For the adversarial tests.
 */
import type { Client } from "graphql-ws";
import type { GraphQLResponse, TestApp } from "./app";

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/** POSTs `body` as it is to the GraphQL endpoint (as the test's default caller). */
export async function rawPost(t: TestApp, body: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  // As the default caller: the admin token once the server has tokens (auth), nothing before.
  const token = (t as Partial<{ adminToken: string }>).adminToken;
  const response = await fetch(t.app.server.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
  const text = await response.text();
  t.responses.push(text);
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", text };
}

/** Runs a query or mutation over graphql-ws and resolves with its one result (errors included). */
export function wsRequest<T = Record<string, any>>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  return new Promise((resolve, reject) => {
    let last: GraphQLResponse<T> = {};
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => (last = result as GraphQLResponse<T>),
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => resolve(last),
      },
    );
  });
}
