/**
 * Warnings about models on their way out, for `models list` and `experiment run`: the server says in
 * plain words when a model is deprecated or past or near its end of life (Model.deprecation); the CLI
 * prints it on stderr, one line per model, so that piped output (--json, tables) stays clean.
 */
import type { GraphQLClient } from "./client";
import type { CliIo } from "./io";

export interface ModelLifecycleFields {
  id: number;
  vendor: string;
  displayName: string;
  deprecation: string | null;
}

/** One line per deprecated model (each model once), or none. */
export function modelWarnings(models: ModelLifecycleFields[]): string[] {
  const seen = new Set<number>();
  const lines: string[] = [];
  for (const m of models) {
    if (!m.deprecation || seen.has(m.id)) continue;
    seen.add(m.id);
    lines.push(`warning: model ${m.id} (${m.vendor}/${m.displayName}): ${m.deprecation}`);
  }
  return lines;
}

export function printModelWarnings(io: CliIo, models: ModelLifecycleFields[]): void {
  for (const line of modelWarnings(models)) io.stderr.write(`${line}\n`);
}

const FIELDS = "id vendor displayName deprecation";

/** Before a run starts: the experiment's generators and graders that are deprecated. */
export async function warnAboutExperimentModels(client: GraphQLClient, experimentId: number, io: CliIo): Promise<void> {
  const { experiment } = await client.request<{
    experiment: { models: { noteGenerator: ModelLifecycleFields; noteGrader: ModelLifecycleFields }[] } | null;
  }>(`query($e: Int!) { experiment(id: $e) { models { noteGenerator { ${FIELDS} } noteGrader { ${FIELDS} } } } }`, {
    e: experimentId,
  });
  if (experiment)
    printModelWarnings(
      io,
      experiment.models.flatMap((m) => [m.noteGenerator, m.noteGrader]),
    );
}
