/**
 * `--only processes`: throughput of the standard run (zero vendor latency, workers 16 per process)
 * driven by 1, 2 and 3 server processes on one Postgres: one `all` process (which the client talks
 * to) plus 0, 1 or 2 `worker` processes. Each repetition starts fresh processes, runs the standard
 * run once to warm them (every process joins it), then measures a second run: jobs ÷ time from
 * `startExperimentRun` to the `experimentProgress` message with `done: true`, and the CPU of all
 * the server processes per job. The processes look for runs to join every 100 ms (RUN_POLL_MS), so
 * that joining is not what is measured.
 *
 * On a machine with fewer cores than processes + Postgres + the fake vendor this measures the cost
 * of sharing a run (claims racing under SKIP LOCKED, NOTIFY traffic, leases), not a speed-up.
 */
import os from "node:os";
import { subscribeProgress, type ProgressCounts } from "./lib/api";
import type { ServerChild } from "./lib/env";
import { cpuMs } from "./lib/proc";
import { spread, type Spread } from "./lib/stats";
import { createExperiment, plannedJobs, startRun, type ExperimentShape, type Seed } from "./lib/workload";

export const PROCESS_COUNTS = [1, 2, 3] as const;
const WORKERS = 16;

export interface ProcessesRep {
  processes: number;
  jobs: number;
  wallMs: number;
  jobsPerSec: number;
  /** CPU of every server process over the run, per job. */
  serverCpuMsPerJob: number;
  /** 1-minute load average when the measured run started. */
  loadAverage1m: number;
}

export interface ProcessesFigures {
  jobsPerSec: Record<string, Spread>;
  serverCpuMsPerJob: Record<string, Spread>;
  loadAverage1m: Spread;
}

export interface ProcessesEnv {
  seed: Seed;
  shape: ExperimentShape;
  reps: number;
  /** Starts a server process with this ROLE (and RUN_POLL_MS=100). */
  start: (role: "all" | "worker", label: string) => Promise<ServerChild>;
  log: (message: string) => void;
}

/** One standard run on `api`'s process, the others joining it; resolves with its figures. */
async function measuredRun(
  env: ProcessesEnv,
  servers: ServerChild[],
  name: string,
): Promise<Omit<ProcessesRep, "processes" | "loadAverage1m">> {
  const api = servers[0]!.api;
  const experimentId = await createExperiment(api, env.seed, name, env.shape);
  const client = api.wsClient();
  let resolveDone!: (v: { p: ProgressCounts; at: number }) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<{ p: ProgressCounts; at: number }>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  await subscribeProgress(client, experimentId, (p, at) => p.done && resolveDone({ p, at }), rejectDone);
  const cpu0 = servers.reduce((sum, s) => sum + cpuMs(s.child.pid), 0);
  const t0 = Date.now();
  await startRun(api, experimentId, WORKERS);
  const timeout = setTimeout(() => rejectDone(new Error(`run ${name}: no final progress in 10 minutes`)), 600_000);
  const final = await done.finally(() => clearTimeout(timeout));
  const cpu1 = servers.reduce((sum, s) => sum + cpuMs(s.child.pid), 0);
  await client.dispose();
  const planned = plannedJobs(env.shape);
  const { notes, grades } = final.p;
  if (notes.succeeded !== planned.notes || grades.succeeded !== planned.grades)
    throw new Error(
      `run ${name}: ${notes.succeeded}/${grades.succeeded} jobs succeeded, planned ${planned.notes}/${planned.grades}`,
    );
  const jobs = planned.notes + planned.grades;
  const wallMs = final.at - t0;
  return { jobs, wallMs, jobsPerSec: (jobs * 1000) / wallMs, serverCpuMsPerJob: (cpu1 - cpu0) / jobs };
}

export async function throughputByProcesses(env: ProcessesEnv): Promise<{ figures: ProcessesFigures; raw: ProcessesRep[] }> {
  const raw: ProcessesRep[] = [];
  // Repetitions interleave the process counts, so that a change of the machine's load spreads over all of them.
  for (let rep = 1; rep <= env.reps; rep++) {
    for (const n of PROCESS_COUNTS) {
      const servers: ServerChild[] = [];
      try {
        servers.push(await env.start("all", `processes-${n}-${rep}-all`));
        for (let i = 1; i < n; i++) servers.push(await env.start("worker", `processes-${n}-${rep}-worker${i}`));
        await measuredRun(env, servers, `bench-processes-${n}-${rep}-warmup`);
        const loadAverage1m = os.loadavg()[0]!;
        const run = await measuredRun(env, servers, `bench-processes-${n}-${rep}`);
        raw.push({ processes: n, loadAverage1m, ...run });
        env.log(
          `processes ${n} rep ${rep}: ${Math.round(run.jobsPerSec)} jobs/s, ${run.serverCpuMsPerJob.toFixed(2)} ms CPU/job, load ${loadAverage1m.toFixed(1)}`,
        );
      } finally {
        await Promise.all(servers.map((s) => s.child.stop()));
      }
    }
  }
  const by = (pick: (r: ProcessesRep) => number) =>
    Object.fromEntries(PROCESS_COUNTS.map((n) => [String(n), spread(raw.filter((r) => r.processes === n).map(pick))]));
  return {
    figures: {
      jobsPerSec: by((r) => r.jobsPerSec),
      serverCpuMsPerJob: by((r) => r.serverCpuMsPerJob),
      loadAverage1m: spread(raw.map((r) => r.loadAverage1m)),
    },
    raw,
  };
}
