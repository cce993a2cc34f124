/**
 * `note-eval tokens …` on the server's machine: straight to the server's database (here a test
 * database through DATABASE_URL), while the server runs; the tokens work at once over the API.
 */
import { runCliInProcess } from "./support/cli";
import { TOKENS_COMMAND_ACTOR } from "../src/cli/tokens";
import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";
import { RUBRIC } from "./support/fixtures";

describe("note-eval tokens", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  const aCase = async (): Promise<number> =>
    dataOf(await t.gql(`mutation { importCase(input: {name: "tokens-cli", transcript: []}) { id } }`)).importCase.id;

  function cli(argv: string[]) {
    return runCliInProcess(argv, { DATABASE_URL: t.config.databaseUrl, PORT: String(t.app.server.port), LOG_LEVEL: "silent" });
  }

  test("create prints a token once that works at once with its role; list shows it; revoke ends it", async () => {
    const created = await cli(["tokens", "create", "--name", "nightly", "--role", "runner"]);
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/created token \d+ "nightly" \(runner\)/);
    const token = created.stdout.trim();
    expect(token).toMatch(/^nev_[\w-]{43}$/);
    expect(dataOf(await t.gqlAs(token, `{ me { name role } }`)).me).toEqual({ name: "nightly", role: "runner" });

    // A runner signs rubric decisions as one person, bound by its first: the list says whom.
    const rubricId = dataOf(
      await t.gql(`mutation($r: JSON!) { addRubric(input: {caseId: ${await aCase()}, author: "llm", rubric: $r}) { id } }`, {
        r: RUBRIC,
      }),
    ).addRubric.id;
    const accepted = await t.gqlAs(
      token,
      `mutation { acceptRubric(input: {rubricId: ${rubricId}, reviewer: "night@example.com"}) { eligible } }`,
    );
    expect(accepted.errors).toBeUndefined();
    const listed = await cli(["tokens", "list"]);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+REVIEWS AS/);
    expect(listed.stdout).toMatch(/nightly\s+runner\s+night@example\.com/);
    expect(listed.stdout).toMatch(/admin \(first start\)\s+admin\s+anyone/);
    expect(listed.stdout).toContain("admin (first start)");
    expect(listed.stdout).not.toContain("nev_");

    expect((await cli(["tokens", "revoke", "nightly"])).stdout).toMatch(/revoked token \d+ "nightly" \(runner\)/);
    expect(errorCodeOf(await t.gqlAs(token, `{ me { name } }`))).toBe("UNAUTHENTICATED");
    expect((await cli(["tokens", "list"])).stdout).not.toContain("nightly");
    expect((await cli(["tokens", "list", "--all"])).stdout).toContain("nightly");

    const { auditEvents } = dataOf(await t.gql(`{ auditEvents(actor: "${TOKENS_COMMAND_ACTOR}") { operation args } }`));
    expect(auditEvents.map((e: { operation: string }) => e.operation)).toEqual(["revokeToken", "createToken"]);
  });

  test("--login-url prints a URL on the server's address that logs a browser in", async () => {
    const created = await cli(["tokens", "create", "--name", "ana", "--role", "viewer", "--login-url"]);
    const url = created.stdout.trim();
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${t.app.server.port}/login\\?token=nev_`));
    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Strict/);
  });

  test("mistakes are exit code 2 with a message: missing options, unknown role, unknown token", async () => {
    expect((await cli(["tokens", "create", "--name", "x"])).stderr).toContain("needs --name and --role");
    const badRole = await cli(["tokens", "create", "--name", "x", "--role", "root"]);
    expect([badRole.code, badRole.stderr]).toEqual([
      2,
      expect.stringContaining("role must be one of viewer, reviewer, runner, admin"),
    ]);
    const unknown = await cli(["tokens", "revoke", "nobody"]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining(`no active token named "nobody"`)]);
  });
});
