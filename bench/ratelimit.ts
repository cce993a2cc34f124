/**
 * `--only ratelimit`: the standard workload against a fake vendor that allows R requests and T
 * tokens per window per key (issue #11), run three ways, each in a fresh server process (a
 * limiter's knowledge lives in its process):
 *
 * - adaptive: workers 64, the adaptive limits on (the default);
 * - fixed 3: workers 3 without adaptation (the existing tool's default);
 * - fixed 64: workers 64 without adaptation (LLM_ADAPTIVE_LIMITS=false);
 * - adaptive-2 (only with `--modes adaptive-2`): an `all` and a `worker` process, 32 workers each,
 *   sharing the keys' limits through Postgres.
 *
 * Figures per mode: efficiency = the limit's lower bound on the wall time ÷ the measured wall time
 * (start mutation to the run's end), the share of requests answered 429, the jobs that failed (and
 * those that failed on rate limits). The bound is per key, from what the vendor admitted: the
 * larger of requests / R and tokens / T windows; the slowest key sets it. The vendor's buckets start
 * full, so a perfect client could beat that bound by one window's allowance: `strictBoundMs`
 * subtracts it and `strictEfficiency` is the stricter figure.
 *
 * Why these limits (time compressed 60×: a minute of a real vendor is a second here). R = 50
 * requests and T = 50,000 tokens per second per key stand for 50 RPM and 50,000 tokens per minute,
 * the order of both vendors' first paid tiers (Anthropic's tier 1 allows 50 RPM; the token limits
 * of the first tiers are tens of thousands per minute). This workload's requests average ~1,085
 * tokens (the vendor counts request characters / 4), so over a key's 1,000 requests the tokens bound
 * (21.8 s) is just above the requests bound (20 s): both buckets are close to binding at once, the
 * hardest case for a pacer, and a run takes about 20 s. The latency, 200 ms, stands for a 12 s
 * structured call; at 50 requests/s it takes about 10 calls in flight per key to keep up, so workers
 * 3 cannot and workers 64 overshoot.
 */
import fs from "node:fs";
import os from "node:os";
import { gitCommit, type Database, type FakeVendor, type ServerChild } from "./lib/env";
import { cpuMs, sleep } from "./lib/proc";
import { round, spread, type Spread } from "./lib/stats";
import { timeline, type Timeline } from "./ratelimit-timeline";
import { createExperiment, plannedJobs, startRun, type ExperimentShape, type Seed } from "./lib/workload";

export interface RateLimitSettings {
  requests: number;
  tokens: number;
  windowMs: number;
  latencyMs: number;
}

export const RATE_LIMITS: RateLimitSettings = { requests: 50, tokens: 50_000, windowMs: 1000, latencyMs: 200 };

export interface RateLimitMode {
  name: "adaptive" | "fixed-3" | "fixed-64" | "adaptive-2";
  /** The run's workers: per process (each process's driver takes that many jobs of each kind). */
  workers: number;
  adaptive: boolean;
  /** Server processes on the run: 1 (`all`), or 2 (`all` + a `worker` sharing the keys' limits). */
  processes: 1 | 2;
}

export const MODES: RateLimitMode[] = [
  { name: "adaptive", workers: 64, adaptive: true, processes: 1 },
  { name: "fixed-3", workers: 3, adaptive: false, processes: 1 },
  { name: "fixed-64", workers: 64, adaptive: false, processes: 1 },
  // Only when asked (--modes adaptive-2): the cluster's sharing of limits, 429 pauses and learned
  // limits on the same workload, 32 workers in each of two processes. The worker process finds the
  // run within RUN_POLL_MS (100 ms), so it joins keys the `all` process already uses.
  { name: "adaptive-2", workers: 32, adaptive: true, processes: 2 },
];

/** The modes a plain `--only ratelimit` runs. */
const DEFAULT_MODES: RateLimitMode["name"][] = ["adaptive", "fixed-3", "fixed-64"];

export interface RateLimitRep {
  mode: RateLimitMode["name"];
  workers: number;
  adaptive: boolean;
  wallMs: number;
  boundMs: number;
  strictBoundMs: number;
  efficiency: number;
  strictEfficiency: number;
  requests: number;
  requests429: number;
  share429: number;
  jobs: number;
  failedJobs: number;
  /** Failed jobs whose last error was a rate limit. */
  failedOnRateLimits: number;
  /** Per key (one per vendor here): what the vendor admitted. */
  admitted: Record<string, { requests: number; tokens: number }>;
  /** Where the wall time went (./ratelimit-timeline.ts). */
  timeline: Timeline;
  /** CPU ms the `worker` process (adaptive-2) spent over the run: it took part when this is seconds, not ms. */
  workerCpuMs: number | null;
  loadAverage1m: [start: number, end: number];
}

interface LoggedRequest {
  vendor: string | null;
  path: string;
  status: number;
  tokens: number;
  receivedAt: number;
}

const isGeneration = (r: LoggedRequest) => r.path.endsWith("/chat/completions") || r.path.endsWith("/messages");

