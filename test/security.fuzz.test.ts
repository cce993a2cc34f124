/**
 * Schema-driven fuzzing of every mutation's arguments (issue #10): the mutations and their argument
 * types are read from the running server's introspection, and a seeded generator builds a bounded
 * number of argument sets for each (edge integers, NUL bytes, long and hostile strings, deep and odd
 * JSON, wrong enum values, unknown fields, long lists). Afterwards the server still answers, no answer
 * was INTERNAL_SERVER_ERROR or lacked a code, and no response or log line holds the key used or a
 * stack trace. A failure prints the mutation and the seed that reproduces it.
 */
import {
  buildClientSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLInputType,
  type IntrospectionQuery,
  getIntrospectionQuery,
} from "graphql";
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { dataOf, startTestApp, type TestApp } from "./support/app";
import { REVIEWERS, RUBRIC, TRANSCRIPT } from "./support/fixtures";
import { seedExperiment } from "./support/experiment";
import { wsRequest } from "./support/raw-http";

const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const CASES_PER_MUTATION = 25;
/** About 10 s on an idle 2-core machine; the margin is for a loaded one. */
const FUZZ_TIMEOUT_MS = 120_000;
const SECRET = "sk-fuzz-SECRET-5c1e9b";
/** Token management could revoke the suite's own credentials; auth's tests cover it. */
const SKIPPED = /token/i;

/** mulberry32: small, seeded, reproducible. */
function makeRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  return { next, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof makeRandom>;

const STRINGS = [
  "",
  " ",
  "x",
  "llm",
  "openai",
  "anthropic",
  "ana.reviewer@example.com",
  "fuzz-case",
  "\u0000",
  "a\u0000b",
  "é漢字🙂\u202e",
  "../../../etc/passwd",
  "/etc",
  "med-management",
  '=HYPERLINK("http://evil.example")',
  "'; DROP TABLE model; --",
  "http://127.0.0.1:1/v1",
  "https://api.openai.com/v1",
  "https://user:pw@api.openai.com/v1",
  "javascript:alert(1)",
  "result:2147483648",
  "x".repeat(201),
  "y".repeat(25_000),
];
const INTS = [0, 1, 1, 2, 2, 3, -1, 7, 2_147_483_647, -2_147_483_648, 256, 257, 1_000, 1_001, 20, 21];
const FLOATS = [0, -1, 0.5, 1e308, -1e308, 3.14];

function randomJson(r: Random, depth = 0): unknown {
  if (depth === 0 && r.chance(0.1)) {
    let deep: unknown = [];
    for (let i = 0; i < 40; i++) deep = [deep];
    return deep;
  }
  if (depth === 0 && r.chance(0.2)) return r.pick([TRANSCRIPT, RUBRIC, { cycle_001: TRANSCRIPT }]);
  const kind =
    depth > 3 ? r.pick(["null", "number", "string", "bool"]) : r.pick(["null", "number", "string", "bool", "list", "object"]);
  switch (kind) {
    case "null":
      return null;
    case "number":
      return r.pick([...INTS, ...FLOATS]);
    case "string":
      return r.pick(STRINGS);
    case "bool":
      return r.chance(0.5);
    case "list":
      return Array.from({ length: r.pick([0, 1, 2, 3]) }, () => randomJson(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: r.pick([0, 1, 2, 3]) }, () => [
          r.pick(["speaker", "text", "criterion", "weight", "sense", "cycle_001", "\u0000", "__proto__", r.pick(STRINGS)]),
          randomJson(r, depth + 1),
        ]),
      );
  }
}

/** A value for `type`, sometimes a wrong one (the server must refuse it with a code, not crash). */
function randomValue(r: Random, type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return r.chance(0.03) ? null : randomValue(r, type.ofType, name);
  if (isListType(type)) {
    const length = r.chance(0.05) ? 1_001 : r.pick([0, 1, 2, 3]);
    return Array.from({ length }, () => randomValue(r, type.ofType, name));
  }
  if (isEnumType(type)) return r.chance(0.1) ? r.pick(STRINGS) : r.pick(type.getValues()).value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (!isNonNullType(field.type) && r.chance(0.3)) continue;
      value[field.name] = randomValue(r, field.type, field.name);
    }
    if (r.chance(0.05)) value.unknownField = 1;
    return value;
  }
  if (!isScalarType(type)) return null;
  if (name === "apiKey") return r.chance(0.8) ? SECRET : r.pick(STRINGS);
  if (r.chance(0.03)) return r.pick([...STRINGS, ...INTS, true, { a: 1 }]); // a wrong type now and then
  switch (type.name) {
    case "Int":
      return r.pick(INTS);
    case "Float":
      return r.pick([...FLOATS, ...INTS]);
    case "Boolean":
      return r.chance(0.5);
    case "String":
    case "ID":
      return r.pick(STRINGS);
    default:
      return randomJson(r);
  }
}

