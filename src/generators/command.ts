/**
 * A `command` generator's job: one process (group) per note. The job document goes to stdin, one
 * result document is read from stdout (at most maxOutputBytes), the tail of stderr is kept for the
 * error message. The model's API key is in the environment only (NOTE_EVAL_API_KEY and the vendor
 * SDK's own variable), never in argv or stdin.
 *
 * Every way out waits until the process group is gone: a timeout, a flood of output and an abort
 * (cancel, shutdown) end the group (SIGTERM, then SIGKILL after killGraceMs); a normal exit sweeps
 * the group with SIGKILL so that nothing the generator left in the background survives it.
 */
import type { ChildProcess } from "node:child_process";
import type { LlmConfig } from "../config";
import { costUsd } from "../llm";
import { scrubSecrets } from "../llm/errors";
import type { CommandDefinition } from "./definitions";
import { GeneratorError, type GeneratorErrorKind } from "./errors";
import { makeJobDocument } from "./job-document";
import { endGroup, spawnGroupLeader, type GroupRecords } from "./process-group";
import { parseResultDocument } from "./result-document";
import type { Generation, NoteRequest } from "./types";

const STDERR_TAIL_BYTES = 2000;

export interface CommandRuntime {
  records: GroupRecords;
  killGraceMs: number;
  prices: LlmConfig["prices"];
}

/** The environment of one job: the passed-through variables, the model and its key. */
function jobEnvironment(definition: CommandDefinition, request: NoteRequest): NodeJS.ProcessEnv {
  const vendorKey = request.model.vendor === "anthropic" ? "ANTHROPIC" : "OPENAI";
  const env: NodeJS.ProcessEnv = {
    ...definition.env,
    NOTE_EVAL_CONTRACT: "note-generator/1",
    NOTE_EVAL_VENDOR: request.model.vendor,
    NOTE_EVAL_MODEL: request.modelName,
    NOTE_EVAL_API_KEY: request.model.apiKey,
    [`${vendorKey}_API_KEY`]: request.model.apiKey,
  };
  if (request.model.baseUrl) {
    env.NOTE_EVAL_BASE_URL = request.model.baseUrl;
    env[`${vendorKey}_BASE_URL`] = request.model.baseUrl;
  }
  return env;
}

type Ending = { kind: "exited"; code: number | null; signal: NodeJS.Signals | null } | { kind: GeneratorErrorKind | "aborted" };

/**
 * One job. A failure's message (stderr tail, output excerpt) is kept on the job and shown to API
 * clients: the key the generator was given is masked in it, should the generator have printed it.
 */
export async function runCommandJob(
  definition: CommandDefinition,
  cwd: string,
  commit: string | null,
  request: NoteRequest,
  runtime: CommandRuntime,
): Promise<Generation> {
  try {
    return await runProcess(definition, cwd, commit, request, runtime);
  } catch (error) {
    if (error instanceof GeneratorError) error.message = scrubSecrets(error.message, [request.model.apiKey]);
    throw error;
  }
}

async function runProcess(
  definition: CommandDefinition,
  cwd: string,
  commit: string | null,
  request: NoteRequest,
  runtime: CommandRuntime,
): Promise<Generation> {
  if (request.signal.aborted) throw request.signal.reason;
  let child: ChildProcess;
  try {
    child = spawnGroupLeader(definition.command, { cwd, env: jobEnvironment(definition, request) }, runtime.records);
  } catch (error) {
    throw new GeneratorError("generator_spawn", `could not start ${definition.command[0]}: ${(error as Error).message}`);
  }
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderrTail = "";
  let stopping: Ending | undefined;
  let spawnError: Error | undefined;

  const pgid = child.pid;
  const stop = (why: Ending) => {
    if (stopping) return;
    stopping = why;
    if (pgid !== undefined) void endGroup(pgid, runtime.killGraceMs);
  };

  // 'close' comes after the exit once stdout and stderr are drained (so no output is lost).
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const exited = new Promise<Ending>((resolve) => {
    child.on("error", (error) => {
      spawnError = error;
      resolve({ kind: "generator_spawn" });
    });
    child.on("exit", (code, signal) => resolve({ kind: "exited", code, signal }));
  });
  child.stdout!.on("data", (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (stdoutBytes > definition.maxOutputBytes) return stop({ kind: "generator_output_too_large" });
    stdout.push(chunk);
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
  });
  // A generator that exits without reading its stdin makes the write fail with EPIPE: its exit says why.
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(JSON.stringify(makeJobDocument(request, commit)));

  const timer = setTimeout(() => stop({ kind: "generator_timeout" }), definition.timeoutMs);
  const onAbort = () => stop({ kind: "aborted" });
  request.signal.addEventListener("abort", onAbort, { once: true });
  let exit: Ending;
  try {
    exit = await exited;
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener("abort", onAbort);
    if (pgid !== undefined) {
      // Whatever is left of the group (background children, or all of it after a stop): ended.
      await endGroup(pgid, stopping ? runtime.killGraceMs : 0);
      runtime.records.remove(pgid);
    }
  }
  if (exit.kind === "exited") await closed;

  const tail = stderrTail.trim() ? `; stderr: ${stderrTail.trim().slice(-STDERR_TAIL_BYTES)}` : "";
  const why = stopping ?? exit;
  switch (why.kind) {
    case "aborted":
      throw request.signal.reason;
    case "generator_timeout":
      throw new GeneratorError("generator_timeout", `no result after ${definition.timeoutMs} ms: process group ended${tail}`);
    case "generator_output_too_large":
      throw new GeneratorError(
        "generator_output_too_large",
        `more than ${definition.maxOutputBytes} bytes on stdout: process group ended${tail}`,
      );
    case "generator_spawn":
      throw new GeneratorError(
        "generator_spawn",
        `could not start ${definition.command[0]}: ${spawnError?.message ?? "unknown error"}`,
      );
    case "exited":
      if (why.code !== 0) {
        const how = why.code === null ? `was killed by ${why.signal}` : `exited with status ${why.code}`;
        throw new GeneratorError("generator_exit", `the generator ${how}${tail}`);
      }
      break;
    default:
      throw new GeneratorError(why.kind, `the generator failed (${why.kind})${tail}`);
  }
  try {
    // The key never reaches the stored note either.
    return parseResultDocument(scrubSecrets(Buffer.concat(stdout).toString("utf8"), [request.model.apiKey]), {
      model: request.modelName,
      priceOf: (model, input, output) => costUsd(runtime.prices, model, input, output),
    });
  } catch (error) {
    if (error instanceof GeneratorError) error.message += tail;
    throw error;
  }
}
