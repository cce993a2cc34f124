/**
 * The abuse probes of issue #10 against the query limits, the input caps and malformed requests,
 * over HTTP and graphql-ws: each is refused with a code (BAD_USER_INPUT naming the limit, or
 * BAD_REQUEST for a body that is not JSON), and the server answers normally afterwards.
 */
import { dataOf, startTestApp, type GraphQLResponse, type TestApp } from "./support/app";
import { TRANSCRIPT } from "./support/fixtures";
import { rawPost, wsRequest } from "./support/raw-http";

const STACK_OR_PATH = /\n\s+at |node_modules|\/work\/|[A-Z]:\\/;

function refusal(response: GraphQLResponse, limit?: string | RegExp) {
  expect(response.errors?.length).toBeGreaterThan(0);
  const [error] = response.errors!;
  expect(error.extensions?.code).toBe("BAD_USER_INPUT");
  if (limit) expect(error.message).toMatch(limit);
  return error;
}

async function importCase(t: TestApp, name: string, transcript: unknown = TRANSCRIPT) {
  return t.gql(`mutation($n: String!, $t: JSON!) { importCase(input: {name: $n, transcript: $t}) { id } }`, {
    n: name,
    t: transcript,
  });
}

describe("query limits and input caps", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    dataOf(await importCase(t, "limits-case"));
  });
  afterAll(async () => {
    for (const text of [...t.responses, ...t.logs]) expect(text).not.toMatch(/\n\s+at /);
    await t.stop();
  });

  afterEach(async () => {
    // Whatever a probe did, the server still answers.
    expect(dataOf(await t.gql(`{ cases { id } }`)).cases.length).toBeGreaterThan(0);
  });

  const aliases = (n: number) =>
    `{ ${Array.from({ length: n }, (_, i) => `a${i}: cases { id transcript limitedChart }`).join(" ")} }`;

  test("600 aliases of cases { transcript } are refused over HTTP and over graphql-ws", async () => {
    // 600 of them are also more tokens than allowed; 100 are within the token limit.
    refusal(await t.gql(aliases(600)), /GRAPHQL_MAX_(ALIASES|TOKENS)/);
    refusal(await wsRequest(t.wsClient(), aliases(600)), /GRAPHQL_MAX_(ALIASES|TOKENS)/);
    const hundred = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: cases { transcript }`).join(" ")} }`;
    refusal(await t.gql(hundred), /Aliases limit of 15 exceeded, found 100.*GRAPHQL_MAX_ALIASES/);
    refusal(await wsRequest(t.wsClient(), hundred), /Aliases limit of 15 exceeded, found 100.*GRAPHQL_MAX_ALIASES/);
    expect(dataOf(await t.gql(aliases(15)))).toHaveProperty("a14");
  });

  test("long documents are refused on both paths, naming the setting", async () => {
    const words = Array.from({ length: 2_100 }, () => "id").join(" ");
    for (const response of [await t.gql(`{ cases { ${words} } }`), await wsRequest(t.wsClient(), `{ cases { ${words} } }`)]) {
      refusal(response, /more than 2000 tokens.*GRAPHQL_MAX_TOKENS/);
    }
  });

  test("introspection is on by default (the IDE needs it)", async () => {
    expect(dataOf(await t.gql(`{ __schema { queryType { name } } }`)).__schema.queryType.name).toBe("Query");
  });

  test("a body that is not JSON gets a JSON error with a code, no stack and no paths", async () => {
    for (const body of ["{not json", "<html>", '{"query": "{ cases { id } }"', "\u0000\u0001"]) {
      const response = await rawPost(t, body);
      expect(response.status).toBe(400);
      expect(response.contentType).toMatch(/application\/json/);
      const parsed = JSON.parse(response.text) as GraphQLResponse;
      expect(parsed.errors?.[0].extensions?.code).toBe("BAD_REQUEST");
      expect(response.text).not.toMatch(STACK_OR_PATH);
      expect(response.text).not.toContain(body.slice(0, 5));
    }
  });

  test("odd requests (batches, wrong types, other encodings, persisted queries, unknown paths) get JSON errors with a code", async () => {
    const probes: [string, string][] = [
      ["null", "application/json"],
      ['[{"query":"{__typename}"}]', "application/json"],
      ['{"query": 5}', "application/json"],
      ['{"query":"{__typename}","variables":"x"}', "application/json"],
      ['{"query":"{__typename}"}', "text/plain"],
      ['{"query":"{__typename}"}', "application/json; charset=latin1"],
      ["", "application/json"],
      ['{"query":"{__typename}","extensions":{"persistedQuery":{"version":1,"sha256Hash":"x"}}}', "application/json"],
    ];
    const answers = await Promise.all(probes.map(([body, type]) => rawPost(t, body, { "content-type": type })));
    const unknownPath = await fetch(t.app.server.url.replace("/graphql", "/nope"), { method: "POST", body: "x" });
    answers.push({
      status: unknownPath.status,
      contentType: unknownPath.headers.get("content-type") ?? "",
      text: await unknownPath.text(),
    });
    for (const answer of answers) {
      expect(answer.contentType).toMatch(/application\/json/);
      const code = (JSON.parse(answer.text) as GraphQLResponse).errors?.[0].extensions?.code;
      expect(code).toMatch(/^(BAD_REQUEST|PERSISTED_QUERY_NOT_SUPPORTED|NOT_FOUND)$/);
      expect(answer.text).not.toMatch(STACK_OR_PATH);
    }
  });

  test("a body over REQUEST_MAX_BYTES (a 10 MB name) is refused as BAD_USER_INPUT naming the limit", async () => {
    const response = await rawPost(
      t,
      JSON.stringify({
        query: `mutation($n: String!) { importCase(input: {name: $n, transcript: []}) { id } }`,
        variables: { n: "x".repeat(10_000_000) },
      }),
    );
    expect(response.status).toBe(413);
    refusal(JSON.parse(response.text), /REQUEST_MAX_BYTES/);
    expect(response.text).not.toMatch(STACK_OR_PATH);
  });

  test("a 10 MB transcript is refused; the largest one accepted, then 15 aliases of it, are answered", async () => {
    const huge = [{ speaker: "Patient", text: "z".repeat(10_000_000) }];
    const query = `mutation($t: JSON!) { importCase(input: {name: "huge", transcript: $t}) { id } }`;
    const refused = await rawPost(t, JSON.stringify({ query, variables: { t: huge } }));
    expect(refused.status).toBe(413);
    refusal(JSON.parse(refused.text), /REQUEST_MAX_BYTES/);
    const largest = Array.from({ length: 900 }, () => ({ speaker: "Patient", text: "word ".repeat(190) }));
    dataOf(await importCase(t, "largest", largest));
    const answer = dataOf(await t.gql(aliases(15)));
    expect(answer.a14.some((c: { transcript: unknown[] }) => c.transcript.length === 900)).toBe(true);
  });

  test("names, transcripts, rubrics, ids and replications over their caps are refused naming the cap", async () => {
    refusal(await importCase(t, "n".repeat(201)), /name is 201 characters.*nameChars = 200/);
    const bigTranscript = Array.from({ length: 1_100 }, () => ({ speaker: "Patient", text: "word ".repeat(200) }));
    refusal(await importCase(t, "big transcript", bigTranscript), /transcript is .* bytes as JSON.*transcriptBytes = 1,000,000/);

    const caseId = dataOf(await importCase(t, "rubric-caps")).importCase.id;
    const criteria = Array.from({ length: 201 }, (_, i) => ({ criterion: `c${i}`, weight: 1, sense: "positive" }));
    const error = refusal(
      await t.gql(`mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "llm", rubric: $r}) { id } }`, {
        c: caseId,
        r: criteria,
      }),
      /criteriaPerRubric = 200/,
    );
    expect(error.extensions).toMatchObject({ limit: "criteriaPerRubric", max: 200 });

    const rubricId = dataOf(
      await t.gql(`mutation($c: Int!, $r: JSON!) { addRubric(input: {caseId: $c, author: "llm", rubric: $r}) { id } }`, {
        c: caseId,
        r: criteria.slice(0, 2),
      }),
    ).addRubric.id;
    refusal(
      await t.gql(`mutation($i: ReviewRubricInput!) { acceptRubric(input: $i) { __typename } }`, {
        i: { rubricId, reviewer: "ana@example.com", comments: "c".repeat(20_001) },
      }),
      /comments is 20,001 characters.*textChars = 20,000/,
    );

    const experiment = (reps: number) =>
      t.gql(
        `mutation($r: Int!) { createExperiment(input: {name: "caps", hyperscribeVersion: "v", noteReplications: $r}) { id } }`,
        {
          r: reps,
        },
      );
    refusal(await experiment(2_147_483_647), /noteReplications is 2,147,483,647.*noteReplications = 1,000/);
    const experimentId = dataOf(await experiment(1)).createExperiment.id;
    refusal(
      await t.gql(`mutation($e: Int!, $c: [Int!]!) { addExperimentCases(experimentId: $e, caseIds: $c) { id } }`, {
        e: experimentId,
        c: Array.from({ length: 100_000 }, (_, i) => i + 1),
      }),
      /caseIds holds 100,000 items.*idsPerCall = 1,000/,
    );
  });

  test("NUL characters, cursors beyond int range and JSON nested 10,000 deep are BAD_USER_INPUT", async () => {
    refusal(await importCase(t, "nul\u0000name"), /NUL character/);
    refusal(await importCase(t, "nul-text", [{ speaker: "Patient", text: "a\u0000b" }]), /NUL character/);
    refusal(await t.gql(`mutation { importCase(input: {name: "nul\\u0000literal", transcript: []}) { id } }`), /NUL character/);
    refusal(await wsRequest(t.wsClient(), `mutation { importCase(input: {name: "ws\\u0000", transcript: []}) { id } }`), /NUL/);

    const experimentId = dataOf(
      await t.gql(`mutation { createExperiment(input: {name: "cursor", hyperscribeVersion: "v"}) { id } }`),
    ).createExperiment.id;
    for (const after of [
      Buffer.from("result:99999999999").toString("base64url"),
      Buffer.from("result:2147483648").toString("base64url"),
    ]) {
      refusal(
        await t.gql(`query($e: Int!, $a: String) { experimentResults(experimentId: $e, after: $a) { totalCount } }`, {
          e: experimentId,
          a: after,
        }),
        /Invalid cursor/,
      );
    }

    // Written as text: JSON.stringify itself overflows the stack on a value this deep.
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const query = `mutation($t: JSON!) { importCase(input: {name: "deep", transcript: $t}) { id } }`;
    const raw = await rawPost(t, `{"query": ${JSON.stringify(query)}, "variables": {"t": ${deep}}}`);
    expect(raw.status).toBe(400);
    refusal(JSON.parse(raw.text), /nests lists or objects deeper than allowed.*jsonDepth = 32/);
    refusal(await importCase(t, "deep-enough", JSON.parse("[".repeat(40) + "]".repeat(40))), /jsonDepth = 32/);
  });
});

