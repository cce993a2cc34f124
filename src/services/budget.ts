/**
 * A run's budget (`startExperimentRun(budgetUsd)`): the run pauses before it would pass it.
 *
 * Before each attempt, the job's estimated cost (the high end of its estimate, calibrated by the
 * experiment's finished jobs, again every RECALIBRATE_EVERY attempts: estimate-jobs.ts) is reserved on the run row, in one statement that
 * succeeds only while spent + reserved + this reservation stays within the budget; every process
 * driving the run reserves on the same row. When the attempt ends, its reservation is released and
 * its real cost added to `spent_usd`. A reservation that does not fit stops the run `paused`, naming
 * the budget and the amounts; the calls already in flight finish (they are paid for) and are counted.
 *
 * The bound: spent never passes the budget by more than what the attempts in flight at the pause cost
 * beyond their reservations: spent ≤ budget + Σ over those attempts of (real − reserved, when positive),
 * at most their whole real cost. docs/budgets.md.
 */
import type { DataSource } from "typeorm";
import { RunStatus } from "../../entities/job-status";
import type { LlmConfig } from "../config";
import { LlmError } from "../llm";
import type { Logger } from "../logger";
import type { JobStrategies, JobStrategy } from "../runner/job-strategy";
import type { RunPlan } from "../runner/plan";
import { PAID_CALLS_GRACE_MS, StopRunError } from "../runner/run-driver";
import { updatedRows } from "../db/updated-rows";
import type { JobKind, JobOfKind } from "../runner/types";
import { calibrate, costRange, loadExperimentJobs, makeJobEstimator, type JobEstimate } from "./estimate-jobs";

/**
 * The estimator is calibrated again after this many attempts ended: a first run starts from the
 * inputs' sizes, whose high end (a reasoning grader's thinking above all) can be several times the
 * real cost, and would pause far below its budget.
 */
export const RECALIBRATE_EVERY = 10;

const usd = (x: number) => `$${x.toFixed(4)}`;

export type RunGuard = (plan: RunPlan, runId: number, strategies: JobStrategies) => Promise<JobStrategies>;

/** The runner's guard: the strategies of a run with a budget reserve before each attempt; others are left as they are. */
export function makeBudgetGuard(db: DataSource, prices: LlmConfig["prices"], logger: Logger): RunGuard {
  return async (plan, runId, strategies) => {
    const [run]: { budget_usd: string | null }[] = await db.query(`SELECT budget_usd FROM experiment_run WHERE id = $1`, [runId]);
    if (!run || run.budget_usd === null) return strategies;
    const budget = Number(run.budget_usd);
    await forgetDeadReservations(db, runId, plan.experiment.id);
    const calibrated = async () => makeJobEstimator(plan, calibrate(plan, await loadExperimentJobs(db, plan.experiment.id)));
    let estimator = await calibrated();
    let endedSinceCalibration = 0;
    let recalibrating = false;
    const attemptEnded = () => {
      if (++endedSinceCalibration < RECALIBRATE_EVERY || recalibrating) return;
      endedSinceCalibration = 0;
      recalibrating = true;
      calibrated()
        .then((next) => (estimator = next))
        .catch((error: unknown) => logger.warn(`run ${runId}: budget estimates not recalibrated: ${(error as Error).message}`))
        .finally(() => (recalibrating = false));
    };
    const highCost = (estimate: JobEstimate | null): number =>
      // A job the plan no longer knows (its case left the experiment) reserves nothing: it will not be claimed.
      estimate ? (costRange(prices, estimate.model.model, estimate.input, estimate.output)?.high ?? 0) : 0;
    const reserveFor = {
      note: (job: JobOfKind["note"]) => highCost(estimator.note({ caseId: job.caseId, combinationId: job.experimentModelId! })),
      grade: (job: JobOfKind["grade"]) =>
        highCost(
          estimator.grade({
            caseId: job.caseId,
            combinationId: job.noteExperimentModelId,
            rubricId: job.rubricId,
            noteChars: JSON.stringify(job.noteJson ?? {}).length,
          }),
        ),
    };
    const wrap = <K extends JobKind>(kind: K, strategy: JobStrategy<K>): JobStrategy<K> => ({
      kind: strategy.kind,
      resultIdOf: (job) => strategy.resultIdOf(job),
      gradesLostOnFailure: (job) => strategy.gradesLostOnFailure(job),
      completed: (done) => strategy.completed(done),
      attempt: async (job, signal, startedAt, attempt) => {
        const reserved = roundUsd((reserveFor[kind] as (j: JobOfKind[K]) => number)(job));
        const refusal = await reserve(db, runId, budget, reserved);
        if (refusal) {
          throw new StopRunError(
            RunStatus.paused,
            `paused before passing the budget of ${usd(budget)}: ${usd(refusal.spent)} spent, ${usd(refusal.reserved)} reserved ` +
              `by calls in flight, and the next ${kind} may cost up to ${usd(reserved)}; start the run again with a higher ` +
              `budgetUsd (or none) to go on`,
            PAID_CALLS_GRACE_MS,
          );
        }
        let cost: number | null = 0;
        try {
          const outcome = await strategy.attempt(job, signal, startedAt, attempt);
          cost = outcome.costUsd;
          return outcome;
        } catch (error) {
          // What a failed call spent is known when the LLM layer reports it; a generator's failure reports nothing.
          cost = error instanceof LlmError ? error.usage.costUsd : 0;
          throw error;
        } finally {
          await settle(db, runId, reserved, cost ?? reserved).catch((error: unknown) =>
            logger.warn(`run ${runId}: could not count an attempt's cost against the budget: ${(error as Error).message}`),
          );
          attemptEnded();
        }
      },
    });
    return { note: wrap("note", strategies.note), grade: wrap("grade", strategies.grade) };
  };
}

