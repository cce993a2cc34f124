/**
 * `experiment run`: starts a run, shows its progress from the `experimentProgress` subscription
 * until the run ends, cancels it on Ctrl-C. Exit code 0 when every note and grade succeeded,
 * 1 when some failed or the run was cancelled/failed/interrupted.
 *
 * A server restart under a running CLI: the subscription's connection drops, the CLI says
 * "reconnecting…" and graphql-ws reconnects with backoff and subscribes again; the first message
 * is the current state, so the bars go on from where the run is. A SIGTERMed server marks the run
 * `interrupted` on its way down and the next one resumes it, so `interrupted` ends the watch only
 * when a server that was unreachable since then still reports it (it came back without resuming).
 */
import { UnreachableError, type GraphQLClient } from "./client";
import type { CliIo } from "./io";
import { PROGRESS_FIELDS, ProgressView, type ProgressSnapshot } from "./progress";

export interface RunOptions {
  experimentId: number;
  workers: number;
  maxAttempts: number;
  retryFailed: boolean;
  /** USD the run may spend (it pauses before passing it); null: no budget. */
  budgetUsd?: number | null;
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
const FINAL_STATE_TRIES = 10;

/** What the watch knows of an `interrupted` status (see the header). */
type Interruption = "none" | "seen" | "seen-then-unreachable";

export async function runExperiment(client: GraphQLClient, options: RunOptions, io: CliIo): Promise<RunOutcome> {
  const { startExperimentRun: run } = await client.request<{
    startExperimentRun: { id: number; status: string; skippedCases: unknown[] };
  }>(
    `mutation($e: Int!, $w: Int!, $m: Int!, $r: Boolean!, $b: Float) {
      startExperimentRun(experimentId: $e, workers: $w, maxAttempts: $m, retryFailed: $r, budgetUsd: $b) { id status skippedCases } }`,
    { e: options.experimentId, w: options.workers, m: options.maxAttempts, r: options.retryFailed, b: options.budgetUsd ?? null },
  );
  const view = new ProgressView({ out: io.stdout, lineIntervalMs: options.lineIntervalMs });

  let settle!: (how: "ended" | "forced") => void;
  const ended = new Promise<"ended" | "forced">((r) => (settle = r));
  // Before anything is printed: a Ctrl-C from here on cancels this run.
  let cancelling = false;
  const stopInterrupts = io.onInterrupt(() => {
    if (cancelling) {
      view.log("second Ctrl-C: leaving without waiting (the server goes on cancelling)");
      return settle("forced");
    }
    cancelling = true;
    view.log(`Ctrl-C: cancelling run ${run.id}…`);
    client
      .request(`mutation($id: Int!) { cancelExperimentRun(runId: $id) { id status } }`, { id: run.id })
      .catch((error: Error) => view.log(`cancel failed: ${error.message} (Ctrl-C again to leave)`));
  });

  view.log(`run ${run.id} of experiment ${options.experimentId} started (Ctrl-C cancels it)`);
  for (const skipped of (run.skippedCases ?? []) as { caseName?: string; reason?: string }[]) {
    view.log(`  skipped case ${skipped.caseName ?? "?"}: ${skipped.reason ?? ""}`);
  }

  let interruption: Interruption = "none";
  const onStatus = (status: string | null) => {
    if (status === "running") interruption = "none";
    else if (status === "interrupted") {
      if (interruption === "seen-then-unreachable") settle("ended");
      else if (interruption === "none") {
        interruption = "seen";
        view.log(`run ${run.id} interrupted by a server shutdown: waiting for the server to resume it (Ctrl-C to leave)`);
      }
    } else if (status !== null) settle("ended");
  };
  const onUnreachable = () => {
    if (interruption === "seen") interruption = "seen-then-unreachable";
  };

  const stopConnection = client.onConnection((state) => {
    if (state === "reconnecting") {
      onUnreachable();
      view.log("connection to the server lost: reconnecting…");
    } else view.log("reconnected: progress from the current state");
  });
  let subscriptionError: Error | undefined;
  const unsubscribe = client.subscribe<{ experimentProgress: ProgressSnapshot }>(
    `subscription($e: Int!) { experimentProgress(experimentId: $e) { ${PROGRESS_FIELDS} } }`,
    { e: options.experimentId },
    {
      next: ({ experimentProgress: p }) => {
        if (p.runId !== run.id) return;
        view.update(p);
        onStatus(p.runStatus);
      },
      error: (error) => {
        // The poll below still sees the end; say once why the bars stopped.
        if (!subscriptionError) view.log(`progress subscription: ${error.message}`);
        subscriptionError = error;
      },
    },
  );
  // A safety net for a lost subscription, and the probe that sees the server gone and back.
  const poll = setInterval(() => {
    client
      .request<{ experimentRun: { status: string } | null }>(`query($id: Int!) { experimentRun(id: $id) { status } }`, {
        id: run.id,
      })
      .then(({ experimentRun }) => onStatus(experimentRun?.status ?? null))
      .catch((error) => {
        if (error instanceof UnreachableError) onUnreachable();
      });
  }, POLL_MS);

  try {
    await ended;
  } finally {
    clearInterval(poll);
    stopInterrupts();
    stopConnection();
    unsubscribe();
  }

  const { experimentRun, experimentProgress } = await finalState(client, run.id, options.experimentId);
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

/** The run's row and the experiment's progress, asked again while the server is unreachable. */
async function finalState(client: GraphQLClient, runId: number, experimentId: number) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request<{
        experimentRun: { status: string; error: string | null };
        experimentProgress: ProgressSnapshot;
      }>(
        `query($id: Int!, $e: Int!) { experimentRun(id: $id) { status error } experimentProgress(experimentId: $e) { ${PROGRESS_FIELDS} } }`,
        { id: runId, e: experimentId },
      );
    } catch (error) {
      if (!(error instanceof UnreachableError) || attempt >= FINAL_STATE_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
