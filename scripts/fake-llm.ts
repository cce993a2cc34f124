/**
 * Starts the fake LLM vendor server and prints its URLs; runs until SIGINT/SIGTERM.
 *
 *   npm run fake-llm -- [--port 8787] [--seed 1] [--latency 0] [--no-bodies]
 *
 * Flags win over env FAKE_LLM_PORT, FAKE_LLM_SEED, FAKE_LLM_LATENCY_MS (a dev tool, so it reads
 * them here rather than through src/config.ts). Point the app at it with
 * OPENAI_BASE_URL=<url>/v1 ANTHROPIC_BASE_URL=<url>, and control it over /__admin/* (see
 * src/dev/fake-llm/server.ts).
 */
import { makeFakeLlmServer } from "../src/dev/fake-llm/server";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function num(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`fake-llm: ${name} must be an integer >= 0, received "${raw}"`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const server = await makeFakeLlmServer({
    port: num("--port", flag("port") ?? process.env.FAKE_LLM_PORT, 8787),
    seed: num("--seed", flag("seed") ?? process.env.FAKE_LLM_SEED, 1),
    latencyMs: num("--latency", flag("latency") ?? process.env.FAKE_LLM_LATENCY_MS, 0),
    logBodies: !process.argv.includes("--no-bodies"),
  });
  console.log(
    JSON.stringify({ url: server.url, openaiBaseUrl: server.openaiBaseUrl, anthropicBaseUrl: server.anthropicBaseUrl }),
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
