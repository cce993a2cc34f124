/**
 * The request-path cost of cluster limits (src/llm/limits/cluster-*.ts): one acquire and one
 * succeeded (with both rate-limit windows in the snapshot) per request, through the key's limiter
 * alone, as a member alone on its key, and as one of two members (snapshots scaled). The heartbeat
 * is not on this path (no database here: a query that answers at once).
 *
 *   npx ts-node --transpile-only bench/cluster-limits.ts [requests]
 */
import { AdaptiveLimiter } from "../src/llm/limits/adaptive-limiter";
import { sharedLimiter, soloLimiter, type KeyLimiter } from "../src/llm/limits/cluster-limiter";
import { ClusterShare } from "../src/llm/limits/cluster-share";
import { keyScope } from "../src/llm/limits/cluster-store";
import type { RateSnapshot } from "../src/llm/limits/headers";

const requests = Number(process.argv[2] ?? 200_000);
const big = 1e12; // never binding: the cost measured is the bookkeeping, not waiting
const snapshot: RateSnapshot = {
  requests: { limit: big, remaining: big, resetMs: 1 },
  tokens: { limit: big, remaining: big, resetMs: 1 },
};

async function nsPerRequest(limiter: KeyLimiter): Promise<number> {
  for (let i = 0; i < 10_000; i++) {
    await limiter.acquire(500);
    limiter.succeeded(snapshot);
  }
  const started = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    await limiter.acquire(500);
    limiter.succeeded(snapshot);
  }
  return Number(process.hrtime.bigint() - started) / requests;
}

async function main(): Promise<void> {
  const query = async () => [] as unknown[];
  const key = { vendor: "openai" as const, apiKey: "sk-bench", baseUrl: "http://127.0.0.1:1/v1" };
  const alone = new ClusterShare({ query, heartbeatMs: 1000 });
  // Every heartbeat of this one finds one other member on the key.
  const pair = new ClusterShare({
    query: async () => [{ scope: keyScope(key.vendor, key.apiKey, key.baseUrl), others: 1 }],
    heartbeatMs: 1000,
  });
  const twoMembers = sharedLimiter(pair, new AdaptiveLimiter(256), key);
  const results = {
    soloNs: await nsPerRequest(soloLimiter(new AdaptiveLimiter(256))),
    sharedAloneNs: await nsPerRequest(sharedLimiter(alone, new AdaptiveLimiter(256), key)),
    sharedTwoNs: await nsPerRequest(twoMembers),
  };
  if (twoMembers.state().processes !== 2) throw new Error("the pair did not count two members");
  await alone.close();
  await pair.close();
  console.log(JSON.stringify({ requests, ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v)])) }));
}

void main();
