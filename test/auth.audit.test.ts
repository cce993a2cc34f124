/** The audit trail: who (token name) did which mutation when, refusals included; keys never in it. */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { KEY, seedExperiment, waitForRunEnd } from "./support/experiment";

const VENDOR_KEY = "sk-test-SECRET-audit-7777";
const EVENT_FIELDS = "id at actor tokenId operation args outcome";

describe("audit trail", () => {
  let t: TestApp;
  let fake: FakeLlmServer;
  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 3, logBodies: false });
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("keys, imports, starts, cancels and token changes are recorded with the token's name, keys left out", async () => {
    const runner = await t.makeToken("runner", "nightly runner");
    const seeded = await seedExperiment(t, fake, { name: "audited", cases: 1 });
    dataOf(await t.gql(`mutation($k: String!) { setVendorApiKey(vendor: "anthropic", apiKey: $k) { id } }`, { k: VENDOR_KEY }));
    const run = dataOf(
      await t.gqlAs(runner, `mutation($e: Int!) { startExperimentRun(experimentId: $e, workers: 1) { id } }`, {
        e: seeded.experimentId,
      }),
    ).startExperimentRun;
    await waitForRunEnd(t, run.id);
    await t.gqlAs(runner, `mutation($r: Int!) { cancelExperimentRun(runId: $r) { id } }`, { r: run.id });
    const { createToken } = dataOf(
      await t.gql(`mutation { createToken(name: "auditor", role: "viewer") { token apiToken { id } } }`),
    );
    dataOf(await t.gql(`mutation($id: Int!) { revokeToken(id: $id) { id } }`, { id: createToken.apiToken.id }));
    // Keys written into a base URL (refused) do not reach the trail either: it keeps the URL without them.
    for (const baseUrl of [`http://proxy:${VENDOR_KEY}@127.0.0.1:9/v1`, `http://127.0.0.1:9/v1?api-key=${VENDOR_KEY}`]) {
      const refused = await t.gql(`mutation($u: String) { createModel(input: {vendor: "openai", baseUrl: $u}) { id } }`, {
        u: baseUrl,
      });
      expect(errorCodeOf(refused)).toBe("BAD_USER_INPUT");
    }

    const { auditEvents } = dataOf(await t.gql(`{ auditEvents(limit: 500) { ${EVENT_FIELDS} } }`));
    const byOperation = (name: string) => auditEvents.filter((e: { operation: string }) => e.operation === name);
    expect(byOperation("importCase")[0]).toMatchObject({ actor: "admin (first start)", outcome: "ok" });
    expect(byOperation("importCase")[0].args.input).toMatchObject({ name: "audited-case-0", transcript: "[omitted]" });
    expect(byOperation("createModel").at(-1).args.input.apiKey).toBe("[omitted]");
    expect(
      byOperation("createModel")
        .slice(0, 2)
        .map((e: { args: { input: { baseUrl: string } } }) => e.args.input.baseUrl),
    ).toEqual(["http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"]);
    expect(byOperation("setVendorApiKey")[0]).toMatchObject({
      args: { vendor: "anthropic", apiKey: "[omitted]" },
      outcome: "ok",
    });
    expect(byOperation("startExperimentRun")[0]).toMatchObject({
      actor: "nightly runner",
      args: { experimentId: seeded.experimentId, workers: 1 },
      outcome: "ok",
    });
    expect(byOperation("cancelExperimentRun")[0]).toMatchObject({ actor: "nightly runner", args: { runId: run.id } });
    expect(byOperation("createToken")[0]).toMatchObject({ args: { name: "auditor", role: "viewer" }, outcome: "ok" });
    expect(byOperation("revokeToken")[0]).toMatchObject({ args: { id: createToken.apiToken.id }, outcome: "ok" });
    expect(new Date(auditEvents[0].at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // Newest first.
    expect(auditEvents.map((e: { id: number }) => e.id)).toEqual(
      [...auditEvents.map((e: { id: number }) => e.id)].sort((a, b) => b - a),
    );

    const table = await t.app.db.query(`SELECT row_to_json(audit_event)::text AS row FROM audit_event`);
    const text = table.map((r: { row: string }) => r.row).join("\n");
    for (const secret of [VENDOR_KEY, KEY, createToken.token, runner]) expect(text).not.toContain(secret);
  });

  test("refused mutations are recorded too, and only admins read the trail", async () => {
    const viewer = await t.makeToken("viewer", "curious viewer");
    expect(
      errorCodeOf(await t.gqlAs(viewer, `mutation { setVendorApiKey(vendor: "openai", apiKey: "sk-guess-123456") { id } }`)),
    ).toBe("FORBIDDEN");
    const runner = await t.makeToken("runner", "reader runner");
    expect(errorCodeOf(await t.gqlAs(runner, `{ auditEvents { id } }`))).toBe("FORBIDDEN");

    const { auditEvents } = dataOf(await t.gql(`{ auditEvents(actor: "curious viewer") { ${EVENT_FIELDS} } }`));
    expect(auditEvents).toHaveLength(1);
    expect(auditEvents[0]).toMatchObject({ operation: "setVendorApiKey", outcome: "FORBIDDEN", args: { apiKey: "[omitted]" } });
    const page = dataOf(await t.gql(`{ auditEvents(limit: 2, operation: "createToken") { id } }`)).auditEvents;
    const next = dataOf(
      await t.gql(`query($b: Int) { auditEvents(limit: 2, before: $b) { id } }`, { b: page[0].id }),
    ).auditEvents;
    expect(next.every((e: { id: number }) => e.id < page[0].id)).toBe(true);
  });
});