describe("limits set by configuration", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      INTROSPECTION: "false",
      RESPONSE_MAX_BYTES: "5000",
      GRAPHQL_MAX_DEPTH: "3",
      GRAPHQL_MAX_COST: "20",
      REQUEST_MAX_BYTES: "50000",
    });
    for (let i = 0; i < 3; i++) dataOf(await importCase(t, `small-${i}`, [{ speaker: "Patient", text: "x".repeat(2_000) }]));
  });
  afterAll(() => t.stop());

  test("introspection can be turned off, on both paths", async () => {
    const query = `{ __schema { types { name } } }`;
    expect((await t.gql(query)).errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect((await wsRequest(t.wsClient(), query)).errors?.[0].message).toMatch(/introspection/i);
    // Suggestions would name fields all the same.
    const typo = await t.gql(`{ casez { id } }`);
    expect(typo.errors?.[0].message).not.toMatch(/Did you mean/);
  });

  test("a response larger than RESPONSE_MAX_BYTES is replaced by one error, on both paths", async () => {
    for (const response of [await t.gql(`{ cases { transcript } }`), await wsRequest(t.wsClient(), `{ cases { transcript } }`)]) {
      refusal(response, /larger than 5,000 bytes \(RESPONSE_MAX_BYTES\)/);
      expect(response.data ?? null).toBeNull();
    }
    expect(dataOf(await t.gql(`{ cases { id name } }`)).cases).toHaveLength(3);
  });

  test("GRAPHQL_MAX_COST bounds the cost of a document, on both paths", async () => {
    const costly = `{ cases { id name profile tags transcript limitedChart batchIdentifier created updated rubrics { id author comments } } }`;
    refusal(await t.gql(costly), /Query Cost limit of 20 exceeded.*GRAPHQL_MAX_COST/);
    refusal(await wsRequest(t.wsClient(), costly), /GRAPHQL_MAX_COST/);
  });

  test("a WebSocket message over REQUEST_MAX_BYTES closes that socket (1009); the server goes on", async () => {
    const big = `mutation($n: String!) { importCase(input: {name: $n, transcript: []}) { id } }`;
    await expect(wsRequest(t.wsClient(), big, { n: "x".repeat(60_000) })).rejects.toMatchObject({ code: 1009 });
    expect((await wsRequest(t.wsClient(), `{ cases { id } }`)).data?.cases).toHaveLength(3);
  });

  test("GRAPHQL_MAX_DEPTH bounds nesting", async () => {
    refusal(await t.gql(`{ experiments { models { noteGenerator { id } } } }`), /GRAPHQL_MAX_DEPTH/);
    expect(dataOf(await t.gql(`{ experiments { models { id } } }`))).toEqual({ experiments: [] });
  });
});
