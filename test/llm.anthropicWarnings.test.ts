import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { gradeNote, makeLlmClients } from "../src/llm";
import { specFor, testLlmConfig } from "./support/fake-llm";

describe("the Anthropic SDK's deprecation warning", () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await makeFakeLlmServer({ seed: 9, logBodies: false });
  });
  afterAll(() => server.close());

  test("is printed once per process, not on every call with a deprecated model", async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const clients = makeLlmClients(testLlmConfig());
      const rubric = [{ criterion: "Reward for the plan", weight: 10, sense: "positive" as const }];
      const model = specFor(server, "anthropic", "claude-sonnet-4-5"); // deprecated in the SDK's table
      for (let i = 0; i < 5; i++) await gradeNote(clients, { rubric, note: { items: [] }, model });
      const deprecations = warn.mock.calls.filter((args) => String(args[0]).includes("is deprecated"));
      expect(server.requestCount({ model: "claude-sonnet-4-5" })).toBe(5);
      expect(deprecations).toHaveLength(1);
      expect(String(deprecations[0][0])).toContain("claude-sonnet-4-5");
    } finally {
      warn.mockRestore();
    }
  });
});