describe("schema-driven fuzzing of every mutation", () => {
  let t: TestApp;
  let fake: FakeLlmServer;

  beforeAll(async () => {
    fake = await makeFakeLlmServer({ seed: 11, logBodies: false });
    t = await startTestApp({
      OPENAI_BASE_URL: fake.openaiBaseUrl,
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
      BASE_URL_ALLOWLIST: new URL(fake.openaiBaseUrl).origin,
      LLM_TRANSPORT_RETRIES: "0",
      LLM_BACKOFF_BASE_MS: "1",
      LLM_BACKOFF_MAX_MS: "2",
      SHUTDOWN_GRACE_MS: "200",
    });
    // Some state for the small ids the fuzzer picks to find: cases with accepted rubrics, a model, an experiment.
    for (const name of ["fuzz-case", "fuzz-case-2"]) {
      const id = dataOf(
        await t.gql(`mutation($n: String!, $t: JSON!) { importCase(input: {name: $n, transcript: $t}) { id } }`, {
          n: name,
          t: TRANSCRIPT,
        }),
      ).importCase.id;
      for (const author of REVIEWERS) {
        dataOf(
          await t.gql(
            `mutation($c: Int!, $a: String!, $r: JSON!) { addRubric(input: {caseId: $c, author: $a, rubric: $r, validation: accepted}) { id } }`,
            { c: id, a: author, r: RUBRIC },
          ),
        );
      }
    }
    dataOf(await t.gql(`mutation($k: String!) { setVendorApiKey(vendor: "openai", apiKey: $k) { id } }`, { k: SECRET }));
    dataOf(await t.gql(`mutation { createExperiment(input: {name: "fuzz", hyperscribeVersion: "v1"}) { id } }`));
  });

  afterAll(async () => {
    await t.stop();
    await fake.close();
  });

  test("a run that would plan more jobs than jobsPerRun is refused before planning, naming the cap", async () => {
    const { experimentId } = await seedExperiment(t, fake, {
      name: "too-many-jobs",
      cases: 2,
      overlaps: Array.from({ length: 20 }, (_, i) => i * 10),
      noteReplications: 1_000,
      gradeReplications: 100,
    });
    const response = await t.gql(`mutation($e: Int!) { startExperimentRun(experimentId: $e) { id } }`, { e: experimentId });
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", limit: "jobsPerRun" } });
    expect(response.errors?.[0].message).toMatch(/up to 8,040,000 notes and grades.*jobsPerRun = 500,000/);
    // The estimate would walk the same jobs: refused alike.
    const estimate = await t.gql(`query($e: Int!) { estimateExperimentRun(experimentId: $e) { notes } }`, { e: experimentId });
    expect(estimate.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", limit: "jobsPerRun" } });
    expect(
      dataOf(await t.gql(`query($e: Int!) { experiment(id: $e) { runs { id } } }`, { e: experimentId })).experiment.runs,
    ).toEqual([]);
  });

  test(
    `${CASES_PER_MUTATION} random argument sets per mutation: never INTERNAL_SERVER_ERROR, no key, no stack`,
    async () => {
      const introspection = dataOf(await t.gql<IntrospectionQuery>(getIntrospectionQuery()));
      const schema = buildClientSchema(introspection);
      const mutations = Object.values(schema.getMutationType()!.getFields()).filter((m) => !SKIPPED.test(m.name));
      expect(mutations.length).toBeGreaterThanOrEqual(10);

      const failures: string[] = [];
      const outcomes = new Map<string, number>();
      let requests = 0;
      for (const [index, mutation] of mutations.entries()) {
        const r = makeRandom(SEED + index);
        const returns = getNamedType(getNullableType(mutation.type));
        const selection = isObjectType(returns) ? "{ __typename }" : "";
        const declared = mutation.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(", ");
        const passed = mutation.args.map((a) => `${a.name}: $${a.name}`).join(", ");
        const document = mutation.args.length
          ? `mutation Fuzz(${declared}) { ${mutation.name}(${passed}) ${selection} }`
          : `mutation Fuzz { ${mutation.name} ${selection} }`;
        for (let i = 0; i < CASES_PER_MUTATION; i++) {
          const variables: Record<string, unknown> = {};
          for (const arg of mutation.args) {
            if (arg.defaultValue !== undefined && r.chance(0.3)) continue;
            if (!isNonNullType(arg.type) && r.chance(0.2)) continue;
            variables[arg.name] = randomValue(r, arg.type, arg.name);
          }
          const response = await t.gql(document, variables);
          requests++;
          const outcome = response.errors?.length ? String(response.errors[0].extensions?.code) : "ok";
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          for (const error of response.errors ?? []) {
            const code = error.extensions?.code;
            if (code === undefined || code === "INTERNAL_SERVER_ERROR") {
              failures.push(
                `${mutation.name} (FUZZ_SEED=${SEED}, case ${i}): ${code ?? "no code"}: ${error.message.slice(0, 200)}`,
              );
            }
          }
        }
      }
      expect(requests).toBe(mutations.length * CASES_PER_MUTATION);
      // The generator reaches both sides: accepted calls and refused ones.
      expect(outcomes.get("ok")).toBeGreaterThan(10);
      expect(outcomes.get("BAD_USER_INPUT")).toBeGreaterThan(10);
      if (process.env.FUZZ_SEED) console.log(Object.fromEntries(outcomes));
      expect(failures).toEqual([]);

      // The server still answers, over both transports.
      expect(dataOf(await t.gql(`{ __typename }`))).toEqual({ __typename: "Query" });
      expect((await wsRequest(t.wsClient(), `{ experiments { id } }`)).data?.experiments.length).toBeGreaterThan(0);
      for (const text of [...t.responses, ...t.logs]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toMatch(/\n\s+at \S/);
      }
    },
    FUZZ_TIMEOUT_MS,
  );
});
