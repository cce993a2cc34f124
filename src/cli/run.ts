/**
 * `experiment run`: starts a run, shows its progress from the `experimentProgress` subscription
 * until the run ends, cancels it on Ctrl-C. Exit code 0 when every note and grade succeeded,
 * 1 when some failed or the run was cancelled/failed/interrupted.
 */
import type { GraphQLClient } from "./client";
import type { CliIo } from "./io";
import { PROGRESS_FIELDS, ProgressView, type ProgressSnapshot } from "./progress";

export interface RunOptions {
  experimentId: number;
  workers: number;
  maxAttempts: number;
  retryFailed: boolean;
  /** Non-terminal output: ms between progress lines. */
  lineIntervalMs?: number;
}

export interface RunOutcome {
  runId: number;
  status: string;
  progress: ProgressSnapshot;
  exitCode: 0 | 1;
}

const POLL_MS = 1000;

export async function runExperiment(client: GraphQLClient, options: RunOptions, io: CliIo): Promise<RunOutcome> {
  const { startExperimentRun: run } = await client.request<{
    startExperimentRun: { id: number; status: string; skippedCases: unknown[] };
  }>(
    `mutation($e: Int!, $w: Int!, $m: Int!, $r: Boolean!) {
      startExperimentRun(experimentId: $e, workers: $w, maxAttempts: $m, retryFailed: $r) { id status skippedCases } }`,
    { e: options.experimentId, w: options.workers, m: options.maxAttempts, r: options.retryFailed },
  );
  const view = new ProgressView({ out: io.stdout, lineIntervalMs: options.lineIntervalMs });
  view.log(`run ${run.id} of experiment ${options.experimentId} started (Ctrl-C cancels it)`);
  for (const skipped of (run.skippedCases ?? []) as { caseName?: string; reason?: string }[]) {
    view.log(`  skipped case ${skipped.caseName ?? "?"}: ${skipped.reason ?? ""}`);
  }

  let cancelling = false;
  let settle!: (how: "ended" | "forced") => void;
  const ended = new Promise<"ended" | "forced">((r) => (settle = r));
  let subscriptionError: Error | undefined;

  const unsubscribe = client.subscribe<{ experimentProgress: ProgressSnapshot }>(
    `subscription($e: Int!) { experimentProgress(experimentId: $e) { ${PROGRESS_FIELDS} } }`,
    { e: options.experimentId },
    {
      next: ({ experimentProgress: p }) => {
        if (p.runId !== run.id) return;
        view.update(p);
        if (p.runStatus !== "running") settle("ended");
      },
      error: (error) => {
        // The poll below still sees the end; say once why the bars stopped.
        if (!subscriptionError) view.log(`progress subscription: ${error.message}`);
        subscriptionError = error;
      },
    },
  );
  // A safety net for a lost subscription: the run's status from the database.
  const poll = setInterval(() => {
    client
      .request<{ experimentRun: { status: string } | null }>(`query($id: Int!) { experimentRun(id: $id) { status } }`, {
        id: run.id,
      })
      .then(({ experimentRun }) => {
        if (experimentRun && experimentRun.status !== "running") settle("ended");
      })
      .catch(() => undefined);
  }, POLL_MS);

  const stopInterrupts = io.onInterrupt(() => {
    if (cancelling) {
      view.log("second Ctrl-C: leaving without waiting (the server goes on cancelling)");
      return settle("forced");
    }
    cancelling = true;
    view.log(`Ctrl-C: cancelling run ${run.id}…`);
    client
      .request(`mutation($id: Int!) { cancelExperimentRun(runId: $id) { id status } }`, { id: run.id })
      .catch((error: Error) => view.log(`cancel failed: ${error.message}`));
  });

  try {
    await ended;
  } finally {
    clearInterval(poll);
    stopInterrupts();
    unsubscribe();
  }

  const { experimentRun, experimentProgress } = await client.request<{
    experimentRun: { status: string; error: string | null };
    experimentProgress: ProgressSnapshot;
  }>(
    `query($id: Int!, $e: Int!) { experimentRun(id: $id) { status error } experimentProgress(experimentId: $e) { ${PROGRESS_FIELDS} } }`,
    { id: run.id, e: options.experimentId },
  );
  view.finish(experimentProgress);
  const ok =
    experimentRun.status === "finished" && experimentProgress.notes.failed === 0 && experimentProgress.grades.failed === 0;
  const n = experimentProgress.notes;
  const g = experimentProgress.grades;
  view.log(
    `run ${run.id} ${experimentRun.status}${experimentRun.error ? ` (${experimentRun.error})` : ""}: ` +
      `${n.succeeded}/${n.expected} notes, ${g.succeeded}/${g.expected} grades, ${n.failed + g.failed} failed`,
  );
  return { runId: run.id, status: experimentRun.status, progress: experimentProgress, exitCode: ok ? 0 : 1 };
}
