/**
 * Roles, for every operation of the schema: each query, mutation and subscription states its role in
 * its description, and a token of the role just below is refused with FORBIDDEN before anything
 * runs (the arguments are placeholders built from the schema: the refusal comes before them).
 */
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import { ROLES, type Role } from "../src/auth/roles";
import { makeSchema } from "../src/schema";
import { RUBRIC } from "./support/fixtures";
import { dataOf, errorCodeOf, startTestApp, type GraphQLResponse, type TestApp } from "./support/app";

/** A literal of that type: required input fields filled, lists of one. */
function placeholder(type: GraphQLInputType): string {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return `[${placeholder(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{${fields.map((f) => `${f.name}: ${placeholder(f.type)}`).join(", ")}}`;
  }
  if (isScalarType(type)) {
    const literals: Record<string, string> = { Int: "1", Float: "1", Boolean: "true", ID: '"1"', String: '"x"', JSON: "{}" };
    return literals[type.name] ?? '"x"';
  }
  throw new Error(`no placeholder for ${String(type)}`);
}

function operationText(kind: "query" | "mutation" | "subscription", field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${placeholder(a.type)}`);
  const selection = isObjectType(getNamedType(getNullableType(field.type))) ? " { __typename }" : "";
  return `${kind} { ${field.name}${args.length ? `(${args.join(", ")})` : ""}${selection} }`;
}

interface Operation {
  kind: "query" | "mutation" | "subscription";
  name: string;
  role: Role;
  text: string;
}

function operationsOf(schema: GraphQLSchema): Operation[] {
  const kinds = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ] as const;
  return kinds.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {}).map((field) => {
      const role = /Requires role: (\w+)\.$/.exec(field.description ?? "")?.[1] as Role;
      return { kind, name: field.name, role, text: operationText(kind, field) };
    }),
  );
}

describe("roles", () => {
  let t: TestApp;
  let operations: Operation[];
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    t = await startTestApp();
    operations = operationsOf(await makeSchema());
    for (const role of ROLES) tokens[role] = await t.makeToken(role);
  });
  afterAll(() => t.stop());

  test("every operation's description ends with the role it needs", () => {
    expect(operations.length).toBeGreaterThan(25);
    for (const op of operations) expect([op.name, ROLES.includes(op.role)]).toEqual([op.name, true]);
  });

  test("the roles are as docs/security.md says for the operations that matter most", () => {
    const roleOf = Object.fromEntries(operations.map((op) => [op.name, op.role]));
    expect(roleOf).toMatchObject({
      cases: "viewer",
      experimentProgress: "viewer",
      addRubric: "reviewer",
      createExperiment: "runner",
      startExperimentRun: "runner",
      cancelExperimentRun: "runner",
      createModel: "admin",
      setVendorApiKey: "admin",
      importCase: "admin",
      importCaseFolder: "admin",
      createToken: "admin",
      auditEvents: "admin",
    });
  });

  test("a token of the role below is refused FORBIDDEN on every query and mutation, and nothing changes", async () => {
    const before = await t.app.db.query(`SELECT (SELECT count(*) FROM "case") + (SELECT count(*) FROM model) AS n`);
    for (const op of operations.filter((o) => o.kind !== "subscription" && o.role !== "viewer")) {
      const below = ROLES[ROLES.indexOf(op.role) - 1];
      const response: GraphQLResponse = await t.gqlAs(tokens[below], op.text);
      expect([op.name, below, response.errors?.[0]?.extensions?.code]).toEqual([op.name, below, "FORBIDDEN"]);
      expect(response.errors?.[0]?.message).toContain(`needs the ${op.role} role`);
    }
    const after = await t.app.db.query(`SELECT (SELECT count(*) FROM "case") + (SELECT count(*) FROM model) AS n`);
    expect(after).toEqual(before);
  });

  test("each role can do what it needs: viewer reads, reviewer rubrics, runner experiments, admin models", async () => {
    const kase = dataOf(await t.gql(`mutation { importCase(input: {name: "roles", transcript: []}) { id } }`)).importCase;
    expect(dataOf(await t.gqlAs(tokens.viewer, `{ cases { id } }`)).cases).toEqual([{ id: kase.id }]);
    const added = await t.gqlAs(
      tokens.reviewer,
      `mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "ana.reviewer@example.com", rubric: $r, validation: accepted}) { id } }`,
      { c: kase.id, r: RUBRIC },
    );
    expect(added.errors).toBeUndefined();
    const created = await t.gqlAs(
      tokens.runner,
      `mutation { createExperiment(input: {name: "r", hyperscribeVersion: "v"}) { id } }`,
    );
    expect(created.errors).toBeUndefined();
    expect(
      errorCodeOf(await t.gqlAs(tokens.runner, `mutation { setVendorApiKey(vendor: "openai", apiKey: "sk-x") { id } }`)),
    ).toBe("FORBIDDEN");
    expect(dataOf(await t.gqlAs(tokens.admin, `{ me { role } }`)).me.role).toBe("admin");
  });

  test("a reviewer's token signs as one person: a second email is refused, so one token cannot make a case eligible", async () => {
    const caseId = dataOf(await t.gql(`mutation { importCase(input: {name: "one-person", transcript: []}) { id } }`)).importCase
      .id;
    const llm = dataOf(
      await t.gql(`mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "llm", rubric: $r}) { id } }`, {
        c: caseId,
        r: RUBRIC,
      }),
    ).addRubric.id;
    const accept = (token: string, reviewer: string) =>
      t.gqlAs(token, `mutation($i: ReviewRubricInput!) { acceptRubric(input: $i) { humanAuthors eligible } }`, {
        i: { rubricId: llm, reviewer },
      });
    const ana = await t.makeToken("reviewer", "ana");
    const reviewsAs = async (token: string) => dataOf(await t.gqlAs(token, `{ me { reviewer } }`)).me.reviewer;
    expect(await reviewsAs(ana)).toBeNull();
    expect(dataOf(await accept(ana, "ana@example.com")).acceptRubric).toEqual({ humanAuthors: 1, eligible: false });
    expect(await reviewsAs(ana)).toBe("ana@example.com"); // the dashboard fills the reviewer in from it

    const asBen = await accept(ana, "ben@example.com");
    expect(errorCodeOf(asBen)).toBe("FORBIDDEN");
    expect(asBen.errors?.[0]?.message).toContain("reviews as ana@example.com, not ben@example.com");
    // Nor by writing Ben's accepted rubric, or by setting his rubric valid.
    const written = await t.gqlAs(
      ana,
      `mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "ben@example.com", rubric: $r, validation: accepted}) { id } }`,
      { c: caseId, r: RUBRIC },
    );
    expect(errorCodeOf(written)).toBe("FORBIDDEN");
    const bens = dataOf(
      await t.gql(
        `mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "ben@example.com", rubric: $r}) { id } }`,
        { c: caseId, r: RUBRIC },
      ),
    ).addRubric.id;
    expect(errorCodeOf(await t.gqlAs(ana, `mutation { validateRubric(id: ${bens}, validation: accepted) { id } }`))).toBe(
      "FORBIDDEN",
    );
    expect(dataOf(await t.gql(`query($c: Int!) { case(id: $c) { eligible } }`, { c: caseId })).case.eligible).toBe(false);

    // Ben, with a token of his own, makes it eligible; the tokens list says whom each token signs as.
    const ben = await t.makeToken("reviewer", "ben");
    expect(dataOf(await accept(ben, "ben@example.com")).acceptRubric).toEqual({ humanAuthors: 2, eligible: true });
    expect(await reviewsAs(t.adminToken)).toBeNull(); // admin tokens sign as anyone
    const listed = dataOf(await t.gql(`{ tokens { reviewer } }`)).tokens.map((r: { reviewer: string | null }) => r.reviewer);
    expect(listed).toEqual(expect.arrayContaining(["ana@example.com", "ben@example.com"]));
  });

  test("subscriptions need the viewer role, which every token has", async () => {
    const subscriptions = operations.filter((o) => o.kind === "subscription");
    expect(subscriptions.map((s) => s.role)).toEqual(subscriptions.map(() => "viewer"));
  });
});
