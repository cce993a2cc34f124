#!/usr/bin/env node
/**
 * note-eval: the scripted flows against a running server (see docs/usage.md).
 * Exit codes: 0 success; 1 a run had failed notes or grades, or was cancelled; 2 usage or API errors.
 */
import { ApiError, makeClient } from "./client";
import * as commands from "./commands";
import { exitQuietlyOnClosedPipe, InterruptedError, processIo, type CliIo } from "./io";
import { readCliEnv, resolveUrl, UsageError } from "./options";
import { experimentClone, generatorsList } from "./generators";
import { compare, experimentReport } from "./report";
import { rubricsAccept, rubricsAdd, rubricsList, rubricsRefuse, rubricsShow } from "./rubrics";
import { TOKEN_COMMANDS, TOKENS_USAGE } from "./tokens";

type Command = (ctx: commands.CommandContext) => Promise<number>;

const COMMANDS: Record<string, Record<string, Command>> = {
  models: { "set-key": commands.modelsSetKey, list: commands.modelsList },
  cases: { eligible: commands.casesEligible, import: commands.casesImport },
  generators: { list: generatorsList },
  rubrics: { list: rubricsList, show: rubricsShow, accept: rubricsAccept, refuse: rubricsRefuse, add: rubricsAdd },
  experiment: {
    list: commands.experimentList,
    create: commands.experimentCreate,
    clone: experimentClone,
    estimate: commands.experimentEstimateCommand,
    run: commands.experimentRun,
    export: commands.experimentExport,
    report: experimentReport,
  },
};

/** Commands without a sub-command: `note-eval compare a b`. */
const TOP_LEVEL: Partial<Record<string, Command>> = { compare };

export const USAGE = `Usage: note-eval [--url URL] [--token TOKEN] <command>

  models set-key --vendor openai|anthropic   key from a hidden prompt, or stdin when piped
  models list [--vendor V] [--json]
  cases eligible [--min-authors N] [--json]
  cases import [folder]                      a folder here, or under the server's SHARED_DATA_DIR (default: all of it)
  rubrics list [--case N] [--json]           the review queue (cases not eligible yet), or a case's rubrics
  rubrics show <id> [--json]                 a rubric's criteria
  rubrics accept|refuse <id> [--reviewer EMAIL] [--comment TEXT]   sign a copy (or your own rubric)
  rubrics add --file criteria.json (--parent ID | --case N) [--reviewer EMAIL]   an edit, or your own rubric
  generators list [--json]                   the note generators the server's operator configured
  experiment list
  experiment create --file spec.json [--generator NAME] [--version V]
  experiment clone <id> --name NAME [--version V] [--generator G] [--overlaps 50,100]
                   [--note-replications N] [--grade-replications N]   same cases and combinations
  experiment estimate <id> [--retry-failed] [--json]   calls, tokens and cost range a run would take now
  experiment run <id> [--workers N] [--max-attempts N] [--retry-failed] [--budget-usd USD]
                 [--confirm-above-usd USD (default 5)] [--yes]   prints the estimate; asks above the threshold
  experiment export <id> [--format csv|json] [--out FILE]
  experiment report <id> [--format table|json|csv|md]   means with CIs, variance split, agreement, worst criteria
  compare <arm> <arm>… [--baseline N] [--normalised] [--seed S] [--format table|json|csv|md]
                                             arm = <experiment id or name>[:<combination id>][@<overlap>]
${TOKENS_USAGE}

The server URL comes from --url, else NOTE_EVAL_URL, else http://127.0.0.1:4000/graphql.
The reviewer comes from --reviewer, else NOTE_EVAL_REVIEWER.
The API token comes from --token, else NOTE_EVAL_TOKEN (the server prints one on its first start).
The tokens commands open the server's database (DATABASE_URL, else the embedded one) instead.
Exit codes: 0 success, 1 failed notes/grades or a cancelled run, 2 usage or API errors.
`;

/** Takes the global options --url and --token (anywhere) out of argv. */
function takeGlobalOptions(argv: string[]): { url: string | undefined; token: string | undefined; rest: string[] } {
  const rest: string[] = [];
  const found: Record<"url" | "token", string | undefined> = { url: undefined, token: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = (["url", "token"] as const).find((n) => arg === `--${n}` || arg.startsWith(`--${n}=`));
    if (!name) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    found[name] = value;
  }
  return { ...found, rest };
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let client: ReturnType<typeof makeClient> | undefined;
  try {
    const { url, token, rest } = takeGlobalOptions(argv);
    const [group, name, ...args] = rest;
    if (!group || group === "help" || group === "--help" || group === "-h") {
      io.stdout.write(USAGE);
      return group ? 0 : 2;
    }
    // Server-side: the database, not the API (no URL, no token).
    const tokensCommand = group === "tokens" ? TOKEN_COMMANDS[name ?? ""] : undefined;
    if (tokensCommand) return await tokensCommand(io, args);
    const topLevel = TOP_LEVEL[group];
    const command = topLevel ?? COMMANDS[group]?.[name ?? ""];
    if (!command) throw new UsageError(`unknown command "${[group, name].filter(Boolean).join(" ")}"`);
    const env = readCliEnv(io.env);
    client = makeClient(resolveUrl(url, env), token || env.token);
    return await command({ io, client, args: topLevel ? rest.slice(1) : args });
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`note-eval: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof InterruptedError) return 1;
    const message = error instanceof ApiError ? error.message : ((error as Error)?.message ?? String(error));
    io.stderr.write(`note-eval: ${message}\n`);
    return 2;
  } finally {
    await client?.close();
  }
}

if (require.main === module) {
  exitQuietlyOnClosedPipe(process.stdout, (code) => process.exit(code));
  exitQuietlyOnClosedPipe(process.stderr, (code) => process.exit(code));
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
