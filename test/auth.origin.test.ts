/**
 * What a hostile page in the user's browser meets: the Origin check on HTTP and on the WebSocket
 * upgrade (cookies ride along with both), the Host check against DNS rebinding, and the login cookie.
 */
import http from "node:http";
import WebSocket from "ws";
import { dataOf, startTestApp, type TestApp } from "./support/app";

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP request with exactly these headers (fetch does not let a caller set Host). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += String(chunk)));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** Opens a WebSocket with these headers; resolves with the HTTP status of a refused upgrade, or "open". */
function upgrade(url: string, headers: Record<string, string>): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    socket.once("open", () => {
      socket.close();
      resolve("open");
    });
    socket.once("unexpected-response", (_req, response) => resolve(response.statusCode!));
    socket.once("error", reject);
  });
}

/** connection_init with the given payload over a socket with the given headers: ack, or the close code. */
function connectionInit(url: string, headers: Record<string, string>, payload?: unknown): Promise<"ack" | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload })));
    socket.on("message", (data) => {
      if (JSON.parse(String(data)).type === "connection_ack") {
        socket.close();
        resolve("ack");
      }
    });
    socket.once("close", (code) => resolve(code));
    socket.once("error", reject);
  });
}

const QUERY = JSON.stringify({ query: "{ cases { name transcript } }" });

describe("Origin, Host and the login cookie", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ ALLOWED_HOSTS: "eval.internal", ALLOWED_ORIGINS: "https://tools.example.org" });
    port = t.app.server.port;
  });
  afterAll(() => t.stop());

  const post = (headers: Record<string, string>) =>
    raw(
      t.app.server.url,
      "POST",
      { "content-type": "application/json", authorization: `Bearer ${t.adminToken}`, ...headers },
      QUERY,
    );

  test("a cross-origin WebSocket (Origin: http://evil.example) is refused at the upgrade, even with a token", async () => {
    expect(await upgrade(t.app.server.wsUrl, { origin: "http://evil.example" })).toBe(403);
    expect(await upgrade(t.app.server.wsUrl, { origin: "http://evil.example", cookie: `note_eval_token=${t.adminToken}` })).toBe(
      403,
    );
    expect(await upgrade(t.app.server.wsUrl, { origin: "null" })).toBe(403);
    // Our own pages, and clients that send no Origin, reach graphql-ws (which then wants a token).
    expect(await upgrade(t.app.server.wsUrl, { origin: `http://127.0.0.1:${port}` })).toBe("open");
    expect(await upgrade(t.app.server.wsUrl, {})).toBe("open");
  });

  test("a cross-origin HTTP request is refused 403 FORBIDDEN; same origin and ALLOWED_ORIGINS pass", async () => {
    const evil = await post({ origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).errors[0].extensions.code).toBe("FORBIDDEN");
    expect(evil.body).not.toContain('transcript":');
    expect((await post({ origin: `http://127.0.0.1:${port}` })).status).toBe(200);
    expect((await post({ origin: "https://tools.example.org" })).status).toBe(200);
    expect((await post({ origin: "http://tools.example.org" })).status).toBe(403);
  });

  test("a Host that is a DNS name not configured (DNS rebinding) is refused on HTTP, pages and the upgrade", async () => {
    for (const host of [`evil.example:${port}`, "evil.example", `attacker.127.0.0.1.nip.io:${port}`]) {
      const response = await post({ host });
      expect([host, response.status]).toEqual([host, 403]);
      expect(JSON.parse(response.body).errors[0].message).toContain("ALLOWED_HOSTS");
      expect((await raw(`http://127.0.0.1:${port}/`, "GET", { host })).status).toBe(403);
    }
    // The browser's view of a rebinding page: same origin as far as it knows, but the Host is its DNS name.
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    expect(await upgrade(t.app.server.wsUrl, rebound)).toBe(403);
    expect((await post(rebound)).status).toBe(403);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `eval.internal:${port}`]) {
      expect([host, (await post({ host })).status]).toEqual([host, 200]);
    }
  });

  test("pages, API answers, refusals and 404s carry the security headers: CSP, no framing, no sniffing, no X-Powered-By", async () => {
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    const answers = {
      dashboard: await raw(url("/"), "GET", {}),
      ide: await raw(url("/graphql"), "GET", { accept: "text/html", cookie: `note_eval_token=${t.adminToken}` }),
      api: await post({}),
      refused: await post({ origin: "http://evil.example" }),
      notFound: await raw(url("/no-such-page"), "GET", {}),
    };
    expect(answers.ide.body).toContain('id="graphiql"');
    for (const [name, answer] of Object.entries(answers)) {
      const csp = String(answer.headers["content-security-policy"]);
      expect([name, csp]).toEqual([name, expect.stringContaining("script-src 'self';")]);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port} wss://127.0.0.1:${port}`);
      expect(csp).not.toContain("unsafe-eval");
      expect(answer.headers["x-frame-options"]).toBe("DENY");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.headers["x-powered-by"]).toBeUndefined();
    }
  });

  test("the login URL sets an HttpOnly SameSite=Strict cookie that authenticates HTTP and WebSocket", async () => {
    const login = await raw(`http://127.0.0.1:${port}/login?token=${t.adminToken}&next=%2F%23%2Fexperiments%2F1`, "GET", {});
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/#/experiments/1");
    expect(login.headers["referrer-policy"]).toBe("no-referrer");
    const cookie = login.headers["set-cookie"]![0];
    expect(cookie).toMatch(/^note_eval_token=nev_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const pair = cookie.split(";")[0];

    const withCookie = await raw(t.app.server.url, "POST", { "content-type": "application/json", cookie: pair }, QUERY);
    expect(withCookie.status).toBe(200);
    expect(JSON.parse(withCookie.body).data.cases).toEqual([]);
    expect(await connectionInit(t.app.server.wsUrl, { cookie: pair })).toBe("ack");
    expect(await connectionInit(t.app.server.wsUrl, {})).toBe(4403);
    expect(await connectionInit(t.app.server.wsUrl, { cookie: pair, origin: `http://127.0.0.1:${port}` })).toBe("ack");

    const logout = await raw(`http://127.0.0.1:${port}/logout`, "GET", {});
    expect(logout.headers["set-cookie"]![0]).toMatch(/^note_eval_token=; .*Max-Age=0/);
  });

  test("a wrong login link sets no cookie, and `next` cannot send the browser to another site", async () => {
    const wrong = await raw(`http://127.0.0.1:${port}/login?token=nev_wrong`, "GET", {});
    expect(wrong.status).toBe(401);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
    expect(wrong.body).toContain("tokens create");
    for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const login = await raw(`http://127.0.0.1:${port}/login?token=${t.adminToken}&next=${encodeURIComponent(next)}`, "GET", {});
      expect([next, login.headers.location]).toEqual([next, "/"]);
    }
  });

  test("the server warns at start when it listens beyond loopback", async () => {
    expect(t.logs.join("\n")).not.toContain("reachable from other machines");
    const exposed = await startTestApp({ HOST: "0.0.0.0" });
    try {
      expect(exposed.logs.join("\n")).toMatch(/WARN Listening on 0\.0\.0\.0: reachable from other machines/);
      expect(dataOf(await exposed.gql(`{ me { role } }`)).me.role).toBe("admin");
    } finally {
      await exposed.stop();
    }
  });
});