const roundUsd = (x: number) => Math.ceil(x * 1e6) / 1e6;

/** Reserves `amount` on the run when it fits the budget; otherwise says what was spent and reserved. */
async function reserve(
  db: DataSource,
  runId: number,
  budget: number,
  amount: number,
): Promise<{ spent: number; reserved: number } | null> {
  const rows = updatedRows<{ id: number }>(
    await db.query(
      `UPDATE experiment_run SET reserved_usd = reserved_usd + $2
       WHERE id = $1 AND spent_usd + reserved_usd + $2 <= $3 RETURNING id`,
      [runId, amount, budget],
    ),
  );
  if (rows.length > 0) return null;
  const [run]: { spent_usd: string; reserved_usd: string }[] = await db.query(
    `SELECT spent_usd, reserved_usd FROM experiment_run WHERE id = $1`,
    [runId],
  );
  return { spent: Number(run?.spent_usd ?? 0), reserved: Number(run?.reserved_usd ?? 0) };
}

/**
 * A run resumed after every process driving it died: their reservations stayed on the row. When no
 * job of the experiment is held under a live lease, nobody holds a reservation (a process reserves
 * only for a job it claimed), so they are dropped; one statement, so a claim cannot slip in between.
 */
async function forgetDeadReservations(db: DataSource, runId: number, experimentId: number): Promise<void> {
  await db.query(
    `UPDATE experiment_run SET reserved_usd = 0
     WHERE id = $1 AND reserved_usd > 0
       AND NOT EXISTS (SELECT 1 FROM experiment_result WHERE experiment_id = $2 AND status = 'running' AND lease_expires_at > now())
       AND NOT EXISTS (SELECT 1 FROM experiment_result_score WHERE experiment_id = $2 AND status = 'running' AND lease_expires_at > now())`,
    [runId, experimentId],
  );
}

/** An attempt ended: its reservation goes, its real cost counts. */
async function settle(db: DataSource, runId: number, reserved: number, cost: number): Promise<void> {
  await db.query(
    `UPDATE experiment_run SET reserved_usd = greatest(reserved_usd - $2, 0), spent_usd = spent_usd + $3 WHERE id = $1`,
    [runId, reserved, cost],
  );
}
