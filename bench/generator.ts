/**
 * `--only generator`: the overhead per note job of a `command` generator that answers at once
 * (process start, the job document on stdin, the result read back and checked, the process group
 * ended) against the builtin generator on the same workload, at zero vendor latency, workers 8.
 * Both run in one server process, builtin first after a warm-up run, so neither pays for a cold start.
 */
import fs from "node:fs";
import path from "node:path";
import type { Database, ServerChild } from "./lib/env";
import { sleep } from "./lib/proc";
import { percentile, spread, type Spread } from "./lib/stats";
import { createExperiment, startRun, type ExperimentShape, type Seed } from "./lib/workload";

/** Answers at once: reads the job, prints an empty note. Node's start-up is part of what is measured. */
const INSTANT_GENERATOR = `let s = ""; process.stdin.on("data", (c) => (s += c)); process.stdin.on("end", () => {
  JSON.parse(s); process.stdout.write('{"note":{"items":[]},"usage":{"inputTokens":0,"outputTokens":0}}'); });`;

export interface GeneratorRep {
  generator: string;
  notes: number;
  wallMs: number;
  /** Note job durations (claim to stored note), ms. */
  noteP50Ms: number;
  noteP95Ms: number;
}

export interface GeneratorFigures {
  builtin: GeneratorRep[];
  command: GeneratorRep[];
  /** Median note job duration, command minus builtin, per repetition. */
  overheadPerJobMs: Spread;
}

/** The generators file of the scenario's server. */
export function writeGeneratorsFile(tmp: string): string {
  const script = path.join(tmp, "instant-generator.js");
  fs.writeFileSync(script, INSTANT_GENERATOR);
  const file = path.join(tmp, "generators.json");
  fs.writeFileSync(
    file,
    JSON.stringify({ generators: [{ name: "instant", kind: "command", command: [process.execPath, script] }] }),
  );
  return file;
}

async function runToEnd(db: Database, s: ServerChild, seed: Seed, name: string, shape: ExperimentShape, generator: string) {
  const experimentId = await createExperiment(s.api, seed, name, shape, generator);
  const t0 = Date.now();
  const runId = await startRun(s.api, experimentId, 8);
  const deadline = t0 + 600_000;
  for (;;) {
    const { rows } = await db.sql.query(`SELECT status FROM experiment_run WHERE id = $1`, [runId]);
    if (rows[0]?.status !== "running") break;
    if (Date.now() > deadline) throw new Error(`run ${name} did not end`);
    await sleep(20);
  }
  const wallMs = Date.now() - t0;
  const { rows } = await db.sql.query(`SELECT status, duration_ms FROM experiment_result WHERE experiment_id = $1`, [
    experimentId,
  ]);
  const failed = rows.filter((r: { status: string }) => r.status !== "succeeded").length;
  if (failed > 0) throw new Error(`run ${name}: ${failed} note(s) did not succeed`);
  const durations = rows.map((r: { duration_ms: number }) => r.duration_ms).sort((a: number, b: number) => a - b);
  return { generator, notes: rows.length, wallMs, noteP50Ms: percentile(durations, 50), noteP95Ms: percentile(durations, 95) };
}

export async function generatorOverhead(
  db: Database,
  s: ServerChild,
  seed: Seed,
  shape: ExperimentShape,
  reps: number,
  log: (message: string) => void,
): Promise<GeneratorFigures> {
  await runToEnd(db, s, seed, "bench-generator-warmup", { ...shape, noteReplications: 1 }, "builtin");
  const builtin: GeneratorRep[] = [];
  const command: GeneratorRep[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    builtin.push(await runToEnd(db, s, seed, `bench-generator-builtin-${rep}`, shape, "builtin"));
    command.push(await runToEnd(db, s, seed, `bench-generator-command-${rep}`, shape, "instant"));
    log(`generator rep ${rep}: builtin ${JSON.stringify(builtin.at(-1))} command ${JSON.stringify(command.at(-1))}`);
  }
  return { builtin, command, overheadPerJobMs: spread(command.map((c, i) => c.noteP50Ms - builtin[i].noteP50Ms)) };
}