/** The run from its start mutation to its end as the database says (polled every 20 ms). */
async function runToEnd(
  db: Database,
  s: ServerChild,
  experimentId: number,
  workers: number,
): Promise<{ t0: number; wallMs: number }> {
  const t0 = Date.now();
  const runId = await startRun(s.api, experimentId, workers);
  const deadline = t0 + 600_000;
  for (;;) {
    const { rows } = await db.sql.query(`SELECT status FROM experiment_run WHERE id = $1`, [runId]);
    if (rows[0]?.status !== "running") {
      if (rows[0]?.status !== "finished") throw new Error(`run ${runId} ended ${rows[0]?.status}`);
      return { t0, wallMs: Date.now() - t0 };
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end in 10 minutes`);
    await sleep(20);
  }
}

async function failedJobs(db: Database, experimentId: number): Promise<{ failed: number; onRateLimits: number }> {
  const { rows } = await db.sql.query(
    `SELECT count(*) AS failed,
            count(*) FILTER (WHERE errors->-1->>'message' ~* '429|rate limit') AS on_rate_limits
       FROM (SELECT errors FROM experiment_result WHERE experiment_id = $1 AND status = 'failed'
             UNION ALL
             SELECT errors FROM experiment_result_score WHERE experiment_id = $1 AND status = 'failed') f`,
    [experimentId],
  );
  return { failed: Number(rows[0].failed), onRateLimits: Number(rows[0].on_rate_limits) };
}

export async function rateLimitRun(
  db: Database,
  fake: FakeVendor,
  startServer: (label: string, env: Record<string, string>) => Promise<ServerChild>,
  seed: Seed,
  shape: ExperimentShape,
  mode: RateLimitMode,
  rep: number,
  limits: RateLimitSettings = RATE_LIMITS,
): Promise<RateLimitRep> {
  await fake.admin("POST", "reset");
  await fake.admin("POST", "latency", { ms: limits.latencyMs });
  const env = { LLM_ADAPTIVE_LIMITS: String(mode.adaptive) };
  const s = await startServer(`ratelimit-${mode.name}-${rep}`, env);
  const worker =
    mode.processes === 2
      ? await startServer(`ratelimit-${mode.name}-${rep}-worker`, { ...env, ROLE: "worker", RUN_POLL_MS: "100" })
      : null;
  try {
    const experimentId = await createExperiment(s.api, seed, `bench-ratelimit-${mode.name}-${rep}`, shape);
    // Fresh buckets for the run: the seeding and set-up above made no vendor calls, but a reset is cheap.
    await fake.admin("POST", "rate-limits", { requests: limits.requests, tokens: limits.tokens, windowMs: limits.windowMs });
    const load0 = os.loadavg()[0];
    const workerCpu0 = worker ? cpuMs(worker.child.proc.pid!) : 0;
    const { t0, wallMs } = await runToEnd(db, s, experimentId, mode.workers);
    const load1 = os.loadavg()[0];
    const { requests } = await fake.admin<{ requests: LoggedRequest[] }>("GET", "requests");
    const generation = requests.filter(isGeneration);
    const admitted: RateLimitRep["admitted"] = {};
    for (const r of generation) {
      if (r.status === 429) continue;
      const key = r.vendor ?? "unknown";
      admitted[key] ??= { requests: 0, tokens: 0 };
      admitted[key].requests++;
      admitted[key].tokens += r.tokens;
    }
    const windows = (a: { requests: number; tokens: number }, burst: number) =>
      Math.max((a.requests - burst * limits.requests) / limits.requests, (a.tokens - burst * limits.tokens) / limits.tokens);
    const boundMs = Math.max(...Object.values(admitted).map((a) => windows(a, 0))) * limits.windowMs;
    const strictBoundMs = Math.max(...Object.values(admitted).map((a) => windows(a, 1))) * limits.windowMs;
    const requests429 = generation.filter((r) => r.status === 429).length;
    const planned = plannedJobs(shape);
    const jobs = planned.notes + planned.grades;
    const failed = await failedJobs(db, experimentId);
    return {
      mode: mode.name,
      workers: mode.workers,
      adaptive: mode.adaptive,
      wallMs,
      boundMs,
      strictBoundMs,
      efficiency: boundMs / wallMs,
      strictEfficiency: strictBoundMs / wallMs,
      requests: generation.length,
      requests429,
      share429: requests429 / generation.length,
      jobs,
      failedJobs: failed.failed,
      failedOnRateLimits: failed.onRateLimits,
      admitted,
      timeline: timeline(
        requests.map((r) => ({ ...r, generation: isGeneration(r) })),
        t0,
        t0 + wallMs,
        limits,
      ),
      workerCpuMs: worker ? cpuMs(worker.child.proc.pid!) - workerCpu0 : null,
      loadAverage1m: [load0, load1],
    };
  } finally {
    await worker?.child.stop();
    await s.child.stop();
    // Not to hide the error that brought us here when the fake vendor is gone too.
    await fake.admin("POST", "rate-limits", null).catch(() => undefined);
  }
}

export interface RateLimitOptions {
  reps: number;
  log: (message: string) => void;
  /** When given, the figures are merged into this results file (the scenario ran alone). */
  out?: string;
  writeJson: (file: string, value: unknown) => Promise<void>;
  limits?: RateLimitSettings;
  /** Only these modes (default: all three). */
  modes?: string[];
}

/** Every mode `reps` times (interleaved, so a change in the machine's load hits all modes alike); prints a table. */
export async function rateLimitScenario(
  db: Database,
  fake: FakeVendor,
  startServer: (label: string, env: Record<string, string>) => Promise<ServerChild>,
  seed: Seed,
  shape: ExperimentShape,
  options: RateLimitOptions,
): Promise<boolean> {
  const limits = options.limits ?? RATE_LIMITS;
  const modes = MODES.filter((m) => (options.modes ?? DEFAULT_MODES).includes(m.name));
  const reps: RateLimitRep[] = [];
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const mode of modes) {
      reps.push(await rateLimitRun(db, fake, startServer, seed, shape, mode, rep, limits));
      options.log(
        `ratelimit ${mode.name} rep ${rep}: ${JSON.stringify(reps.at(-1), (_k, v) => (typeof v === "number" ? round(v, 3) : v))}`,
      );
    }
  }
  const figures = Object.fromEntries(
    modes.map((mode) => {
      const mine = reps.filter((r) => r.mode === mode.name);
      return [
        mode.name,
        {
          workers: mode.workers,
          adaptive: mode.adaptive,
          processes: mode.processes,
          efficiency: spread(mine.map((r) => r.efficiency)),
          strictEfficiency: spread(mine.map((r) => r.strictEfficiency)),
          share429: spread(mine.map((r) => r.share429)),
          wallMs: spread(mine.map((r) => r.wallMs)),
          boundMs: spread(mine.map((r) => r.boundMs)),
          failedJobs: Math.max(...mine.map((r) => r.failedJobs)),
          failedOnRateLimits: Math.max(...mine.map((r) => r.failedOnRateLimits)),
          // Where the time went (ratelimit-timeline.ts): the start, the longest idle gap of a key, the tail.
          toFirstRequestMs: spread(mine.map((r) => r.timeline.toFirstRequestMs)),
          longestGapMs: spread(mine.map((r) => Math.max(...Object.values(r.timeline.keys).map((k) => k.longestGapMs)))),
          tailMs: spread(mine.map((r) => r.timeline.tailMs)),
        },
      ];
    }),
  );
  const head = [
    "mode",
    "efficiency",
    "strict",
    "429 share",
    "wall s",
    "bound s",
    "failed (rate limits)",
    "start / gap / tail ms",
  ];
  const rows = modes.map((m) => {
    const f = figures[m.name];
    const range = (s: Spread, d = 2) => `${round(s.median, d)} (${round(s.min, d)}–${round(s.max, d)})`;
    return [
      `${m.name}`,
      // A run that left jobs failed did less than the workload: its efficiency is of the work done.
      `${range(f.efficiency)}${f.failedJobs ? " of work done" : ""}`,
      range(f.strictEfficiency),
      `${round(f.share429.median * 100, 1)} %`,
      `${round(f.wallMs.median / 1000, 1)}`,
      `${round(f.boundMs.median / 1000, 1)}`,
      `${f.failedJobs} (${f.failedOnRateLimits})`,
      [f.toFirstRequestMs, f.longestGapMs, f.tailMs].map((x) => Math.round(x.median)).join(" / "),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  if (!options.out) return false;
  // Alone: its figures join the last full results instead of replacing them. With `--modes`, the
  // other modes' figures stay as they were, each saying when and at which commit it was measured.
  const previous = JSON.parse(fs.readFileSync(options.out, "utf8"));
  const at = {
    measuredAt: new Date().toISOString(),
    loadAverage1m: spread(reps.flatMap((r) => r.loadAverage1m)),
    ...gitCommit(),
  };
  const kept = (previous.figures.rateLimit ?? {}) as Record<string, unknown>;
  const keptAt = { measuredAt: kept.measuredAt, loadAverage1m: kept.loadAverage1m, commit: kept.commit, dirty: kept.dirty };
  previous.figures.rateLimit = Object.fromEntries(
    MODES.filter((m) => figures[m.name] || kept[m.name]).map((m) => [
      m.name,
      figures[m.name] ? { ...figures[m.name], ...at } : { ...keptAt, ...(kept[m.name] as object) },
    ]),
  );
  previous.workload.rateLimit = { ...shape, ...plannedJobs(shape), limitsPerKey: limits, keys: 2 };
  const measured = new Set(modes.map((m) => m.name));
  previous.raw.rateLimit = [...((previous.raw.rateLimit ?? []) as RateLimitRep[]).filter((r) => !measured.has(r.mode)), ...reps];
  await options.writeJson(options.out, previous);
  console.log(`results: ${options.out} (rate-limit figures merged)`);
  return true;
}
