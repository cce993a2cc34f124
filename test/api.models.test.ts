import { dataOf, errorCodeOf, startTestApp, type TestApp } from "./support/app";

const SECRET_A = "sk-test-SECRET-aaaa-1111";
const SECRET_B = "sk-ant-SECRET-bbbb-2222";
const SECRET_C = "sk-test-SECRET-cccc-3333";
const MODEL_FIELDS = "id vendor model displayName hasApiKey baseUrl";

describe("models", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  test("createModel stores a key it never returns; '' stays '' and displays as default", async () => {
    const { createModel } = dataOf(
      await t.gql(`mutation($k: String) { createModel(input: {vendor: "openai", model: "", apiKey: $k}) { ${MODEL_FIELDS} } }`, {
        k: SECRET_A,
      }),
    );
    expect(createModel).toMatchObject({ vendor: "openai", model: "", displayName: "default", hasApiKey: true, baseUrl: null });
    const named = dataOf(
      await t.gql(
        `mutation { createModel(input: {vendor: "anthropic", model: "claude-x", baseUrl: "http://127.0.0.1:9/v1"}) { ${MODEL_FIELDS} } }`,
      ),
    ).createModel;
    expect(named).toMatchObject({
      model: "claude-x",
      displayName: "claude-x",
      hasApiKey: false,
      baseUrl: "http://127.0.0.1:9/v1",
    });
  });

  test("the schema has no field that could return a key", async () => {
    const { __type } = dataOf(await t.gql(`{ __type(name: "Model") { fields { name } } }`));
    const fields = __type.fields.map((f: { name: string }) => f.name.toLowerCase());
    expect(fields).toContain("hasapikey");
    expect(fields.filter((f: string) => f.includes("key") && f !== "hasapikey")).toEqual([]);
  });

  test("models(vendor) filters by vendor and refuses an unknown one", async () => {
    const { models } = dataOf(await t.gql(`{ models(vendor: "anthropic") { vendor } }`));
    expect(models.length).toBeGreaterThan(0);
    expect(models.every((m: { vendor: string }) => m.vendor === "anthropic")).toBe(true);
    const bad = await t.gql(`{ models(vendor: "mistral") { id } }`);
    expect(errorCodeOf(bad)).toBe("BAD_USER_INPUT");
    expect(bad.errors![0].message).toContain("openai, anthropic");
  });

  test("createModel refuses an unknown vendor and a malformed base URL, and saves nothing", async () => {
    const before = dataOf(await t.gql(`{ models { id } }`)).models.length;
    const vendor = await t.gql(`mutation($k: String) { createModel(input: {vendor: "acme", apiKey: $k}) { id } }`, {
      k: SECRET_C,
    });
    expect(errorCodeOf(vendor)).toBe("BAD_USER_INPUT");
    const url = await t.gql(`mutation { createModel(input: {vendor: "openai", baseUrl: "not a url"}) { id } }`);
    expect(errorCodeOf(url)).toBe("BAD_USER_INPUT");
    // A key in a query string would be shown wherever the base URL is: refused, and not repeated.
    const query = await t.gql(`mutation($u: String) { createModel(input: {vendor: "openai", baseUrl: $u}) { id } }`, {
      u: `http://127.0.0.1:9/v1?api-key=${SECRET_C}`,
    });
    expect(errorCodeOf(query)).toBe("BAD_USER_INPUT");
    expect(query.errors?.[0]?.message).toContain("no query");
    expect(JSON.stringify(query)).not.toContain(SECRET_C);
    expect(dataOf(await t.gql(`{ models { id } }`)).models.length).toBe(before);
  });

  test("setVendorApiKey sets the key of every model of the vendor on its endpoint; a model with its own base URL keeps its key", async () => {
    await t.gql(`mutation { createModel(input: {vendor: "anthropic", model: "claude-y"}) { id } }`);
    const { setVendorApiKey } = dataOf(
      await t.gql(`mutation($k: String!) { setVendorApiKey(vendor: "anthropic", apiKey: $k) { ${MODEL_FIELDS} } }`, {
        k: SECRET_B,
      }),
    );
    type Row = { hasApiKey: boolean; vendor: string; baseUrl: string | null };
    const own = setVendorApiKey.filter((m: Row) => m.baseUrl === null);
    expect(own.length).toBeGreaterThanOrEqual(1);
    expect(own.every((m: Row) => m.hasApiKey && m.vendor === "anthropic")).toBe(true);
    // claude-x has a base URL of its own: the vendor's key was not given for that server.
    expect(setVendorApiKey.find((m: Row) => m.baseUrl === "http://127.0.0.1:9/v1")).toMatchObject({ hasApiKey: false });
  });

  test("setVendorApiKey on a vendor without models creates its default model", async () => {
    const fresh = await startTestApp();
    try {
      const { setVendorApiKey } = dataOf(
        await fresh.gql(`mutation($k: String!) { setVendorApiKey(vendor: "openai", apiKey: $k) { ${MODEL_FIELDS} } }`, {
          k: SECRET_C,
        }),
      );
      expect(setVendorApiKey).toEqual([
        expect.objectContaining({ vendor: "openai", model: "", displayName: "default", hasApiKey: true }),
      ]);
      expect(errorCodeOf(await fresh.gql(`mutation { setVendorApiKey(vendor: "x", apiKey: "y") { id } }`))).toBe(
        "BAD_USER_INPUT",
      );
    } finally {
      await fresh.stop();
      expect([...fresh.responses, ...fresh.logs].join("\n")).not.toContain(SECRET_C);
    }
  });

  test("deleteModel removes a model, and an unknown id is NOT_FOUND", async () => {
    const { createModel } = dataOf(await t.gql(`mutation { createModel(input: {vendor: "openai", model: "to-delete"}) { id } }`));
    dataOf(await t.gql(`mutation($id: Int!) { deleteModel(id: $id) { id } }`, { id: createModel.id }));
    expect(dataOf(await t.gql(`query($id: Int!) { model(id: $id) { id } }`, { id: createModel.id })).model).toBeNull();
    expect(errorCodeOf(await t.gql(`mutation { deleteModel(id: 424242) { id } }`))).toBe("NOT_FOUND");
  });

  test("no response body and no log line carries a key", () => {
    const everything = [...t.responses, ...t.logs].join("\n");
    expect(t.responses.length).toBeGreaterThan(5);
    for (const secret of [SECRET_A, SECRET_B, SECRET_C]) expect(everything).not.toContain(secret);
  });
});
