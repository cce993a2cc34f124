/** The http kind: the job document by POST, one result document back; failures with their kind. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpDefinition } from "../src/generators/definitions";
import { GeneratorError } from "../src/generators/errors";
import { runHttpJob } from "../src/generators/http";
import type { NoteRequest } from "../src/generators/types";

const KEY = "sk-test-SECRET-http-55";

function request(signal = new AbortController().signal): NoteRequest {
  return {
    case: { id: 1, name: "case-1", transcript: [{ speaker: "Patient", text: "Hi" }], limitedChart: {}, profile: "" },
    overlap: 50,
    cycleTime: 0,
    replication: 2,
    attempt: 1,
    experiment: { id: 3, name: "e", hyperscribeVersion: "v7" },
    model: { vendor: "anthropic", apiKey: KEY, model: "", baseUrl: null },
    modelName: "claude-x",
    signal,
  };
}

describe("an http generator's job", () => {
  let server: Server;
  let url: string;
  const bodies: string[] = [];
  const headers: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        bodies.push(body);
        headers.push(JSON.stringify(req.headers));
        const route = req.url ?? "";
        if (route === "/ok") {
          const job = JSON.parse(body);
          res.end(
            JSON.stringify({ note: { text: `for ${job.case.name} v${job.experiment.version}` }, usage: { inputTokens: 3 } }),
          );
        } else if (route === "/500") {
          res.statusCode = 500;
          res.end("model overloaded");
        } else if (route === "/big") {
          res.end("x".repeat(5000));
        } else if (route === "/slow") {
          setTimeout(() => res.end("{}"), 5000).unref();
        } else res.end("not json");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const definition = (route: string, extra: Partial<HttpDefinition> = {}): HttpDefinition => ({
    name: "remote",
    kind: "http",
    description: "",
    url: `${url}${route}`,
    timeoutMs: 2000,
    maxOutputBytes: 1000,
    ...extra,
  });
  const kindOf = (promise: Promise<unknown>) =>
    promise.then(
      () => "succeeded",
      (e: unknown) => (e instanceof GeneratorError ? e.kind : String(e)),
    );

  test("posts the job document (no key anywhere) and reads the result", async () => {
    const result = await runHttpJob(definition("/ok"), null, request(), {});
    expect(result).toMatchObject({ note: { text: "for case-1 vv7" }, inputTokens: 3, outputTokens: 0, model: "claude-x" });
    const sent = JSON.parse(bodies.at(-1)!);
    expect(sent).toMatchObject({
      contract: "note-generator/1",
      replication: 2,
      model: { vendor: "anthropic", name: "claude-x" },
    });
    expect(bodies.at(-1)).not.toContain(KEY);
    expect(headers.at(-1)).not.toContain(KEY);
  });

  test.each([
    ["/500", "generator_http", {}],
    ["/garbage", "generator_invalid_output", {}],
    ["/big", "generator_output_too_large", {}],
    ["/slow", "generator_timeout", { timeoutMs: 200 }],
  ] as const)("%s fails with kind %s", async (route, kind, extra) => {
    expect(await kindOf(runHttpJob(definition(route, extra), null, request(), {}))).toBe(kind);
  });

  test("an unreachable URL is generator_http; an abort rejects with its reason", async () => {
    expect(await kindOf(runHttpJob(definition("", { url: "http://127.0.0.1:9/" }), null, request(), {}))).toBe("generator_http");
    const controller = new AbortController();
    const job = runHttpJob(definition("/slow"), null, request(controller.signal), {});
    controller.abort(new Error("run cancelled"));
    await expect(job).rejects.toThrow("run cancelled");
  });
});
