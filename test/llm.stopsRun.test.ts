/** The LLM layer decides which failures stop a run: refused keys (after a few in a row) and exhausted quotas. */
import { makeFakeLlmServer, type FakeLlmServer } from "../src/dev/fake-llm/server";
import { gradeNote, makeLlmClients } from "../src/llm";
import { BOTH_VENDORS, rejectionOf, SECRET_KEY, specFor, testLlmConfig } from "./support/fake-llm";

const rubric = [{ criterion: "Reward for the plan", weight: 10, sense: "positive" as const }];

let server: FakeLlmServer;
beforeAll(async () => {
  server = await makeFakeLlmServer({ seed: 8, logBodies: false });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe.each(BOTH_VENDORS)("through the %s SDK", (vendor) => {
  test("an exhausted quota fails the call at once and asks to pause the run, with the vendor's words", async () => {
    server.setKeys({ quotaExhausted: [SECRET_KEY] });
    const clients = makeLlmClients(testLlmConfig());
    const error = await rejectionOf(gradeNote(clients, { rubric, note: {}, model: specFor(server, vendor) }));
    expect(error.kind).toBe("quota");
    expect(error.stopsRun?.status).toBe("paused");
    expect(error.stopsRun?.reason).toContain(vendor === "openai" ? "exceeded your current quota" : "credit balance is too low");
    expect(server.requestCount()).toBe(1);
  });

  test("three refusals in a row stop the key; later calls fail without a request; a success in between resets the count", async () => {
    const clients = makeLlmClients(testLlmConfig({ LLM_KEY_REFUSALS_TO_STOP: "3" }));
    const model = specFor(server, vendor);
    server.addFault({ fault: "401", times: 2 });
    await gradeNote(clients, { rubric, note: {}, model }); // two refusals, then an answer
    expect(server.requestCount()).toBe(3);
    server.addFault({ fault: "401" });
    const error = await rejectionOf(gradeNote(clients, { rubric, note: {}, model }));
    expect(error).toMatchObject({ kind: "auth", stopsRun: { status: "failed" } });
    expect(error.stopsRun?.reason).toMatch(new RegExp(`^the key for ${vendor} was refused`));
    expect(server.requestCount()).toBe(6);
    await rejectionOf(gradeNote(clients, { rubric, note: {}, model }));
    expect(server.requestCount()).toBe(6);
  });
});
