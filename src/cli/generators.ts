/** `generators list` and `experiment clone`: the generator under test, and the next version of an experiment. */
import { parse, table, type CommandContext } from "./commands";
import { UsageError } from "./options";

function out(ctx: CommandContext, text: string): void {
  ctx.io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export async function generatorsList(ctx: CommandContext): Promise<number> {
  const { values } = parse(ctx.args, { json: { type: "boolean" } });
  const { generators } = await ctx.client.request(`{ generators { name kind pinned description } }`);
  if (values.json) {
    out(ctx, JSON.stringify(generators, null, 2));
    return 0;
  }
  out(
    ctx,
    table([
      ["NAME", "KIND", "VERSIONS", "DESCRIPTION"],
      ...generators.map((g: { name: string; kind: string; pinned: boolean; description: string }) => [
        g.name,
        g.kind,
        g.pinned ? "commits" : "labels",
        g.description,
      ]),
    ]),
  );
  return 0;
}

function intList(value: string | undefined, name: string): number[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(",").map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(`${name} must be whole numbers separated by commas, received "${value}"`);
  return list;
}

function intValue(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be an integer >= 1, received "${value}"`);
  return n;
}

export async function experimentClone(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(ctx.args, {
    name: { type: "string" },
    generator: { type: "string" },
    version: { type: "string" },
    overlaps: { type: "string" },
    "note-replications": { type: "string" },
    "grade-replications": { type: "string" },
  });
  const source = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(source) || !values.name) {
    throw new UsageError("usage: experiment clone <id> --name NAME [--version V] [--generator G] [--overlaps 50,100] ...");
  }
  const changes = {
    generator: values.generator,
    hyperscribeVersion: values.version,
    cycleTranscriptOverlaps: intList(values.overlaps, "--overlaps"),
    noteReplications: intValue(values["note-replications"], "--note-replications"),
    gradeReplications: intValue(values["grade-replications"], "--grade-replications"),
  };
  const { cloneExperiment: clone } = await ctx.client.request(
    `mutation($e: Int!, $n: String!, $c: ExperimentChangesInput) {
      cloneExperiment(experimentId: $e, name: $n, changes: $c) { id name generator hyperscribeVersion generatorCommit cases { id } models { id } } }`,
    { e: source, n: values.name, c: changes },
  );
  const commit = clone.generatorCommit ? ` (commit ${clone.generatorCommit})` : "";
  out(
    ctx,
    `Experiment ${clone.id} "${clone.name}" cloned from ${source}: generator ${clone.generator} at ${clone.hyperscribeVersion}${commit}, ` +
      `${clone.cases.length} case(s), ${clone.models.length} model combination(s)`,
  );
  out(ctx, `Run it with: note-eval experiment run ${clone.id}`);
  return 0;
}
