/**
 * Authentication at the edge: HTTP (bearer) and graphql-ws (connection_init), with missing, wrong
 * and revoked tokens; tokens stored hashed; revocation reaching open sockets.
 */
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";

/** The first message of a one-off subscription, or the reason it could not start. */
function firstResult(url: string, connectionParams: Record<string, unknown> | undefined, query: string) {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
  return new Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[]; closeCode?: number }>((resolve) => {
    const stop = client.subscribe(
      { query },
      {
        next: (result) => {
          stop();
          resolve(result as never);
        },
        error: (error) => resolve({ closeCode: (error as { code?: number }).code }),
        complete: () => undefined,
      },
    );
  }).finally(() => client.dispose());
}

let PROGRESS: string;

describe("tokens", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const { createExperiment } = dataOf(
      await t.gql(`mutation { createExperiment(input: {name: "auth", hyperscribeVersion: "v"}) { id } }`),
    );
    PROGRESS = `subscription { experimentProgress(experimentId: ${createExperiment.id}) { done } }`;
  });
  afterAll(() => t.stop());

  test("HTTP without a token, or with an unknown one, is 401 UNAUTHENTICATED before any GraphQL runs", async () => {
    for (const token of [undefined, "nev_not-a-real-token", "Basic abc", ""]) {
      const response = await fetch(t.app.server.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: "{ cases { id transcript } }" }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
  });

  test("a token works at once, is stored only as a hash, and stops working when revoked", async () => {
    const { createToken } = dataOf(
      await t.gql(`mutation { createToken(name: "ci job", role: "viewer") { token apiToken { id name role revoked } } }`),
    );
    expect(createToken.token).toMatch(/^nev_[\w-]{43}$/);
    expect(createToken.apiToken).toMatchObject({ name: "ci job", role: "viewer", revoked: null });
    expect(dataOf(await t.gqlAs(createToken.token, `{ me { name role } }`)).me).toEqual({ name: "ci job", role: "viewer" });

    const rows = await t.app.db.query(`SELECT row_to_json(api_token)::text AS row FROM api_token`);
    expect(rows.map((r: { row: string }) => r.row).join("\n")).not.toContain(createToken.token);

    dataOf(await t.gql(`mutation($id: Int!) { revokeToken(id: $id) { revoked } }`, { id: createToken.apiToken.id }));
    const refused = await t.gqlAs(createToken.token, `{ me { name } }`);
    expect(errorCodeOf(refused)).toBe("UNAUTHENTICATED");
    const { tokens } = dataOf(await t.gql(`{ tokens(includeRevoked: true) { name revoked } }`));
    expect(tokens.find((k: { name: string }) => k.name === "ci job").revoked).not.toBeNull();
  });

  test("token names are unique among active tokens and roles are checked", async () => {
    await t.makeToken("viewer", "taken");
    expect(errorCodeOf(await t.gql(`mutation { createToken(name: "taken", role: "viewer") { token } }`))).toBe("BAD_USER_INPUT");
    expect(errorCodeOf(await t.gql(`mutation { createToken(name: "x", role: "root") { token } }`))).toBe("BAD_USER_INPUT");
    expect(errorCodeOf(await t.gql(`mutation { createToken(name: "  ", role: "viewer") { token } }`))).toBe("BAD_USER_INPUT");
  });

  test("graphql-ws: connection_init without a token, or with a wrong or revoked one, is closed with 4403", async () => {
    const viewer = await t.makeToken("viewer", "ws viewer");
    const ok = await firstResult(t.app.server.wsUrl, { token: viewer }, PROGRESS);
    expect(ok.closeCode).toBeUndefined();
    expect(ok.errors).toBeUndefined();

    expect((await firstResult(t.app.server.wsUrl, undefined, PROGRESS)).closeCode).toBe(4403);
    expect((await firstResult(t.app.server.wsUrl, { token: "nev_wrong" }, PROGRESS)).closeCode).toBe(4403);
    const bearer = await firstResult(t.app.server.wsUrl, { authorization: `Bearer ${viewer}` }, PROGRESS);
    expect(bearer.closeCode).toBeUndefined();

    await t.app.tokens.revoke("ws viewer");
    expect((await firstResult(t.app.server.wsUrl, { token: viewer }, PROGRESS)).closeCode).toBe(4403);
  });

  test("a token revoked while its socket is open starts no new subscription on it", async () => {
    const viewer = await t.makeToken("viewer", "open socket");
    const client = t.wsClient(viewer);
    const subscribe = (keepOpen: boolean) =>
      new Promise<{ errors?: { extensions?: { code?: string } }[] }>((resolve) => {
        const stop = client.subscribe(
          { query: PROGRESS },
          {
            next: (result) => {
              if (!keepOpen) stop();
              resolve(result as never);
            },
            error: (errors) => resolve({ errors: errors as never }),
            complete: () => undefined,
          },
        );
      });
    // The first subscription keeps the socket open while the token is revoked.
    expect((await subscribe(true)).errors).toBeUndefined();
    await t.app.tokens.revoke("open socket");
    const after = await subscribe(false);
    expect(Array.isArray(after.errors)).toBe(true);
    expect(after.errors![0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});
