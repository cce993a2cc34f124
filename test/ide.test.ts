/**
 * The GraphQL IDE at GET /graphql: an HTML page whose assets all come from this server, which leaves
 * GraphQL requests (POST, GET with a query, WebSocket) to the API.
 */
import {
  buildClientSchema,
  getIntrospectionQuery,
  parse,
  validate,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from "graphql";
import { exampleTabs } from "../src/ide/examples";
import { startTestApp, dataOf, type TestApp } from "./support/app";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
});

async function getIde(): Promise<{ response: Response; html: string }> {
  const response = await fetch(t.app.server.url, { headers: { accept: BROWSER_ACCEPT } });
  return { response, html: await response.text() };
}

/** The src of every script and href of every stylesheet in the page (not the empty data: icon). */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)]
    .map((m) => m[1])
    .filter((url) => url !== "data:,");
}

test("a browser gets the IDE page", async () => {
  const { response, html } = await getIde();
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  expect(html).toContain('<div id="graphiql">');
  // No inline script (the Content-Security-Policy allows only this server's script files): the
  // settings are a JSON data block, the start-up script a file.
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
  for (const attributes of scripts) expect(attributes).toMatch(/\bsrc="|type="application\/json"/);
  expect(html).toContain('id="ide-config"');
  const start = await fetch(new URL("/ide/assets/start.js", t.app.server.url)).then((r) => r.text());
  expect(start).toContain("GraphiQL.createFetcher");
  expect(start).toContain("subscriptionUrl");
});

test("the page references no other host", async () => {
  const { html } = await getIde();
  // JSON strings escape "/" only optionally; catch protocol-relative and escaped forms too.
  const urls = [...html.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}|https?:\\?\/\\?\//gi)].map((m) => m[0]);
  expect(urls).toEqual([]);
  const assets = assetUrls(html);
  expect(assets.length).toBeGreaterThanOrEqual(4);
  for (const url of assets) expect(url).toMatch(/^\/ide\/assets\/[\w.-]+$/);
});

test("every asset the page references is served with a JS or CSS type", async () => {
  const { html } = await getIde();
  for (const url of assetUrls(html)) {
    const response = await fetch(new URL(url, t.app.server.url));
    const body = await response.text();
    expect({ url, status: response.status }).toEqual({ url, status: 200 });
    const type = response.headers.get("content-type") ?? "";
    expect(type).toMatch(url.endsWith(".css") ? /^text\/css/ : /^text\/javascript/);
    expect(body.length).toBeGreaterThan(1000);
  }
});

test("files of node_modules that are not IDE assets are not served", async () => {
  for (const path of ["/ide/assets/package.json", "/ide/assets/..%2F..%2Fpackage.json", "/ide/assets/"]) {
    const response = await fetch(new URL(path, t.app.server.url));
    await response.arrayBuffer();
    expect({ path, status: response.status }).toEqual({ path, status: 404 });
  }
});

test("the page pre-loads the main flow as tabs", async () => {
  const { html } = await getIde();
  for (const name of [
    "createExperiment",
    "eligibleCases",
    "addExperimentCases",
    "createModel",
    "addExperimentModel",
    "startExperimentRun",
    "experimentProgress",
  ]) {
    expect(html).toContain(name);
  }
});

test("POST queries still reach the API", async () => {
  const data = dataOf(await t.gql<{ __typename: string }>("{ __typename }"));
  expect(data.__typename).toBe("Query");
});

test("a GET with a query parameter still reaches the API, even from a browser", async () => {
  const url = new URL(t.app.server.url);
  url.searchParams.set("query", "{ __typename }");
  const response = await fetch(url, {
    headers: { accept: BROWSER_ACCEPT, "apollo-require-preflight": "true", authorization: `Bearer ${t.adminToken}` },
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { __typename: "Query" } });
});

test("a GET that prefers JSON is not answered with the page", async () => {
  const response = await fetch(t.app.server.url, { headers: { accept: "application/json" } });
  const body = await response.text();
  expect(response.headers.get("content-type")).not.toMatch(/text\/html/);
  expect(body).not.toContain("graphiql");
});

test("the example operations are valid against the schema, once their root fields exist", async () => {
  // The schema as the IDE sees it: by introspection of the running server.
  const schema = buildClientSchema(dataOf(await t.gql<IntrospectionQuery>(getIntrospectionQuery())));
  const rootFields = (op: OperationDefinitionNode): string[] =>
    op.selectionSet.selections.flatMap((s) => (s.kind === "Field" ? [s.name.value] : []));
  let validated = 0;
  for (const tab of exampleTabs) {
    const document = parse(tab.query);
    const op = document.definitions[0] as OperationDefinitionNode;
    const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[
      op.operation
    ];
    // The run API (startExperimentRun, experimentProgress) lands separately; check those tabs once it has.
    if (!rootFields(op).every((f) => root?.getFields()[f])) continue;
    expect({ tab: op.name?.value, errors: validate(schema, document).map((e) => e.message) }).toEqual({
      tab: op.name?.value,
      errors: [],
    });
    if (tab.variables) expect(() => JSON.parse(tab.variables!)).not.toThrow();
    validated++;
  }
  expect(validated).toBeGreaterThanOrEqual(8);
  // A newcomer starts where the data comes in: import, then review.
  expect(exampleTabs.slice(0, 3).map((tab) => (parse(tab.query).definitions[0] as OperationDefinitionNode).name?.value)).toEqual([
    "ImportCases",
    "ReviewQueue",
    "AcceptRubric",
  ]);
});
